/**
 * AnalysisRuns as charts: each metric's measured values over time, and the line (the success or
 * failure threshold) its condition compares them with. Pure: the server sends the result as JSON.
 */
import type { AnalysisRun, Metric } from "../api/analysis.js";

export interface Threshold {
  value: number;
  /** How a value passes or fails against the line, as written in the condition, e.g. ">=". */
  op: string;
  /** Which condition drew it: values on its wrong side failed (failure) or missed (success). */
  kind: "success" | "failure";
  condition: string;
}

export interface ChartPoint {
  at: string;
  value: number;
  phase: string;
}

export interface MetricChart {
  run: string;
  metric: string;
  phase: string;
  points: ChartPoint[];
  threshold?: Threshold;
  message: string;
}

export interface RunView {
  name: string;
  phase: string;
  message: string;
  startedAt: string;
  charts: MetricChart[];
}

const num = String.raw`(-?\d+(?:\.\d+)?(?:e-?\d+)?)`;
const subject = String.raw`(?:asFloat\()?result(?:\[0\])?\)?`;
const mirrored: Record<string, string> = {
  "<": ">",
  ">": "<",
  "<=": ">=",
  ">=": "<=",
  "==": "==",
  "!=": "!=",
};

/**
 * The number a condition compares `result` with: `result[0] >= 0.95`, `result < 0.1`, or the
 * same written the other way round (`0.95 <= result`). Undefined for anything else (a compound
 * or a string condition has no single line to draw).
 */
export function thresholdOf(condition: string | undefined, kind: Threshold["kind"]): Threshold | undefined {
  if (!condition) return undefined;
  const text = condition.trim();
  const ahead = new RegExp(`^${subject}\\s*(<=|>=|<|>|==|!=)\\s*${num}$`).exec(text);
  if (ahead) return { value: Number(ahead[2]), op: ahead[1]!, kind, condition: text };
  const behind = new RegExp(`^${num}\\s*(<=|>=|<|>|==|!=)\\s*${subject}$`).exec(text);
  if (behind) return { value: Number(behind[1]), op: mirrored[behind[2]!]!, kind, condition: text };
  return undefined;
}

/**
 * The line to draw for a metric: the failure condition's when the metric failed by it (or has
 * only that one), else the success condition's.
 */
export function metricThreshold(metric: Metric | undefined, phase: string): Threshold | undefined {
  const failure = thresholdOf(metric?.failureCondition, "failure");
  const success = thresholdOf(metric?.successCondition, "success");
  if (phase === "Failed" && failure) return failure;
  return success ?? failure;
}

/** A measured value as a number: "0.3", "[0.3]" or "[0.3, 0.2]" (the first); undefined if none. */
export function valueOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /-?\d+(?:\.\d+)?(?:e-?\d+)?/i.exec(text);
  return m ? Number(m[0]) : undefined;
}

export function runView(run: AnalysisRun): RunView {
  const metrics = run.spec?.metrics ?? [];
  const charts = (run.status?.metricResults ?? []).map((res) => ({
    run: run.metadata.name ?? "",
    metric: res.name,
    phase: res.phase,
    message: res.message ?? "",
    threshold: metricThreshold(
      metrics.find((m) => m.name === res.name),
      res.phase,
    ),
    points: (res.measurements ?? []).flatMap((m) => {
      const value = valueOf(m.value);
      return value === undefined ? [] : [{ at: m.finishedAt ?? m.scheduledAt, value, phase: m.phase }];
    }),
  }));
  return {
    name: run.metadata.name ?? "",
    phase: run.status?.phase ?? "Pending",
    message: run.status?.message ?? "",
    startedAt: run.status?.startedAt ?? String(run.metadata.creationTimestamp ?? ""),
    charts,
  };
}

/** Newest first, by start time then name, so the run that decided the latest step leads. */
export function runViews(runs: readonly AnalysisRun[]): RunView[] {
  return runs
    .map(runView)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.name.localeCompare(a.name));
}
