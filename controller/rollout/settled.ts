import { availableReplicas, hashOf, isCompleted, specReplicas } from "./revisions.js";
import { completedAnnotation, scaleDownDeadlineAnnotation, undoToAnnotation } from "./labels.js";
import { event, type PlanState } from "./state.js";
import { isWorkloadUndo } from "./workload.js";

/** Every strategy's cases with no comparison to make: first version, at stable, emergency undo. */

/** Marks spec.template's ReplicaSet as a revision that once completed (an undo to it skips steps). */
export function markCompleted(s: PlanState): void {
  s.actions.push({
    kind: "annotateReplicaSet",
    name: s.newRS?.metadata?.name ?? s.newRSName,
    annotations: { [completedAnnotation]: "true" },
  });
}

/** The first version has nothing to compare against: straight to full scale. */
export function firstVersion(s: PlanState): void {
  const { replicas, newRS } = s;
  s.desired.set(s.hash, replicas);
  s.weight = 100;
  if (newRS && specReplicas(newRS) === replicas && availableReplicas(newRS) >= replicas) {
    s.stableHash = s.hash;
    markCompleted(s);
    event(s, "Normal", "RolloutCompleted", `revision ${s.newRevision} is stable at ${replicas} replicas`);
  }
  s.phase = s.stableHash ? "Healthy" : "Progressing";
  s.message = s.stableHash
    ? `healthy: revision ${s.newRevision} at full scale (${replicas}/${replicas} available)`
    : `first revision: scaling to ${replicas} (${availableReplicas(newRS)}/${replicas} available)`;
  s.stepIndex = s.steps.length;
}

/** spec.template is the stable revision: full scale, older revisions down. */
export function atStable(s: PlanState): void {
  const { replicas } = s;
  s.desired.set(s.hash, replicas);
  s.stepIndex = s.steps.length;
  const avail = availableReplicas(s.newRS);
  // A previous revision waiting out scaleDownDelaySeconds no longer serves: it does not hold Healthy back.
  const othersDown = s.replicaSets.every(
    (rs) =>
      hashOf(rs) === s.hash ||
      specReplicas(rs) === 0 ||
      rs.metadata?.annotations?.[scaleDownDeadlineAnnotation] !== undefined,
  );
  s.phase = avail >= replicas && othersDown ? "Healthy" : "Progressing";
  s.message =
    s.phase === "Healthy"
      ? `healthy: revision ${s.newRevision} at full scale (${avail}/${replicas} available)`
      : `stable revision ${s.newRevision}: ${avail}/${replicas} available, scaling down older revisions`;
  if (s.annotations[undoToAnnotation] !== undefined) s.clearAnnotations[undoToAnnotation] = null;
  s.pauseConditions = [];
}

/** Undo to a revision that once completed is the emergency path: no steps, no analysis. */
export function isFastUndo(s: PlanState): boolean {
  return (
    (s.annotations[undoToAnnotation] === s.hash || isWorkloadUndo(s)) &&
    s.newRS !== undefined &&
    isCompleted(s.newRS) &&
    !s.spec.undoReplaysSteps
  );
}

/** The emergency path: the target to full at once (no surge limit), the old stable down once it is. */
export function fastUndo(s: PlanState): void {
  const { replicas } = s;
  const canaryAvailable = availableReplicas(s.newRS);
  s.desired.set(s.hash, replicas);
  s.desired.set(
    s.stableHash ?? "",
    canaryAvailable >= replicas ? 0 : specReplicas(s.byHash.get(s.stableHash ?? "")),
  );
  s.weight = 100;
  s.stepIndex = s.steps.length;
  s.phase = "Progressing";
  s.message = `undo to revision ${s.newRevision}: scaling it to full (${canaryAvailable}/${replicas} available), skipping canary steps`;
  if (specReplicas(s.newRS) === replicas && canaryAvailable >= replicas) {
    s.stableHash = s.hash;
    event(s, "Normal", "UndoCompleted", `revision ${s.newRevision} is stable again at ${replicas} replicas`);
    s.phase = "Healthy";
    s.message = `healthy: revision ${s.newRevision} at full scale after undo (${canaryAvailable}/${replicas} available)`;
  }
  s.pauseConditions = [];
}
