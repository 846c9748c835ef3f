/** Labels and annotations Kestrel reads and writes; also the documented triggers a plain `kubectl annotate` can set. */

/** On ReplicaSets and their pods: the stable hash of the pod template (Argo's label name). */
export const podTemplateHashLabel = "rollouts-pod-template-hash";
/** On ReplicaSets: the revision number, Deployment-style (max+1 for a new or undone-to template). */
export const revisionAnnotation = "kestrel.dev/revision";
/** On ReplicaSets: "true" once this revision has run at full scale as the stable version. */
export const completedAnnotation = "kestrel.dev/completed";
/** Carried from the Rollout to the revision it created, as Deployments do. */
export const changeCauseAnnotation = "kubernetes.io/change-cause";

/** Triggers on the Rollout, removed by the controller once acted upon. */
export const promoteAnnotation = "kestrel.dev/promote"; // "step" (default) or "full"
export const abortAnnotation = "kestrel.dev/abort"; // any value
export const retryAnnotation = "kestrel.dev/retry"; // any value

/**
 * Written by the controller in the same update that rewrites spec.template for an undo, so the
 * emergency path survives a crash: "<pod-template-hash>".
 */
export const undoToAnnotation = "kestrel.dev/undo-to";

/**
 * On ReplicaSets: the ephemeral metadata (canaryMetadata or stableMetadata) last written to its
 * pod template and pods, as JSON {labels, annotations}: what to remove when the role changes, and
 * what to strip from the template when an undo copies it back into the Rollout.
 */
export const ephemeralMetadataAnnotation = "kestrel.dev/ephemeral-metadata";

/**
 * On Rollouts (and the AnalysisRuns made for them): which controller instance handles them, as
 * Argo's argo-rollouts.argoproj.io/controller-instance-id. A controller started with
 * --instance-id=X handles only objects carrying X; one started without handles only objects
 * without the label, so a second controller (a new version under trial, a benchmark) can run
 * beside the first without either touching the other's Rollouts.
 */
export const instanceIdLabel = "kestrel.dev/controller-instance-id";

/** The label selector a controller's Rollout and AnalysisRun informers list and watch with. */
export function instanceSelector(instanceId: string | undefined): string {
  return instanceId ? `${instanceIdLabel}=${instanceId}` : `!${instanceIdLabel}`;
}

/**
 * On a previous stable ReplicaSet after a routed promotion (canary.scaleDownDelaySeconds): when
 * its pods may go, RFC 3339, as Argo's argo-rollouts.argoproj.io/scale-down-deadline. Removed
 * once it is scaled down, or when the ReplicaSet serves again.
 */
export const scaleDownDeadlineAnnotation = "kestrel.dev/scale-down-deadline";

/**
 * On Rollouts that belong to a RolloutGroup, written by the group controller: the group's name,
 * and the pod template hash the group has released this member to move to. A member whose new
 * template is not the released one is held (as spec.paused holds it) until its group releases
 * it, so no member moves before the members it depends on, whatever order the edits arrive in.
 */
export const groupAnnotation = "kestrel.dev/group";
export const groupReleasedAnnotation = "kestrel.dev/group-released";

/**
 * Requests to a RolloutGroup, written by `kubectl kestrel` on the group: start the release now
 * (skip the wait for the rest of a change's edits), and undo every member to release N. The
 * value is `N@<time>` for an undo and `<time>` for a start: a request is acted on once, the
 * group's status recording the last value it handled, so a repeated command is a new request.
 */
export const groupReleaseStartAnnotation = "kestrel.dev/release-start";
export const groupUndoToReleaseAnnotation = "kestrel.dev/undo-to-release";
