import type { V1Deployment } from "@kubernetes/client-node";
import type { Rollout, StoredRollout } from "../api/rollout.js";
import type { FieldError } from "../api/validate.js";
import type { Action } from "./actions.js";
import { availableReplicas, hashOf } from "./revisions.js";
import type { PlanState } from "./state.js";

/**
 * spec.workloadRef (Argo's form): a team keeps its Deployment, and the Rollout delivers that
 * Deployment's pod template. The Deployment stays the place people edit, so plain kubectl works on
 * it: `kubectl set image deployment/…` is a new revision here, `kubectl rollout undo deployment/…`
 * an undo (see isWorkloadUndo), and Kestrel's own undo writes the template back to it.
 */

/** The Rollout with spec.template and spec.selector taken from its Deployment, or why it cannot be. */
export function resolveWorkload(
  ro: StoredRollout,
  deployment: V1Deployment | undefined,
): { rollout: Rollout } | { error: FieldError } {
  const ref = ro.spec.workloadRef;
  if (!ref) {
    // The schema requires both without a workloadRef; a Rollout written before it existed has them.
    return { rollout: ro as Rollout };
  }
  const field = "spec.workloadRef.name";
  if (!deployment)
    return {
      error: {
        field,
        message: `Deployment "${ref.name}" not found in namespace ${ro.metadata.namespace ?? ""}: create it, or correct the name`,
      },
    };
  const template = deployment.spec?.template;
  const selector = deployment.spec?.selector;
  if (!template || !selector)
    return { error: { field, message: `Deployment "${ref.name}" has no spec.template or spec.selector` } };
  return { rollout: { ...ro, spec: { ...ro.spec, template, selector } } };
}

/**
 * With a workloadRef, a template that returns to a revision which once completed is an undo
 * (`kubectl rollout undo deployment/…` leaves no other mark): the emergency path takes it, as
 * Kestrel's own undo does, unless spec.undoReplaysSteps asks for the steps.
 */
export function isWorkloadUndo(s: PlanState): boolean {
  return s.spec.workloadRef !== undefined;
}

/**
 * The Deployment's own replicas, as spec.workloadRef.scaleDown says: never (default) leaves them;
 * onsuccess scales it to zero once the Rollout is Healthy; progressively takes one of its pods
 * away for each of the Rollout's pods that is available, never scaling it up again.
 */
export function workloadScale(s: PlanState, deployment: V1Deployment | undefined): Action[] {
  const ref = s.spec.workloadRef;
  const current = deployment?.spec?.replicas ?? 0;
  if (!ref || !deployment || current === 0) return [];
  const mode = ref.scaleDown ?? "never";
  let target = current;
  if (mode === "onsuccess" && s.phase === "Healthy") target = 0;
  if (mode === "progressively") {
    const ours = s.replicaSets.reduce((n, rs) => n + (hashOf(rs) ? availableReplicas(rs) : 0), 0);
    target = Math.min(current, Math.max(0, s.replicas - ours));
  }
  return target === current
    ? []
    : [{ kind: "scaleWorkload", name: ref.name, replicas: target, from: current }];
}
