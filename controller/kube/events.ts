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

/**
 * Records core/v1 Events, the way `kubectl describe` shows them. Events are best effort: a failure
 * to record one is logged, never fatal to the reconcile that caused it.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number; firstAt: Date; lastAt: number }>();

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly log: Logger,
    private readonly host = process.env.HOSTNAME ?? "local",
  ) {}

  async record(obj: InvolvedObject, event: EventSpec, now = new Date()): Promise<void> {
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
      this.remember(key, { name, count: 1, firstAt: now, lastAt: now.getTime() });
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

  private remember(key: string, value: { name: string; count: number; firstAt: Date; lastAt: number }): void {
    if (this.recent.size >= maxRemembered) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.set(key, value);
  }
}
