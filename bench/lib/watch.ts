import * as k8s from "@kubernetes/client-node";
import { log } from "./log.js";

export type WatchEvent = "add" | "update" | "delete";

/** A kind in one namespace, listed then watched by the benchmark (as the admin, never the audited user). */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
  /** URL plural, for the watch path. */
  plural: string;
}

export const kinds = {
  rollouts: { apiVersion: "kestrel.dev/v1alpha1", kind: "Rollout", plural: "rollouts" },
  replicaSets: { apiVersion: "apps/v1", kind: "ReplicaSet", plural: "replicasets" },
  analysisRuns: { apiVersion: "kestrel.dev/v1alpha1", kind: "AnalysisRun", plural: "analysisruns" },
  rolloutGroups: { apiVersion: "kestrel.dev/v1alpha1", kind: "RolloutGroup", plural: "rolloutgroups" },
} satisfies Record<string, WatchedKind>;

/**
 * A cache of one kind in one namespace fed by a watch, calling `onEvent` with the time each event
 * was received: the benchmarks' clock is the moment the API server told us, not a poll's. A watch
 * the API server closes (it does every 30-60 minutes) resumes from the last resourceVersion.
 */
export class Watched<T extends k8s.KubernetesObject> {
  private readonly informer: k8s.ListWatch<T>;
  private stopped = false;

  constructor(
    kc: k8s.KubeConfig,
    readonly kind: WatchedKind,
    namespace: string,
    onEvent: (event: WatchEvent, obj: T, at: number) => void = () => undefined,
  ) {
    const objects = kc.makeApiClient(k8s.KubernetesObjectApi);
    const prefix = kind.apiVersion.includes("/") ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
    const list = async (): Promise<k8s.KubernetesListObject<T>> => {
      const res = await objects.list<T>(kind.apiVersion, kind.kind, namespace);
      return res;
    };
    this.informer = new k8s.ListWatch<T>(
      `${prefix}/namespaces/${namespace}/${kind.plural}`,
      new k8s.Watch(kc),
      list,
      false,
    );
    for (const e of ["add", "update", "delete"] as const)
      this.informer.on(e, (obj: T) => onEvent(e, obj, Date.now()));
    this.informer.on("error", (err?: unknown) => {
      if (this.stopped) return;
      log(
        `watch of ${kind.plural} in ${namespace} failed (${err instanceof Error ? err.message : String(err)}); restarting`,
      );
      setTimeout(() => void this.informer.start().catch(() => undefined), 1_000);
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }
}
