import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { testCluster } from "./cluster.js";

export interface ReplicaHistory {
  /** ReplicaSet name -> every distinct spec.replicas seen, in order. */
  replicas: Map<string, number[]>;
  /** ReplicaSet name -> the last metadata.generation seen. */
  generations: Map<string, number>;
  /** How many times the watch had to be established again (after the API server went away). */
  reconnects: number;
}

/**
 * Every spec.replicas each ReplicaSet of a namespace takes, from a list and then a watch: the API
 * server reports each change, so unlike polling nothing between two samples is missed. It
 * survives an API server restart: when the watch ends it resumes from the last resourceVersion
 * seen, or lists again if that is too old (410 Gone). Across a relist what it records is a
 * subsequence of the true history (a relist shows only the current value), so "moved one way
 * only" judged on it could miss a change then; pair it with the ReplicaSets' metadata.generation,
 * which counts every write of the spec.
 */
export function watchReplicaHistory(namespace: string): {
  /** Resolves once the first list is recorded: changes after it are all seen. */
  synced: Promise<void>;
  peek(): ReplicaHistory;
  stop(): ReplicaHistory;
} {
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((r) => (markSynced = r));
  const kc = testCluster().kc;
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const watch = new k8s.Watch(kc);
  const state: ReplicaHistory = { replicas: new Map(), generations: new Map(), reconnects: -1 };
  let stopped = false;
  let request: AbortController | undefined;
  let resourceVersion = "";

  const record = (rs: k8s.V1ReplicaSet): void => {
    const name = rs.metadata?.name ?? "";
    const seq = state.replicas.get(name) ?? [];
    const n = rs.spec?.replicas ?? 0;
    if (seq.at(-1) !== n) seq.push(n);
    state.replicas.set(name, seq);
    state.generations.set(name, rs.metadata?.generation ?? 0);
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      state.reconnects++;
      try {
        if (!resourceVersion) {
          const list = await apps.listNamespacedReplicaSet({ namespace });
          list.items.forEach(record);
          resourceVersion = list.metadata?.resourceVersion ?? "";
          markSynced();
        }
        await new Promise<void>((resolve) => {
          watch
            .watch(
              `/apis/apps/v1/namespaces/${namespace}/replicasets`,
              { resourceVersion, allowWatchBookmarks: true },
              (type: string, obj: k8s.V1ReplicaSet & { code?: number }) => {
                if (type === "ERROR") {
                  if (obj.code === 410) resourceVersion = "";
                  return;
                }
                if (type !== "BOOKMARK") record(obj);
                resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
              },
              (err: unknown) => {
                if ((err as { statusCode?: number } | null)?.statusCode === 410) resourceVersion = "";
                resolve();
              },
            )
            .then(
              (c) => {
                request = c;
                if (stopped) c.abort();
              },
              () => resolve(),
            );
        });
      } catch {
        // The API server is away: try again shortly.
      }
      if (!stopped) await sleep(200);
    }
  };
  void loop();
  const snapshot = (): ReplicaHistory => ({
    replicas: new Map([...state.replicas].map(([k, v]) => [k, [...v]])),
    generations: new Map(state.generations),
    reconnects: Math.max(0, state.reconnects),
  });
  return {
    synced,
    peek: snapshot,
    stop() {
      stopped = true;
      request?.abort();
      return snapshot();
    },
  };
}
