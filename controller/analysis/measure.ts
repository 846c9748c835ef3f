import type { Metric } from "../api/analysis.js";
import { ConditionError, evaluateCondition, isMissingValue } from "./evaluate.js";
import type { QueryFailure, QueryResult } from "./providers/prometheus.js";

export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

export interface MeasurementOutcome {
  phase: MeasurementPhase;
  value?: string;
  message: string;
}

const formatValue = (r: QueryResult): string =>
  r.kind === "scalar"
    ? String(r.value)
    : `[${r.values.map((v) => (Number.isNaN(v) ? "NaN" : String(v))).join(",")}]`;

/**
 * Turns what the provider returned into a measurement. Missing data (an empty vector, NaN, an
 * index beyond the result) is never a verdict on the version: it takes the metric's onNoData
 * (default Inconclusive) and says "no data" in words.
 */
export function measure(metric: Metric, outcome: QueryResult | QueryFailure): MeasurementOutcome {
  if (outcome.kind !== "vector" && outcome.kind !== "scalar") {
    const prefix = {
      unreachable: "Prometheus unreachable",
      timeout: "Prometheus timed out",
      http: "Prometheus HTTP error",
      promql: "PromQL error",
    }[outcome.kind];
    return { phase: "Error", message: `${prefix}: ${outcome.message}` };
  }
  const value = formatValue(outcome);
  const result = outcome.kind === "scalar" ? outcome.value : outcome.values;
  const noData = (why: string): MeasurementOutcome => ({
    phase: (metric.onNoData ?? "Inconclusive") as MeasurementPhase,
    value,
    message: `no data: ${why} (onNoData: ${metric.onNoData ?? "Inconclusive"})`,
  });
  try {
    const failed = metric.failureCondition ? evaluateCondition(metric.failureCondition, result) : undefined;
    const succeeded = metric.successCondition
      ? evaluateCondition(metric.successCondition, result)
      : undefined;
    if (failed?.noData || succeeded?.noData)
      return noData(
        outcome.kind === "vector" && outcome.values.length === 0
          ? "the query returned an empty vector"
          : "the query returned NaN",
      );
    if (failed?.value)
      return {
        phase: "Failed",
        value,
        message: `failureCondition ${metric.failureCondition} is true for ${value}`,
      };
    if (succeeded === undefined)
      return {
        phase: "Successful",
        value,
        message: `failureCondition ${metric.failureCondition} is false for ${value}`,
      };
    if (succeeded.value)
      return {
        phase: "Successful",
        value,
        message: `successCondition ${metric.successCondition} holds for ${value}`,
      };
    if (failed === undefined)
      return {
        phase: "Failed",
        value,
        message: `successCondition ${metric.successCondition} is false for ${value}`,
      };
    return { phase: "Inconclusive", value, message: `neither condition holds for ${value}` };
  } catch (err) {
    if (isMissingValue(err)) {
      return noData(
        outcome.kind === "vector" && outcome.values.length === 0
          ? "the query returned an empty vector"
          : (err as Error).message,
      );
    }
    if (err instanceof ConditionError)
      return { phase: "Error", value, message: `condition error: ${err.message}` };
    throw err;
  }
}
