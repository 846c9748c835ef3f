import * as k8s from "@kubernetes/client-node";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";

/** One observed state of a member Rollout (or of one of its ReplicaSets), in the order reported. */
export interface Sample {
  name: string;
  phase: string | undefined;
  current: string | undefined;
  stable: string | undefined;
  weight: number;
  available: number;
  /** Set on samples of a ReplicaSet (name is its Rollout's, current its hash): its spec.replicas. */
  rsReplicas?: number;
}

const fromRollout = (ro: Rollout): Sample => ({
  name: ro.metadata.name ?? "",
  phase: ro.status?.phase,
  current: ro.status?.currentPodHash,
  stable: ro.status?.stableRS,
  weight: ro.status?.canary?.weights?.canary.weight ?? 0,
  available: ro.status?.availableReplicas ?? 0,
});

const fromReplicaSet = (rs: k8s.V1ReplicaSet): Sample => ({
  name: rs.metadata?.ownerReferences?.[0]?.name ?? "",
  phase: undefined,
  current: rs.metadata?.labels?.["rollouts-pod-template-hash"],
  stable: undefined,
  weight: 0,
  available: 0,
  rsReplicas: rs.spec?.replicas ?? 0,
});

/**
 * Every change to the Rollouts and ReplicaSets of a namespace, from two watches, appended as they
 * arrive: the index of a sample orders it against the others (a new revision's pods start when
 * its ReplicaSet first asks for replicas).
 */
export function watchRollouts(namespace: string): {
  samples: Sample[];
  stop(): void;
  started: Promise<void>;
} {
  const samples: Sample[] = [];
  const aborts: AbortController[] = [];
  const watch = <T>(path: string, sample: (obj: T) => Sample): Promise<void> =>
    new k8s.Watch(testCluster().kc)
      .watch(
        path,
        {},
        (_type: string, obj: T) => samples.push(sample(obj)),
        () => undefined,
      )
      .then((a) => {
        aborts.push(a);
      });
  const started = Promise.all([
    watch(`/apis/kestrel.dev/v1alpha1/namespaces/${namespace}/rollouts`, fromRollout),
    watch(`/apis/apps/v1/namespaces/${namespace}/replicasets`, fromReplicaSet),
  ]).then(() => undefined);
  return { samples, started, stop: () => aborts.forEach((a) => a.abort()) };
}

/** The index of the first sample after `from` that matches, or -1. */
export const firstIndex = (samples: readonly Sample[], match: (s: Sample) => boolean, from = 0): number => {
  const i = samples.slice(from).findIndex(match);
  return i < 0 ? -1 : i + from;
};
