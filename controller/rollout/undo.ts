import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import type { Rollout } from "../api/rollout.js";
import { undoTemplate, type ConfigSources } from "../config/hook.js";
import { pinAnnotation } from "../config/snapshot.js";
import type { Action, Plan } from "./actions.js";
import { canonicalJson, podTemplateHash } from "./hash.js";
import { podTemplateHashLabel, undoToAnnotation } from "./labels.js";
import { withoutMetadata } from "./metadata.js";
import { hashOf, revisionOf, undoTarget } from "./revisions.js";

const eventAction = (type: "Normal" | "Warning", reason: string, message: string): Action => ({
  kind: "event",
  type,
  reason,
  message,
});

/**
 * An undo to `revision` (0: the previous one), as `kubectl rollout undo` does it: spec.template
 * becomes that revision's, marked so the next pass takes the emergency path when it once
 * completed. `requested` is a user's spec.rollbackTo, which is cleared; an automatic undo (the
 * analysis failed with onFailure undo) has none to clear.
 */
export function planUndo(
  ro: Rollout,
  replicaSets: readonly V1ReplicaSet[],
  currentHash: string,
  actions: Action[],
  revision: number,
  requested: boolean,
  sources: ConfigSources = new Map(),
): Plan {
  const found = undoTarget(replicaSets, revision, currentHash);
  if ("error" in found) {
    const what = revision === 0 ? "the previous revision" : `revision ${revision}`;
    actions.push(eventAction("Warning", "UndoFailed", `undo to ${what}: ${found.error}`));
    if (requested) actions.push({ kind: "updateRollout", clearRollbackTo: true });
    return { actions };
  }
  const targetHash = hashOf(found.rs) ?? "";
  if (targetHash === currentHash) {
    const message = `revision ${revisionOf(found.rs)} is already the current template`;
    actions.push(eventAction("Normal", "UndoSkipped", message));
    if (requested) actions.push({ kind: "updateRollout", clearRollbackTo: true });
    return { actions };
  }
  const message = `undoing to revision ${revisionOf(found.rs)} (ReplicaSet ${found.rs.metadata?.name})`;
  actions.push(eventAction("Normal", "Undo", message));
  // Config snapshots: the user's form of the template, and a pin that keeps the revision's copies.
  const { template, pin } = undoTemplate(templateOf(found.rs), found.rs, sources);
  const pinChange: Record<string, string | null> = {};
  if (pin !== null || ro.metadata.annotations?.[pinAnnotation] !== undefined) pinChange[pinAnnotation] = pin;
  const workload = ro.spec.workloadRef?.name;
  if (workload) {
    // The Deployment holds the template; its return to a completed revision is itself the mark.
    actions.push({ kind: "updateWorkloadTemplate", name: workload, template });
    if (requested || Object.keys(pinChange).length > 0)
      actions.push({ kind: "updateRollout", clearRollbackTo: requested, annotations: pinChange });
    return { actions };
  }
  const annotations = { [undoToAnnotation]: targetHash, ...pinChange };
  actions.push({ kind: "updateRollout", template, clearRollbackTo: requested, annotations });
  return { actions };
}

/**
 * The hash of the revision spec.template is. The API server fills in pod defaults on ReplicaSets
 * (not on our CRD's template), so an undo, which copies a ReplicaSet's template back, would hash
 * differently: a ReplicaSet whose template equals spec.template exactly is that revision.
 */
export function templateHash(template: V1PodTemplateSpec, replicaSets: readonly V1ReplicaSet[]): string {
  const hash = podTemplateHash(template);
  if (replicaSets.some((rs) => hashOf(rs) === hash)) return hash;
  const wanted = canonicalJson(template);
  const same = replicaSets.find((rs) => canonicalJson(templateOf(rs)) === wanted);
  return (same && hashOf(same)) ?? hash;
}

/**
 * A ReplicaSet's pod template as the Rollout would carry it: without the hash label and the
 * ephemeral metadata (canaryMetadata, stableMetadata) Kestrel added.
 */
export function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels[podTemplateHashLabel];
  return withoutMetadata(rs, template);
}
