import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface LoopDelayOptions {
  /** The monitor's sampling interval (ms): its histogram records whole intervals, so keep it fine. */
  resolutionMs?: number;
  /** After this long with no work, the monitor pauses; the next work resumes it. */
  idleAfterMs?: number;
  now?: () => number;
  /** Injected so tests can drive time: a repeating timer. */
  every?: (fn: () => void, ms: number) => { cancel(): void };
  /** Injected so tests can count enable/disable. */
  histogram?: Pick<IntervalHistogram, "enable" | "disable">;
}

const defaultEvery = (fn: () => void, ms: number): { cancel(): void } => {
  const t = setInterval(fn, ms);
  t.unref();
  return { cancel: () => clearInterval(t) };
};

/**
 * Event-loop delay, measured while there is work. Node's monitor is a timer that wakes the
 * process every 10 ms (about 100 wake-ups a second, most of an idle controller's CPU); an idle
 * loop has no delay to measure, so the monitor runs only from the first work (a key queued, a
 * reconcile) until `idleAfterMs` after the last. A stall is still caught: it is work, and the
 * monitor's own timer, due every 10 ms, fires before the pause check after it.
 */
export class LoopDelayMonitor {
  readonly histogram: IntervalHistogram;
  private readonly control: Pick<IntervalHistogram, "enable" | "disable">;
  private readonly idleAfterMs: number;
  private readonly now: () => number;
  private readonly every: NonNullable<LoopDelayOptions["every"]>;
  private lastWork = 0;
  private check: { cancel(): void } | undefined;

  constructor(o: LoopDelayOptions = {}) {
    this.histogram = monitorEventLoopDelay({ resolution: o.resolutionMs ?? 10 });
    this.control = o.histogram ?? this.histogram;
    this.idleAfterMs = o.idleAfterMs ?? 2_000;
    this.now = o.now ?? Date.now;
    this.every = o.every ?? defaultEvery;
  }

  /** Work is running or about to: (re)starts the monitor. Cheap enough to call for every key. */
  working(): void {
    this.lastWork = this.now();
    if (this.check) return;
    this.control.enable();
    this.check = this.every(() => {
      if (this.now() - this.lastWork < this.idleAfterMs) return;
      this.check?.cancel();
      this.check = undefined;
      this.control.disable();
    }, this.idleAfterMs);
  }

  get running(): boolean {
    return this.check !== undefined;
  }
}
