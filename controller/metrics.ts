import client from "prom-client";
import { LoopDelayMonitor } from "./loop-delay.js";

/** prom-client's event-loop figures, which the controller serves from its own monitor instead. */
const loopDelayFigures = {
  min: "The minimum recorded event loop delay.",
  max: "The maximum recorded event loop delay.",
  mean: "The mean of the recorded event loop delays.",
  stddev: "The standard deviation of the recorded event loop delays.",
  p50: "The 50th percentile of the recorded event loop delays.",
  p90: "The 90th percentile of the recorded event loop delays.",
  p99: "The 99th percentile of the recorded event loop delays.",
} as const;

/**
 * kestrel_nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds under prom-client's names,
 * from a monitor that runs only while there is work (loop-delay.ts), reset at each scrape as
 * prom-client does. prom-client's own monitor is given an interval of 24 days, so its timer never
 * wakes the process, and its figures are replaced by these.
 */
function serveLoopDelay(registry: client.Registry, monitor: LoopDelayMonitor): void {
  const h = monitor.histogram;
  const value = (figure: string): number => {
    // An empty histogram (no work since the last scrape) holds sentinels; report 0 instead.
    if (h.count === 0) return 0;
    if (figure.startsWith("p")) return h.percentile(Number(figure.slice(1))) / 1e9;
    return h[figure as "min" | "max" | "mean" | "stddev"] / 1e9;
  };
  const gauges: { figure: string; gauge: client.Gauge }[] = [];
  // The first gauge's collect sets them all, then resets the histogram, as prom-client's does.
  const collect = (): void => {
    for (const { figure, gauge } of gauges) gauge.set(value(figure));
    h.reset();
  };
  for (const [figure, help] of Object.entries(loopDelayFigures)) {
    const name = `kestrel_nodejs_eventloop_lag_${figure}_seconds`;
    registry.removeSingleMetric(name);
    const gauge = new client.Gauge({
      name,
      help,
      registers: [registry],
      ...(gauges.length ? {} : { collect }),
    });
    gauges.push({ figure, gauge });
  }
}

/**
 * Node's own figures (prefixed kestrel_) and the event-loop delay. The monitor stays at 10 ms (its
 * histogram records whole intervals, so a coarser one, 1 s was tried, adds its length to every lag
 * figure) but runs only while there is work: see serveLoopDelay.
 */
function processMetrics(registry: client.Registry): LoopDelayMonitor {
  client.collectDefaultMetrics({
    register: registry,
    prefix: "kestrel_",
    eventLoopMonitoringPrecision: 2 ** 31 - 1,
  });
  const loopDelay = new LoopDelayMonitor();
  serveLoopDelay(registry, loopDelay);
  return loopDelay;
}

/** kestrel_rollouts{phase}: counted from the cache when scraped, so an idle controller runs no timer for it. */
function phaseGauge(registry: client.Registry) {
  let phases: () => ReadonlyMap<string, number> = () => new Map();
  return {
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
  };
}

export function createMetrics(registry = new client.Registry()) {
  return {
    registry,
    /** Runners call loopDelay.working() for every key, so the delay monitor runs while there is work. */
    loopDelay: processMetrics(registry),
    ...phaseGauge(registry),
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
