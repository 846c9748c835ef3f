/**
 * A de-duplicating, rate-limited work queue with client-go's semantics:
 * - a key is queued at most once; adding a queued key is a no-op;
 * - a key being processed is never handed to a second worker; if it is added meanwhile it is
 *   queued again when the first worker calls done(), so no change is lost;
 * - addAfter() schedules a key (pause timers, analysis intervals), keeping the earliest time;
 * - addRateLimited() backs off exponentially per key until forget();
 * - addLowPriority() (the periodic resync) queues a key behind every other key, so a resync of
 *   thousands never delays the reaction to a change; adding such a key normally moves it ahead;
 * - addUrgent() (a person's change not yet acted on) queues a key ahead of the normal keys, in
 *   arrival order among urgent ones; a key already queued moves up.
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected so tests can drive time. */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

const defaultTimer = (fn: () => void, ms: number): { cancel(): void } => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys served before `queue`; a key is in at most one of the two. */
  private readonly urgent: string[] = [];
  private readonly inUrgent = new Set<string>();
  private readonly urgentWhileProcessing = new Set<string>();
  /**
   * Low-priority keys in order, each with the number it was queued under; an entry whose number
   * is no longer the key's in `lowQueued` (the key was moved ahead since) is stale and skipped.
   */
  private readonly low: { key: string; seq: number }[] = [];
  private readonly lowQueued = new Map<string, number>();
  private lowSeq = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: { cancel(): void } }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly setTimer: NonNullable<WorkQueueOptions["setTimer"]>;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.setTimer = opts.setTimer ?? defaultTimer;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.lowQueued.delete(key)) {
      this.queue.push(key);
      return;
    }
    if (this.queued.has(key)) return;
    if (this.handToWaiter(key)) return;
    this.queued.add(key);
    this.queue.push(key);
  }

  /** Queues the key ahead of every normally added key (behind earlier urgent ones). */
  addUrgent(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      this.urgentWhileProcessing.add(key);
      return;
    }
    if (this.inUrgent.has(key)) return;
    if (this.lowQueued.delete(key)) return this.pushUrgent(key);
    if (this.queued.has(key)) {
      this.queue.splice(this.queue.indexOf(key), 1);
      return this.pushUrgent(key);
    }
    if (this.handToWaiter(key)) return;
    this.queued.add(key);
    this.pushUrgent(key);
  }

  private pushUrgent(key: string): void {
    this.inUrgent.add(key);
    this.urgent.push(key);
  }

  /** Queues the key behind every normally added key; a no-op if it is queued or in progress. */
  addLowPriority(key: string): void {
    if (this.shuttingDown || this.processing.has(key) || this.queued.has(key)) return;
    if (this.handToWaiter(key)) return;
    this.queued.add(key);
    this.lowQueued.set(key, ++this.lowSeq);
    this.low.push({ key, seq: this.lowSeq });
  }

  private handToWaiter(key: string): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    this.processing.add(key);
    waiter(key);
    return true;
  }

  /** Queues the key after `ms`; an earlier pending schedule wins, a later one is dropped. */
  addAfter(key: string, ms: number, now = Date.now()): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = now + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Requeues after an error with per-key exponential backoff. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, this.backoffMs(n));
  }

  backoffMs(failures: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures, 30));
  }

  /** Clears the key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key, or undefined once shut down. The caller must call done(key). */
  get(): Promise<string | undefined> {
    const key = this.nextUrgent() ?? this.queue.shift() ?? this.nextLow();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private nextUrgent(): string | undefined {
    const key = this.urgent.shift();
    if (key !== undefined) this.inUrgent.delete(key);
    return key;
  }

  private nextLow(): string | undefined {
    for (let entry = this.low.shift(); entry !== undefined; entry = this.low.shift()) {
      if (this.lowQueued.get(entry.key) !== entry.seq) continue;
      this.lowQueued.delete(entry.key);
      return entry.key;
    }
    return undefined;
  }

  done(key: string): void {
    this.processing.delete(key);
    const urgent = this.urgentWhileProcessing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) {
      if (urgent) this.addUrgent(key);
      else this.add(key);
    }
  }

  /** Urgent keys waiting for a worker (not those being processed): a person's change not yet acted on. */
  get urgentWaiting(): number {
    return this.urgent.length;
  }

  get length(): number {
    return this.urgent.length + this.queue.length + this.lowQueued.size;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
