import * as k8s from "@kubernetes/client-node";
import { testCluster } from "./cluster.js";

/**
 * Every spec.replicas each ReplicaSet of a namespace takes, from a watch: the API server reports
 * each change, so unlike polling nothing between two samples is missed.
 */
export async function watchReplicaHistory(
  namespace: string,
): Promise<{ peek(): Map<string, number[]>; stop(): Map<string, number[]> }> {
  const history = new Map<string, number[]>();
  const watch = new k8s.Watch(testCluster().kc);
  const req = await watch.watch(
    `/apis/apps/v1/namespaces/${namespace}/replicasets`,
    {},
    (_phase, rs: k8s.V1ReplicaSet) => {
      const name = rs.metadata?.name ?? "";
      const seq = history.get(name) ?? [];
      const n = rs.spec?.replicas ?? 0;
      if (seq.at(-1) !== n) seq.push(n);
      history.set(name, seq);
    },
    () => undefined,
  );
  return {
    peek: () => history,
    stop() {
      req.abort();
      return history;
    },
  };
}
