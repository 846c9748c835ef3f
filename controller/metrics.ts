import client from "prom-client";

/** The controller's own metrics, served on /metrics. One registry per process (tests make their own). */
export function createMetrics(registry = new client.Registry()) {
  // The event-loop delay monitor stays at prom-client's 10 ms: its histogram records whole
  // intervals, so a coarser one (1 s was tried) adds its length to every lag figure.
  client.collectDefaultMetrics({ register: registry, prefix: "kestrel_" });
  /** Counted from the cache when scraped, so an idle controller runs no timer for it. */
  let phases: () => ReadonlyMap<string, number> = () => new Map();
  return {
    registry,
    reconciles: new client.Counter({
      name: "kestrel_reconciles_total",
      help: "Reconciles by kind and result (success, error, conflict)",
      labelNames: ["kind", "result"],
      registers: [registry],
    }),
    reconcileSeconds: new client.Histogram({
      name: "kestrel_reconcile_duration_seconds",
      help: "Time from taking a key off the queue to finishing its reconcile, by kind",
      labelNames: ["kind"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueDepth: new client.Gauge({
      name: "kestrel_workqueue_depth",
      help: "Keys waiting in the work queue, by kind",
      labelNames: ["kind"],
      registers: [registry],
    }),
    rolloutsByPhase: new client.Gauge({
      name: "kestrel_rollouts",
      help: "Rollouts known to the controller, by phase",
      labelNames: ["phase"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [phase, n] of phases()) this.set({ phase }, n);
      },
    }),
    /** Where kestrel_rollouts comes from: asked at each scrape. */
    countPhasesWith(source: () => ReadonlyMap<string, number>): void {
      phases = source;
    },
    isLeader: new client.Gauge({
      name: "kestrel_leader",
      help: "1 while this process holds the leader lease",
      registers: [registry],
    }),
    analysisMeasurements: new client.Counter({
      name: "kestrel_analysis_measurements_total",
      help: "Analysis measurements taken, by provider and phase",
      labelNames: ["provider", "phase"],
      registers: [registry],
    }),
    providerSeconds: new client.Histogram({
      name: "kestrel_analysis_provider_duration_seconds",
      help: "Latency of metric provider queries, by provider",
      labelNames: ["provider"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
