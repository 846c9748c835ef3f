import type { AnalysisRun, Metric } from "../api/analysis.js";
import type { AddressGuard } from "./address-guard.js";

/**
 * The metric provider interface: what the analysis reconciler asks of Prometheus, Web and Job.
 * A provider takes one measurement of one metric; the pure run planner (run.ts) decides
 * which are due and counts what they give.
 */

export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

/** One finished measurement, as it is recorded in the run's status. */
export interface MeasurementOutcome {
  phase: MeasurementPhase;
  value?: string;
  message: string;
}

/**
 * A measurement that has not finished yet (a Job still running). Nothing is recorded, so the same
 * slot stays due, and the provider is asked again with the same `scheduledAt` after `checkAgainMs`:
 * a provider that works across reconciles keys its work by (run, metric, scheduledAt), so it
 * finds what it started (a Job with a derived name) instead of starting it twice.
 */
export interface MeasurementPending {
  phase: "Running";
  checkAgainMs: number;
  message: string;
}

export interface MeasureContext {
  run: AnalysisRun;
  metric: Metric;
  /** The slot this measurement fills (from the run planner); stable until it is recorded. */
  scheduledAt: string;
  /**
   * The run's arguments with Secret values read at measurement time: in memory only, never
   * written to the run. Fields stored in the spec were resolved from plain arguments already.
   */
  args: Record<string, string | undefined>;
  /** Reads a key of a Secret in the run's namespace. */
  secret(name: string, key: string): Promise<string>;
  /** Refuses addresses the controller must not call (see address-guard.ts). */
  addresses: AddressGuard;
  /** Times the provider's call for the controller's metrics. */
  timer(): () => void;
}

export interface MetricProvider {
  /** The provider's field under `metric.provider`, e.g. "prometheus". */
  readonly name: string;
  /** Never throws for a failure of the measured system: that is an Error outcome. */
  measure(ctx: MeasureContext): Promise<MeasurementOutcome | MeasurementPending>;
  /**
   * Stops what the provider still runs for a run that has ended (a Job's pods). Called before the
   * ended run's status is written, so a crash in between calls it again; it must be idempotent.
   */
  release?(run: AnalysisRun): Promise<void>;
}

/** The providers the controller knows, by their field under `metric.provider`. */
export type ProviderRegistry = ReadonlyMap<string, MetricProvider>;

/** The provider a metric names, or why there is none. */
export function providerOf(
  metric: Metric,
  registry: ProviderRegistry,
): { provider: MetricProvider } | { error: string } {
  const named = Object.entries(metric.provider)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  const known = named.filter((n) => registry.has(n)).sort();
  if (known.length === 1) return { provider: registry.get(known[0]!)! };
  if (known.length === 0)
    return {
      error: `metric "${metric.name}" names no provider this controller runs (it runs ${[...registry.keys()].join(", ")})`,
    };
  return { error: `metric "${metric.name}" names several providers (${known.join(", ")}); name one` };
}
