import type { V1ReplicaSet } from "@kubernetes/client-node";
import { revisionOf } from "./revisions.js";

/**
 * blueGreen.scaleDownDelayRevisionLimit (Argo's field): of the previous ReplicaSets still up while
 * their scale-down delay runs, how many may keep their pods. The newest revisions keep them (they
 * are the likeliest way back); the older ones go to zero at once. Unset: no limit; 0: no
 * previous ReplicaSet waits, each goes to zero as soon as activeService has left it for good.
 */
export function splitByDelayLimit(
  previous: readonly V1ReplicaSet[],
  limit: number | undefined,
): { kept: V1ReplicaSet[]; cut: V1ReplicaSet[] } {
  const newestFirst = [...previous].sort((a, b) => revisionOf(b) - revisionOf(a));
  if (limit === undefined) return { kept: newestFirst, cut: [] };
  return { kept: newestFirst.slice(0, limit), cut: newestFirst.slice(limit) };
}
