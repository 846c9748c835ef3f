import type { StoredRollout } from "../api/rollout.js";
import { abortAnnotation, promoteAnnotation, retryAnnotation, undoToAnnotation } from "../rollout/labels.js";

/** Annotations a user (or the plugin) writes to ask for an action; their presence is work to do. */
const triggers = [promoteAnnotation, abortAnnotation, retryAnnotation, undoToAnnotation];

/**
 * Whether a Rollout found by the first list after a start can wait behind the others. After a
 * restart every cached Rollout is reconciled (level-based: a change made while the controller was
 * down has no edge left to bring it), and with thousands of Rollouts the one a user just changed
 * would otherwise wait its turn in list order, seconds behind Rollouts with nothing to do. At rest
 * means: the status has seen this spec (observedGeneration), the last reconcile left it Healthy,
 * and no trigger annotation waits. The others still run in the same start, only later: anything a
 * spec and phase don't show (a pause that ended meanwhile, a changed ConfigMap) is still seen.
 */
export function atRest(r: StoredRollout): boolean {
  return r.status?.phase === "Healthy" && !awaitsReaction(r);
}

/**
 * Whether a person's request waits on this Rollout: a spec the status has not yet seen (a new
 * image, a scale, an undo) or a trigger annotation. Such a change is queued ahead of the
 * controller's own follow-up passes (the echoes of its ReplicaSet and status writes), so under a
 * burst of changes each one's first reaction comes before anyone's second.
 */
export function awaitsReaction(r: StoredRollout): boolean {
  const generation = r.metadata.generation;
  if (generation === undefined || r.status?.observedGeneration !== generation) return true;
  const annotations = r.metadata.annotations ?? {};
  return triggers.some((a) => a in annotations);
}
