import { groupHold } from "./group-hold.js";
import { getCondition } from "./conditions.js";
import { availableReplicas } from "./revisions.js";
import { event, isCanary, requeueIn, type PlanState } from "./state.js";

/**
 * spec.progressDeadlineSeconds, judged against the last observed progress (a new revision or
 * step, a change in available or updated replicas). Time spent waiting for a person does not
 * count. With progressDeadlineAbort an exceeded deadline aborts the canary.
 */
export function progressDeadline(s: PlanState): void {
  const { spec, prev } = s;
  const observedAvailable = s.replicaSets.reduce((n, rs) => n + availableReplicas(rs), 0);
  const progressed =
    !s.sameRevision ||
    prev.currentStepIndex !== s.stepIndex ||
    prev.availableReplicas !== observedAvailable ||
    prev.updatedReplicas !== (s.newRS?.status?.replicas ?? 0);
  s.lastProgressAt = progressed || !prev.lastProgressAt ? s.now.toISOString() : prev.lastProgressAt;
  const seconds = spec.progressDeadlineSeconds ?? 600;
  // A RolloutGroup member held for its dependencies waits for them, not for progress of its own.
  const waitingForUser = spec.paused || s.pauseConditions.length > 0 || groupHold(s) !== undefined;
  const rollingOut = s.hash !== s.stableHash || observedAvailable < s.replicas;
  if (!rollingOut || s.abort || waitingForUser) return;
  const since = s.now.getTime() - Date.parse(s.lastProgressAt);
  if (since < seconds * 1000) {
    requeueIn(s, seconds * 1000 - since);
    return;
  }
  s.deadlineExceeded = true;
  if (getCondition(prev.conditions, "Progressing")?.reason !== "ProgressDeadlineExceeded")
    event(s, "Warning", "ProgressDeadlineExceeded", `no progress for ${seconds}s`);
  if (spec.progressDeadlineAbort && isCanary(s)) {
    s.abort = true;
    s.abortedAt = s.now.toISOString();
    s.abortReason = `progress deadline of ${seconds}s exceeded`;
    event(s, "Warning", "RolloutAborted", `${s.abortReason}: scaling back to the stable ReplicaSet`);
  }
}
