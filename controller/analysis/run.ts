import { parseDurationMs } from "../api/duration.js";
import type { AnalysisRun, AnalysisRunStatus, Measurement, MetricResult } from "../api/analysis.js";
import type { MeasurementOutcome } from "./measure.js";
import { resolveRunSpec, type ResolvedMetric, type ResolvedRunSpec } from "./resolve.js";
import { terminalRunPhases } from "../api/phases.js";

/** Pure planning of one AnalysisRun: which metrics are due, how a measurement counts, and the verdict. */

const defaultRetention = 10;
/** A metric without an interval retries an errored measurement after this long (Argo's DefaultErrorRetryInterval). */
export const errorRetryMs = 10_000;

export interface RunPlan {
  /** Metrics to measure now, each with the slot it fills. */
  due: { metric: ResolvedMetric; scheduledAt: string }[];
  status: AnalysisRunStatus;
  requeueAfterMs?: number;
}

/**
 * When the shell should plan the run again after a pass: at once if a slot is due already (a
 * measurement and its write took longer than the interval; waiting for the watch to bring back
 * our own write would leave the run to chance), else at the next slot or when a measurement
 * still in progress (a Job) asks to be checked. A metric still in progress is due until it ends,
 * so its slot counts by its own check time, never as "due now". Undefined: nothing more to do.
 */
export function nextLookMs(next: RunPlan, inProgress: ReadonlyMap<string, number>): number | undefined {
  const dueNow = next.due.some((d) => !inProgress.has(d.metric.name));
  const after = Math.min(dueNow ? 0 : Infinity, next.requeueAfterMs ?? Infinity, ...[...inProgress.values()]);
  return Number.isFinite(after) ? after : undefined;
}

function emptyResult(name: string): MetricResult {
  return {
    name,
    phase: "Pending",
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
  };
}

/** When the metric's next measurement is due, or undefined when it has taken all it will take. */
export function nextDue(metric: ResolvedMetric, result: MetricResult, startedAt: number): number | undefined {
  if (terminalRunPhases.has(result.phase)) return undefined;
  const interval = metric.interval !== undefined ? (parseDurationMs(metric.interval) ?? 0) : undefined;
  const planned = metric.count ?? (interval === undefined ? 1 : undefined);
  if (planned !== undefined && result.count >= planned) return undefined;
  const last = result.measurements?.at(-1);
  if (!last)
    return startedAt + (metric.initialDelay !== undefined ? (parseDurationMs(metric.initialDelay) ?? 0) : 0);
  return (
    Date.parse(last.finishedAt ?? last.scheduledAt) +
    (interval ?? (last.phase === "Error" ? errorRetryMs : 0))
  );
}

/** A run whose arguments are resolved into its metrics. */
type ResolvedRun = Omit<AnalysisRun, "spec"> & { spec: ResolvedRunSpec };

export function planRun(unresolved: AnalysisRun, now: Date): RunPlan {
  const status: AnalysisRunStatus = structuredClone(unresolved.status ?? {});
  status.startedAt ??= now.toISOString();
  const startedAt = Date.parse(status.startedAt);
  status.metricResults = unresolved.spec.metrics.map(
    (m) => status.metricResults?.find((r) => r.name === m.name) ?? emptyResult(m.name),
  );
  if (terminalRunPhases.has(status.phase ?? "")) return { due: [], status };
  // The shell stores the resolved spec before measuring; a value that does not resolve ends
  // the run here, before any measurement, naming the metric, the field and the argument.
  const resolution = resolveRunSpec(unresolved.spec);
  if (!resolution.ok) {
    const result = status.metricResults.find((r) => r.name === resolution.metric)!;
    result.phase = "Error";
    result.message = resolution.message;
    status.phase = "Error";
    status.message = resolution.message;
    return { due: [], status };
  }
  const run: ResolvedRun = { ...unresolved, spec: resolution.spec };

  const due: RunPlan["due"] = [];
  let requeueAfterMs: number | undefined;
  if (!run.spec.terminate) {
    run.spec.metrics.forEach((metric, i) => {
      const at = nextDue(metric, status.metricResults![i]!, startedAt);
      if (at === undefined) return;
      if (at <= now.getTime()) due.push({ metric, scheduledAt: new Date(at).toISOString() });
      else requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, at - now.getTime());
    });
  }
  decide(run, status);
  return { due: terminalRunPhases.has(status.phase ?? "") ? [] : due, status, requeueAfterMs };
}

/**
 * Counts one measurement into the status. A measurement whose slot is not after the last one
 * recorded is ignored, so re-applying after a crash never counts it twice.
 */
export function recordMeasurement(
  unresolved: AnalysisRun,
  status: AnalysisRunStatus,
  metricName: string,
  outcome: MeasurementOutcome,
  times: { scheduledAt: string; startedAt: string; finishedAt: string },
): AnalysisRunStatus {
  const next = structuredClone(status);
  const resolution = resolveRunSpec(unresolved.spec);
  // planRun ended an unresolvable run before anything was measured.
  if (!resolution.ok) return next;
  const run: ResolvedRun = { ...unresolved, spec: resolution.spec };
  const result = next.metricResults?.find((r) => r.name === metricName);
  const metric = run.spec.metrics.find((m) => m.name === metricName);
  if (!result || !metric) return next;
  const last = result.measurements?.at(-1);
  if (last && Date.parse(last.scheduledAt) >= Date.parse(times.scheduledAt)) return next;

  const m: Measurement = { phase: outcome.phase, ...times, value: outcome.value, message: outcome.message };
  const limit =
    run.spec.measurementRetention?.find((r) => r.metricName === metricName)?.limit ?? defaultRetention;
  result.measurements = [...(result.measurements ?? []), m].slice(-limit);
  // As in Argo, `count` is measurements taken without Error: an errored one is retried and
  // never fills a slot, so a metric with `count` cannot pass on errors (Prometheus down) alone.
  if (outcome.phase !== "Error") result.count++;
  if (outcome.phase === "Successful") result.successful++;
  if (outcome.phase === "Failed") result.failed++;
  if (outcome.phase === "Inconclusive") result.inconclusive++;
  if (outcome.phase === "Error") result.error++;
  result.consecutiveError = outcome.phase === "Error" ? result.consecutiveError + 1 : 0;
  result.message = outcome.message;
  decide(run, next);
  return next;
}

/** Each metric's phase from its counts and limits, then the run's, with Argo's precedence. */
function decide(run: ResolvedRun, status: AnalysisRunStatus): void {
  const dry = new Set((run.spec.dryRun ?? []).map((d) => d.metricName));
  const startedAt = Date.parse(status.startedAt ?? new Date(0).toISOString());
  for (const metric of run.spec.metrics) {
    const r = status.metricResults!.find((x) => x.name === metric.name)!;
    if (r.failed > (metric.failureLimit ?? 0)) r.phase = "Failed";
    else if (r.consecutiveError > (metric.consecutiveErrorLimit ?? 4)) r.phase = "Error";
    else if (r.inconclusive > (metric.inconclusiveLimit ?? 0)) r.phase = "Inconclusive";
    else if (nextDue(metric, { ...r, phase: "Running" }, startedAt) === undefined) r.phase = "Successful";
    else r.phase = r.count + r.error > 0 ? "Running" : "Pending";
  }
  // A terminated run's unfinished metrics end with it; each keeps the verdict its counts give.
  let stoppedEarly = false;
  if (run.spec.terminate) {
    for (const r of status.metricResults!)
      if (r.phase === "Running" || r.phase === "Pending") {
        r.phase = "Successful";
        stoppedEarly = true;
      }
  }
  const counted = status.metricResults!.filter((r) => !dry.has(r.name));
  const worst = (phase: string): MetricResult | undefined => counted.find((r) => r.phase === phase);
  const decisive = worst("Failed") ?? worst("Error") ?? worst("Inconclusive");
  if (decisive) {
    status.phase = decisive.phase;
    status.message = verdictMessage(run, decisive);
  } else if (counted.every((r) => r.phase === "Successful")) {
    status.phase = "Successful";
    status.message = stoppedEarly ? "stopped by its Rollout with no metric failed" : "every metric passed";
  } else {
    status.phase = "Running";
    status.message = undefined;
  }
}

/** Which metric decided, with which values, against which limit. */
export function verdictMessage(run: ResolvedRun, r: MetricResult): string {
  const metric = run.spec.metrics.find((m) => m.name === r.name);
  const values = (r.measurements ?? []).map((m) => m.value ?? "-").join(", ");
  const conditions = [
    metric?.successCondition ? `successCondition ${metric.successCondition}` : "",
    metric?.failureCondition ? `failureCondition ${metric.failureCondition}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  if (r.phase === "Failed") {
    return `metric "${r.name}" failed ${r.failed} time(s), more than failureLimit ${metric?.failureLimit ?? 0}: values ${values}; ${conditions}`;
  }
  if (r.phase === "Error") {
    return `metric "${r.name}" errored ${r.consecutiveError} times in a row, more than consecutiveErrorLimit ${metric?.consecutiveErrorLimit ?? 4}: ${r.message ?? ""}`;
  }
  return `metric "${r.name}" was inconclusive ${r.inconclusive} time(s), more than inconclusiveLimit ${metric?.inconclusiveLimit ?? 0}: ${r.message ?? ""}`;
}
