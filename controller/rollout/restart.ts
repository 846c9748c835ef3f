import type { StoredRollout } from "../api/rollout.js";
import { availableReplicas, specReplicas } from "./revisions.js";
import { event, requeueIn, type PlanState } from "./state.js";

/** spec.restartAt: replace pods created before it, a few at a time, only while all are available. */
export function restartPods(s: PlanState): void {
  const { spec, now } = s;
  const restartAt = spec.restartAt ? Date.parse(spec.restartAt) : undefined;
  if (restartAt === undefined || Number.isNaN(restartAt)) return;
  if (restartAt > now.getTime()) {
    requeueIn(s, restartAt - now.getTime());
    return;
  }
  if (s.prev.restartedAt === spec.restartAt || s.phase === "Degraded") return;
  const stale = s.pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp && new Date(p.metadata?.creationTimestamp ?? 0).getTime() < restartAt,
  );
  if (stale.length === 0) {
    s.restartedAt = spec.restartAt;
    event(s, "Normal", "RestartCompleted", `every pod created before ${spec.restartAt} has been replaced`);
    return;
  }
  const allAvailable =
    s.replicaSets.every((rs) => availableReplicas(rs) >= specReplicas(rs)) &&
    s.pods.every((p) => !p.metadata?.deletionTimestamp);
  if (!allAvailable) return;
  for (const p of stale.slice(0, Math.max(1, s.limits.maxUnavailable))) {
    s.actions.push({ kind: "deletePod", name: p.metadata?.name ?? "" });
    event(
      s,
      "Normal",
      "RestartingPod",
      `restarting pod ${p.metadata?.name} (spec.restartAt ${spec.restartAt})`,
    );
  }
}

/**
 * A spec.restartAt that has come and whose restart is not recorded as done. The shell lists the
 * Rollout's pods only then (they are not cached), with the same `now` it gives the planner.
 */
export function restartDue(ro: StoredRollout, now: Date): boolean {
  const at = ro.spec.restartAt;
  if (at === undefined) return false;
  const time = Date.parse(at);
  return !Number.isNaN(time) && time <= now.getTime() && ro.status?.restartedAt !== at;
}
