import type { FieldError } from "../api/validate.js";
import { configTemplate, snapshotCondition } from "../config/hook.js";
import { validateRollout } from "../api/validate.js";
import type { RolloutStatus, StoredRollout } from "../api/rollout.js";
import type { Action, Plan } from "./actions.js";
import { checkAnalysis, type TemplateLookup } from "./analysis.js";
import { revisionBookkeeping } from "./bookkeeping.js";
import { blueGreenStrategy } from "./bluegreen.js";
import { canaryStrategy } from "./canary.js";
import { getCondition, setCondition } from "./conditions.js";
import { progressDeadline } from "./deadline.js";
import { ephemeralMetadata } from "./metadata.js";
import { replicaSetActions } from "./replicasets.js";
import { restartPods } from "./restart.js";
import { routeStage } from "./route-stage.js";
import { retireRuns } from "./runs.js";
import { missingServices, serviceActions } from "./services.js";
import { observe, type PlanInput } from "./state.js";
import { buildStatus } from "./status.js";
import { dropIdlePromote, userTriggers } from "./triggers.js";
import { planUndo, templateHash } from "./undo.js";
import { analysisVerdict } from "./verdict.js";
import { resolveWorkload, workloadScale } from "./workload.js";

export type { PlanInput } from "./state.js";
export { templateHash, templateOf } from "./undo.js";
export { selectorString } from "./status.js";
export { restartDue } from "./restart.js";
export { namedServices } from "./services.js";

const noTemplates: TemplateLookup = { namespaced: new Map(), cluster: new Map() };

/**
 * The whole engine as one pure function: what is observed and the time in; actions (in the order
 * the shell applies them), the new status and when to look again out. Level-based: it derives
 * everything from the ReplicaSets and the last status, so a restarted controller plans exactly
 * what the crashed one would have. Each stage below is a file of its own.
 */
export function planRollout(input: PlanInput): Plan {
  const resolved = resolveWorkload(input.rollout, input.workload);
  if ("error" in resolved) return planInvalidSpec(input.rollout, [resolved.error], input.now);
  const ro = resolved.rollout;
  const templates = input.templates ?? noTemplates;
  const errors = [
    ...validateRollout(ro),
    ...checkAnalysis(ro, templates),
    ...missingServices(ro, input.services ?? new Map()),
  ];
  if (errors.length > 0) return planInvalidSpec(ro, errors, input.now);

  // Config snapshots: the hash is the rewritten template's, so config content is part of a revision.
  const sources = input.configSources ?? new Map();
  const config = configTemplate(ro, sources, input.configPinnedGone);
  const hash = templateHash(config.template, input.replicaSets);
  if (ro.spec.rollbackTo)
    return planUndo(ro, input.replicaSets, hash, [], ro.spec.rollbackTo.revision ?? 0, true, sources);

  const s = observe(input, ro, hash, templates, config);
  userTriggers(s);
  const undo = analysisVerdict(s);
  if (undo) return undo;
  progressDeadline(s);
  revisionBookkeeping(s);
  (ro.spec.strategy.blueGreen ? blueGreenStrategy : canaryStrategy).decide(s);
  dropIdlePromote(s);
  retireRuns(s);
  restartPods(s);
  serviceActions(s);
  routeStage(s);
  replicaSetActions(s);
  ephemeralMetadata(s);
  s.actions.push(...workloadScale(s, input.workload));
  if (Object.keys(s.clearAnnotations).length > 0)
    s.actions.push({ kind: "updateRollout", annotations: s.clearAnnotations });
  const status = buildStatus(s);
  if (s.snapshots)
    status.conditions = setCondition(status.conditions, snapshotCondition(s.snapshots), input.now);
  const configSnapshots =
    s.snapshots && s.newRS ? { replicaSet: s.newRSName, snapshots: s.snapshots.snapshots } : undefined;
  return { actions: s.actions, status, requeueAfterMs: s.requeueAfterMs, configSnapshots };
}

/**
 * The plan for a spec that cannot be acted on: no ReplicaSet touched, phase Degraded, an
 * InvalidSpec condition naming each field, and a Warning Event when the problem is new. The
 * shell uses it too when the API server refuses the ReplicaSet made from spec.template (what
 * the CRD schema leaves to the pod validation: container names, images, label values).
 */
export function planInvalidSpec(ro: StoredRollout, errors: readonly FieldError[], now: Date): Plan {
  const prev: RolloutStatus = ro.status ?? {};
  const message = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  const actions: Action[] = [];
  if (getCondition(prev.conditions, "InvalidSpec")?.message !== message)
    actions.push({ kind: "event", type: "Warning", reason: "InvalidSpec", message });
  return {
    actions,
    status: {
      ...prev,
      observedGeneration: ro.metadata.generation,
      phase: "Degraded",
      message: `invalid spec: ${message}`,
      conditions: setCondition(
        prev.conditions,
        { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
        now,
      ),
    },
  };
}

/**
 * The API server refused the ReplicaSet made from spec.template (what the CRD schema leaves to
 * pod validation: container names, images, label values): the user's to fix, so InvalidSpec
 * naming spec.template and the API server's words, instead of retrying in silence.
 */
export function planRefusedTemplate(ro: StoredRollout, refusal: string, now: Date): Plan {
  return planInvalidSpec(ro, [{ field: "spec.template", message: refusal }], now);
}
