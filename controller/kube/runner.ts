import * as k8s from "@kubernetes/client-node";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { describe } from "./informer.js";
import { WorkQueue } from "./workqueue.js";

export interface ReconcileResult {
  /** Look again after this long (pause timers, analysis intervals), even if nothing changes. */
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult>;

export interface RunnerOptions {
  kind: string;
  reconcile: Reconcile;
  workers: number;
  log: Logger;
  metrics: Metrics;
  /** Every key the primary cache holds; enqueued on each resync, so no edge is ever relied upon. */
  keys: () => Iterable<string>;
  resyncMs: number;
  /** A reconcile still running after this long is logged (default 30 s): its key waits meanwhile. */
  slowReconcileMs?: number;
}

/**
 * Runs reconciles for one kind: workers pull keys from the queue; a conflict (409) or an error
 * requeues with per-key backoff; a success clears the backoff and honours requeueAfterMs.
 */
export class Runner {
  readonly queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 60_000 });
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<void>[] = [];

  constructor(private readonly opts: RunnerOptions) {}

  enqueue(key: string, urgent = false): void {
    this.opts.metrics.loopDelay.working();
    if (urgent) this.queue.addUrgent(key);
    else this.queue.add(key);
    this.opts.metrics.queueDepth.set({ kind: this.opts.kind }, this.queue.length);
  }

  /** People's changes waiting for a worker (WorkQueue.addUrgent); see RolloutReconciler's yield. */
  urgentWaiting(): number {
    return this.queue.urgentWaiting;
  }

  start(): void {
    for (let i = 0; i < this.opts.workers; i++) this.running.push(this.work());
    this.resync();
    this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
    this.resyncTimer.unref();
  }

  /** Every key, behind whatever a change has queued: the resync is a safety net, never a delay. */
  resync(): void {
    this.opts.metrics.loopDelay.working();
    for (const key of this.opts.keys()) this.queue.addLowPriority(key);
    this.opts.metrics.queueDepth.set({ kind: this.opts.kind }, this.queue.length);
  }

  /** Stops taking keys and waits for the reconciles in progress to finish. */
  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.running);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.opts.metrics.loopDelay.working();
      this.opts.metrics.queueDepth.set({ kind: this.opts.kind }, this.queue.length);
      const end = this.opts.metrics.reconcileSeconds.startTimer({ kind: this.opts.kind });
      const slow = this.warnIfSlow(key);
      try {
        const result = await this.opts.reconcile(key);
        this.queue.forget(key);
        this.opts.metrics.reconciles.inc({ kind: this.opts.kind, result: "success" });
        if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        const conflict = err instanceof k8s.ApiException && err.code === 409;
        this.opts.metrics.reconciles.inc({ kind: this.opts.kind, result: conflict ? "conflict" : "error" });
        const [namespace, name] = key.split("/");
        const fields = { namespace, name, kind: this.opts.kind, error: describe(err) };
        // A conflict means our cache was behind: the watch will deliver the newer object shortly.
        if (conflict) this.opts.log.debug("conflict; requeued", fields);
        else
          this.opts.log.error("reconcile failed; requeued with backoff", {
            ...fields,
            retries: this.queue.numRequeues(key),
          });
        this.queue.addRateLimited(key);
      } finally {
        clearTimeout(slow);
        end();
        this.opts.metrics.loopDelay.working();
        this.queue.done(key);
      }
      // A reconcile that needs no API call (most of a resync) never leaves the microtask queue,
      // so without this a resync of thousands would hold off every timer and socket (watch
      // events, /healthz, the lease renewal) until the queue is empty.
      await nextTurn();
    }
  }

  /**
   * A key whose reconcile never ends is never reconciled again (its events only mark it dirty),
   * so one that takes unusually long is said out loud, with what it is.
   */
  private warnIfSlow(key: string): NodeJS.Timeout {
    const ms = this.opts.slowReconcileMs ?? 30_000;
    const timer = setTimeout(() => {
      const [namespace, name] = key.split("/");
      this.opts.log.warn("reconcile still running; its key waits until it ends", {
        namespace,
        name,
        kind: this.opts.kind,
        seconds: ms / 1000,
      });
    }, ms);
    timer.unref();
    return timer;
  }
}
