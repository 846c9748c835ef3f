import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import { describe } from "./informer.js";

export type EventType = "Normal" | "Warning";

export interface EventSpec {
  type: EventType;
  reason: string;
  message: string;
}

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

const component = "kestrel-controller";
/** Repeats of the same event within this window raise its count instead of creating another. */
const aggregateWindowMs = 10 * 60_000;
const maxRemembered = 4096;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)).unref());

/** Events waiting to be sent beyond which new ones are dropped (and counted in the log). */
const maxPending = 2000;
/**
 * Events in flight at once: enough to keep up, few enough to keep the connection pool small.
 * Two were tried (README, "The API server's floor"): a burst's reactions came a little sooner, but
 * under 500 objects at once Events fell seconds behind the decisions they announce.
 */
const maxInFlight = 8;

/**
 * Records core/v1 Events, the way `kubectl describe` shows them. Events are best effort and off
 * the reconcile's critical path: emit() returns at once and a background sender writes them, in
 * order for each object, so a reconcile's latency is its ReplicaSet and status writes only. A
 * failure to record one is logged, never fatal. A replica that may no longer act (lost lease)
 * sends nothing more.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number; lastAt: number }>();
  /** The tail of each object's send chain, so its Events are written in the order they were emitted. */
  private readonly chains = new Map<string, Promise<void>>();
  private pending = 0;
  private inFlight = 0;
  /** Senders waiting for one of the maxInFlight slots. */
  private readonly slots: (() => void)[] = [];
  private dropped = 0;

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly log: Logger,
    private readonly host = process.env.HOSTNAME ?? "local",
    private readonly canSend: () => boolean = () => true,
  ) {}

  emit(obj: InvolvedObject, event: EventSpec, now = new Date()): void {
    if (this.pending >= maxPending) {
      if (this.dropped++ % 100 === 0)
        this.log.warn("too many events waiting to be sent; dropping", {
          dropped: this.dropped,
          reason: event.reason,
        });
      return;
    }
    this.pending++;
    const key = `${obj.namespace}/${obj.name}`;
    const tail = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.send(obj, event, now))
      .finally(() => {
        this.pending--;
        if (this.chains.get(key) === tail) this.chains.delete(key);
      });
    this.chains.set(key, tail);
  }

  private async send(obj: InvolvedObject, event: EventSpec, now: Date): Promise<void> {
    while (this.inFlight >= maxInFlight) await new Promise<void>((r) => this.slots.push(r));
    this.inFlight++;
    try {
      if (this.canSend()) await this.record(obj, event, now);
    } finally {
      this.inFlight--;
      this.slots.shift()?.();
    }
  }

  /** Waits until every emitted Event has been sent (or failed), at most `timeoutMs`; for shutdown. */
  async flush(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.chains.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.chains.values()]), sleep(deadline - Date.now())]);
    }
  }

  private async record(obj: InvolvedObject, event: EventSpec, now: Date): Promise<void> {
    const key = `${obj.namespace}/${obj.name}/${obj.uid ?? ""}/${event.type}/${event.reason}/${event.message}`;
    const seen = this.recent.get(key);
    try {
      if (seen && now.getTime() - seen.lastAt < aggregateWindowMs) {
        seen.count++;
        seen.lastAt = now.getTime();
        await this.core.patchNamespacedEvent(
          {
            name: seen.name,
            namespace: obj.namespace,
            body: { count: seen.count, lastTimestamp: now },
          },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        return;
      }
      const name = `${obj.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.core.createNamespacedEvent({
        namespace: obj.namespace,
        body: {
          metadata: { name, namespace: obj.namespace },
          involvedObject: { ...obj },
          type: event.type,
          reason: event.reason,
          message: event.message,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component, host: this.host },
          reportingComponent: component,
          reportingInstance: this.host,
        },
      });
      this.remember(key, { name, count: 1, lastAt: now.getTime() });
    } catch (err) {
      this.recent.delete(key);
      this.log.warn("could not record event", {
        namespace: obj.namespace,
        name: obj.name,
        reason: event.reason,
        error: describe(err),
      });
    }
  }

  private remember(key: string, value: { name: string; count: number; lastAt: number }): void {
    if (this.recent.size >= maxRemembered) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.set(key, value);
  }
}
