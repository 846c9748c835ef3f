import * as k8s from "@kubernetes/client-node";
import { testCluster } from "./cluster.js";

export interface Seen<T> {
  obj: T;
  /** metadata.resourceVersion: on this cluster etcd's revision, one order across every kind. */
  rv: number;
  /** When the watch delivered it (this machine's clock, which the controller shares). */
  at: number;
}

interface Listed<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/**
 * Every version of one kind's objects in a namespace, from a list and then a watch, so a change
 * between two polls is never missed. For short tests on the local cluster (no relist on 410).
 */
export function watchLog<T extends k8s.KubernetesObject>(
  path: string,
  list: () => Promise<Listed<T>>,
): { synced: Promise<void>; seen: Seen<T>[]; stop(): void } {
  const seen: Seen<T>[] = [];
  let request: AbortController | undefined;
  let stopped = false;
  const record = (obj: T): void => {
    seen.push({ obj, rv: Number(obj.metadata?.resourceVersion ?? 0), at: Date.now() });
  };
  const start = async (): Promise<void> => {
    const res = await list();
    res.items.forEach(record);
    request = await new k8s.Watch(testCluster().kc).watch(
      path,
      { resourceVersion: res.metadata?.resourceVersion },
      (type: string, obj: T) => {
        if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") record(obj);
      },
      () => undefined,
    );
    if (stopped) request.abort();
  };
  return {
    synced: start(),
    seen,
    stop() {
      stopped = true;
      request?.abort();
    },
  };
}

/** The namespace's Services, watched. */
export const watchServices = (namespace: string) =>
  watchLog<k8s.V1Service>(`/api/v1/namespaces/${namespace}/services`, () =>
    testCluster().kc.makeApiClient(k8s.CoreV1Api).listNamespacedService({ namespace }),
  );

/** The namespace's ReplicaSets, watched. */
export const watchReplicaSets = (namespace: string) =>
  watchLog<k8s.V1ReplicaSet>(`/apis/apps/v1/namespaces/${namespace}/replicasets`, () =>
    testCluster().kc.makeApiClient(k8s.AppsV1Api).listNamespacedReplicaSet({ namespace }),
  );
