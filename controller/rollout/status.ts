import type { V1LabelSelector, V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { RolloutStatus } from "../api/rollout.js";
import { removeCondition, setCondition, type Condition } from "./conditions.js";
import { availableReplicas } from "./revisions.js";
import {
  backgroundRunName,
  postPromotionRunName,
  prePromotionRunName,
  stepRunName,
  type PlanState,
} from "./state.js";
import { triggerKeys } from "./triggers.js";

/** The status to write last: counts as observed, decisions as planned. */
export function buildStatus(s: PlanState): RolloutStatus {
  const sum = (f: (rs: V1ReplicaSet) => number): number => s.replicaSets.reduce((n, rs) => n + f(rs), 0);
  // Triggers acted upon (or dropped) in this pass; one left waiting (a blue-green promote given
  // before the preview is ready) is not handled yet.
  const pendingTriggers = triggerKeys.filter((k) => k in s.annotations && k in s.clearAnnotations);
  const status: RolloutStatus = {
    phase: s.phase,
    message: s.message,
    observedGeneration: s.ro.metadata.generation,
    currentPodHash: s.hash,
    stableRS: s.stableHash,
    currentStepIndex: s.stepIndex,
    currentStepHash: s.stepsHash,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: s.newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum(availableReplicas),
    selector: selectorString(s.spec.selector),
    conditions: conditions(s, sum(availableReplicas)),
    pauseConditions: s.pauseConditions.length > 0 ? s.pauseConditions : undefined,
    abort: s.abort || undefined,
    abortedAt: s.abortedAt,
    canary: s.spec.strategy.blueGreen ? { attempt: s.attempt || undefined } : canaryStatus(s),
    blueGreen: blueGreenStatus(s),
    lastProgressAt: s.lastProgressAt,
    restartedAt: s.restartedAt,
    handledTriggers: pendingTriggers.length > 0 ? pendingTriggers : undefined,
  };
  return dropUndefined(status);
}

/** Argo's status.blueGreen: which revision each Service is to select, and the analyses. */
function blueGreenStatus(s: PlanState): RolloutStatus["blueGreen"] {
  if (!s.spec.strategy.blueGreen) return undefined;
  return {
    activeSelector: s.activeHash,
    previewSelector: s.abort ? s.stableHash : s.hash,
    scaleUpPreviewCheckPoint: s.scaleUpPreviewCheckPoint || undefined,
    switchedAt: s.switchedAt,
    prePromotionAnalysisRunStatus: runRef(s.runs.get(prePromotionRunName(s))),
    postPromotionAnalysisRunStatus: runRef(s.runs.get(postPromotionRunName(s))),
  };
}

function canaryStatus(s: PlanState): RolloutStatus["canary"] {
  const promoted = s.stableHash === s.hash;
  return {
    attempt: s.attempt || undefined,
    inconclusiveAccepted: s.inconclusiveAccepted,
    canaryScaleDownAt: s.canaryScaleDownAt,
    currentBackgroundAnalysisRunStatus: runRef(s.runs.get(backgroundRunName(s))),
    currentStepAnalysisRunStatus: runRef(
      s.steps[s.stepIndex]?.analysis ? s.runs.get(stepRunName(s, s.stepIndex)) : undefined,
    ),
    weights: {
      canary: { weight: promoted ? 0 : s.weight, podTemplateHash: s.hash },
      stable: { weight: promoted ? 100 : 100 - s.weight, podTemplateHash: s.stableHash },
    },
  };
}

/** Progressing, Available, Paused and Healthy as kubectl and Argo's tools read them. */
function conditions(s: PlanState, available: number): Condition[] {
  const { phase, now, replicas } = s;
  const deadline = s.spec.progressDeadlineSeconds ?? 600;
  const progressing =
    phase === "Degraded"
      ? { status: "False", reason: "RolloutAborted", message: s.abortReason }
      : s.deadlineExceeded
        ? { status: "False", reason: "ProgressDeadlineExceeded", message: `no progress for ${deadline}s` }
        : phase === "Healthy"
          ? {
              status: "True",
              reason: "NewReplicaSetAvailable",
              message: `revision ${s.newRevision} is stable`,
            }
          : phase === "Paused"
            ? { status: "Unknown", reason: "RolloutPaused", message: s.message }
            : { status: "True", reason: "ReplicaSetUpdated", message: s.message };
  let result = removeCondition(s.prev.conditions, "InvalidSpec");
  result = s.trafficCondition
    ? setCondition(result, s.trafficCondition, now)
    : removeCondition(result, "TrafficRouting");
  result = setCondition(result, { type: "Progressing", ...progressing }, now);
  const enough = available >= replicas - s.limits.maxUnavailable;
  const availableMessage = `${available}/${replicas} available`;
  result = setCondition(
    result,
    {
      type: "Available",
      status: enough ? "True" : "False",
      reason: "AvailableReplicas",
      message: availableMessage,
    },
    now,
  );
  result = setCondition(
    result,
    {
      type: "Paused",
      status: s.paused ? "True" : "False",
      reason: s.paused ? "RolloutPaused" : "RolloutRunning",
    },
    now,
  );
  return setCondition(
    result,
    {
      type: "Healthy",
      status: phase === "Healthy" ? "True" : "False",
      reason: phase === "Healthy" ? "RolloutHealthy" : phase,
    },
    now,
  );
}

function runRef(
  run: AnalysisRun | undefined,
): { name: string; status: string; message?: string } | undefined {
  if (!run) return undefined;
  return {
    name: run.metadata.name ?? "",
    status: run.status?.phase ?? "Pending",
    message: run.status?.message,
  };
}

export function selectorString(selector: V1LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

/** The value as the API server stores it: undefined fields gone, dates as text. */
export function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
