import type { BenchController } from "./controller.js";
import { bucketDiff, bucketsOf, bucketTotal, histogramQuantile, sumOf, type Buckets } from "./prom-text.js";

/** What the controller's /metrics says about Rollout reconciles at one moment. */
export interface ReconcileMark {
  at: number;
  buckets: Buckets;
  reconciles: number;
  errors: number;
  heapUsedBytes: number;
  /** The longest event-loop delay since the previous scrape (prom-client resets it on each). */
  eventLoopLagMaxSeconds: number;
}

export async function markReconciles(controller: BenchController): Promise<ReconcileMark> {
  const m = await controller.metrics();
  return {
    at: Date.now(),
    buckets: bucketsOf(m, "kestrel_reconcile_duration_seconds", { kind: "Rollout" }),
    reconciles: sumOf(m, "kestrel_reconciles_total", { kind: "Rollout" }),
    errors: sumOf(m, "kestrel_reconciles_total", { kind: "Rollout", result: "error" }),
    heapUsedBytes: sumOf(m, "kestrel_nodejs_heap_size_used_bytes"),
    eventLoopLagMaxSeconds: sumOf(m, "kestrel_nodejs_eventloop_lag_max_seconds"),
  };
}

/** Reconciles between two marks of the same process: how many, and the histogram's p50/p99 (seconds). */
export interface ReconcileWindow {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  /**
   * The controller's longest event-loop stall between the marks (seconds): how long a watch
   * event, /healthz or the lease renewal could have waited. The benchmark is its only scraper.
   */
  eventLoopLagMax: number;
}

export function reconcilesBetween(a: ReconcileMark, b: ReconcileMark): ReconcileWindow {
  const diff = bucketDiff(a.buckets, b.buckets);
  return {
    count: bucketTotal(diff),
    errors: b.errors - a.errors,
    p50: histogramQuantile(0.5, diff),
    p99: histogramQuantile(0.99, diff),
    eventLoopLagMax: b.eventLoopLagMaxSeconds,
  };
}
