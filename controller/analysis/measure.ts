import type { Metric } from "../api/analysis.js";
import { ConditionError, evaluateCondition, isMissingValue, type Value } from "./evaluate.js";
import type { MeasurementOutcome, MeasurementPhase } from "./provider.js";

export type { MeasurementOutcome, MeasurementPhase } from "./provider.js";
/** Prometheus' classification, under the name its tests and callers have always used. */
export { measurePrometheus as measure } from "./providers/prometheus.js";

/** What a provider measured, ready for the conditions. */
export interface Observation {
  /** What the conditions see as `result`. */
  result: Value;
  /** The value as the measurement records it. */
  shown: string;
  /** Why the data is missing, in words, given what the evaluator said (if anything). */
  noDataWhy: (detail?: string) => string;
}

/**
 * Turns a measured value into a measurement, the same for every provider. Missing data (NaN, an
 * index or key beyond the result) is never a verdict on the version: it takes the metric's
 * onNoData (default Inconclusive) and says "no data" in words.
 */
export function judge(metric: Metric, obs: Observation): MeasurementOutcome {
  const value = obs.shown;
  const noData = (why: string): MeasurementOutcome => ({
    phase: (metric.onNoData ?? "Inconclusive") as MeasurementPhase,
    value,
    message: `no data: ${why} (onNoData: ${metric.onNoData ?? "Inconclusive"})`,
  });
  try {
    const failed = metric.failureCondition
      ? evaluateCondition(metric.failureCondition, obs.result)
      : undefined;
    const succeeded = metric.successCondition
      ? evaluateCondition(metric.successCondition, obs.result)
      : undefined;
    if (failed?.noData || succeeded?.noData) return noData(obs.noDataWhy());
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
    if (isMissingValue(err)) return noData(obs.noDataWhy((err as Error).message));
    if (err instanceof ConditionError)
      return { phase: "Error", value, message: `condition error: ${err.message}` };
    throw err;
  }
}
