import { changeCauseAnnotation, revisionAnnotation } from "./labels.js";
import { maxRevision, revisionOf } from "./revisions.js";
import type { PlanState } from "./state.js";

/**
 * The revision number of spec.template's ReplicaSet, as Deployments keep it: a new template gets
 * max+1, and going back to an older one moves it to max+1. kubernetes.io/change-cause is copied
 * onto the revision while it is the canary.
 */
export function revisionBookkeeping(s: PlanState): void {
  const maxRev = maxRevision(s.replicaSets);
  const changeCause = s.annotations[changeCauseAnnotation];
  if (!s.newRS) {
    s.newRevision = maxRev + 1;
    return;
  }
  s.newRevision = revisionOf(s.newRS);
  const patch: Record<string, string | null> = {};
  if (s.newRevision < maxRev) {
    s.newRevision = maxRev + 1;
    patch[revisionAnnotation] = String(s.newRevision);
  }
  const carried = s.newRS.metadata?.annotations?.[changeCauseAnnotation];
  if (changeCause !== undefined && carried !== changeCause && s.hash !== s.stableHash)
    patch[changeCauseAnnotation] = changeCause;
  if (Object.keys(patch).length > 0)
    s.actions.push({
      kind: "annotateReplicaSet",
      name: s.newRS.metadata?.name ?? s.newRSName,
      annotations: patch,
    });
}
