import { createHistogram, performance, type RecordableHistogram } from "node:perf_hooks";

export interface LoopDelayOptions {
  /** The sampling interval (ms): the histogram records whole intervals, so keep it fine. */
  resolutionMs?: number;
  /** After this long with no work, sampling pauses; the next work resumes it. */
  idleAfterMs?: number;
  /** A monotonic clock in ms; injected so tests can drive time. */
  now?: () => number;
  /** A repeating timer; injected so tests can drive time. */
  every?: (fn: () => void, ms: number) => { cancel(): void };
}

const defaultEvery = (fn: () => void, ms: number): { cancel(): void } => {
  const t = setInterval(fn, ms);
  t.unref();
  return { cancel: () => clearInterval(t) };
};

/**
 * Event-loop delay, sampled while there is work: a timer every `resolutionMs` records how late it
 * fired (what node's monitorEventLoopDelay records, which prom-client runs all the time: about 100
 * wake-ups a second, most of an idle controller's CPU). An idle loop has no delay to measure, so
 * sampling runs from the first work (a key queued, a reconcile) until `idleAfterMs` after the
 * last. A stall is still caught: it is work, and the sample after it records it before the pause
 * check. Sampled here rather than with node's monitor because that one, disabled and enabled
 * again, records the whole pause as one delay.
 */
export class LoopDelayMonitor {
  /** Delays in ns since the last scrape (the scrape resets it). */
  readonly histogram: RecordableHistogram = createHistogram();
  private readonly resolutionMs: number;
  private readonly idleAfterMs: number;
  private readonly now: () => number;
  private readonly every: NonNullable<LoopDelayOptions["every"]>;
  private lastWork = 0;
  private timer: { cancel(): void } | undefined;

  constructor(o: LoopDelayOptions = {}) {
    this.resolutionMs = o.resolutionMs ?? 10;
    this.idleAfterMs = o.idleAfterMs ?? 2_000;
    this.now = o.now ?? (() => performance.now());
    this.every = o.every ?? defaultEvery;
  }

  /** Work is running or about to: (re)starts sampling. Cheap enough to call for every key. */
  working(): void {
    this.lastWork = this.now();
    if (this.timer) return;
    let previous = this.lastWork;
    this.timer = this.every(() => {
      const t = this.now();
      const lateNs = Math.round((t - previous - this.resolutionMs) * 1e6);
      previous = t;
      this.histogram.record(Math.max(1, lateNs));
      if (t - this.lastWork < this.idleAfterMs) return;
      this.timer?.cancel();
      this.timer = undefined;
    }, this.resolutionMs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}
