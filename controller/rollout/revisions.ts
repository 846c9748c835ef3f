import type { V1ReplicaSet } from "@kubernetes/client-node";
import { completedAnnotation, podTemplateHashLabel, revisionAnnotation } from "./labels.js";

export const revisionOf = (rs: V1ReplicaSet): number =>
  Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0) || 0;
export const hashOf = (rs: V1ReplicaSet): string | undefined => rs.metadata?.labels?.[podTemplateHashLabel];
export const isCompleted = (rs: V1ReplicaSet): boolean =>
  rs.metadata?.annotations?.[completedAnnotation] === "true";
export const specReplicas = (rs: V1ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
export const availableReplicas = (rs: V1ReplicaSet | undefined): number =>
  rs && observedCurrent(rs) ? (rs.status?.availableReplicas ?? 0) : 0;

/** The ReplicaSet controller has seen the latest spec, so its status counts can be trusted. */
export function observedCurrent(rs: V1ReplicaSet): boolean {
  return (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0);
}

export function maxRevision(replicaSets: readonly V1ReplicaSet[]): number {
  return replicaSets.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * The ReplicaSet `kubectl rollout undo --to-revision=N` would return to: revision N, or for 0 the
 * newest revision other than the current template's.
 */
export function undoTarget(
  replicaSets: readonly V1ReplicaSet[],
  revision: number,
  currentHash: string,
): { rs: V1ReplicaSet } | { error: string } {
  if (revision > 0) {
    const rs = replicaSets.find((r) => revisionOf(r) === revision);
    if (!rs) {
      const known = replicaSets
        .map(revisionOf)
        .filter((n) => n > 0)
        .sort((a, b) => a - b);
      return { error: `revision ${revision} not found; known revisions: ${known.join(", ") || "none"}` };
    }
    return { rs };
  }
  const previous = [...replicaSets]
    .filter((r) => hashOf(r) !== currentHash && revisionOf(r) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  return previous ? { rs: previous } : { error: "no earlier revision to undo to" };
}

/**
 * ReplicaSets to delete for revisionHistoryLimit: scaled-down old revisions beyond the limit,
 * oldest first; never the stable or the current one, never one that still has pods.
 */
export function historyToDelete(
  replicaSets: readonly V1ReplicaSet[],
  keep: ReadonlySet<string>,
  limit: number,
): V1ReplicaSet[] {
  const old = replicaSets
    .filter((rs) => !keep.has(hashOf(rs) ?? "") && specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  return old.slice(limit);
}
