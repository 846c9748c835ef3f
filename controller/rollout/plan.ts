import type { V1LabelSelector, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import { parseDurationMs } from "../api/duration.js";
import type { AnalysisRun } from "../api/analysis.js";
import type { CanaryStep, Rollout, RolloutStatus } from "../api/rollout.js";
import { buildRun, checkAnalysis, type TemplateLookup } from "./analysis.js";
import { validateRollout, type FieldError } from "../api/validate.js";
import type { Action, Plan } from "./actions.js";
import { getCondition, removeCondition, setCondition } from "./conditions.js";
import { canonicalJson, podTemplateHash, shortHash } from "./hash.js";
import {
  abortAnnotation,
  changeCauseAnnotation,
  completedAnnotation,
  podTemplateHashLabel,
  promoteAnnotation,
  retryAnnotation,
  revisionAnnotation,
  undoToAnnotation,
} from "./labels.js";
import { nextSplit, surgeLimits, weightTarget, type SplitTarget, type SurgeLimits } from "./replicas.js";
import { controllerRef } from "./owner.js";
import {
  availableReplicas,
  hashOf,
  historyToDelete,
  isCompleted,
  maxRevision,
  revisionOf,
  specReplicas,
  undoTarget,
} from "./revisions.js";

export interface PlanInput {
  rollout: Rollout;
  /** Pods of its ReplicaSets (for spec.restartAt). */
  pods?: readonly V1Pod[];
  /** AnalysisRuns this Rollout controls. */
  analysisRuns?: readonly AnalysisRun[];
  /** AnalysisTemplates of its namespace and ClusterAnalysisTemplates, by name. */
  templates?: TemplateLookup;
  /** ReplicaSets this Rollout controls (ownerReference controller=true), not being deleted. */
  replicaSets: readonly V1ReplicaSet[];
  now: Date;
}

type PauseCondition = NonNullable<RolloutStatus["pauseConditions"]>[number];

/**
 * The whole canary engine as one pure function: what is observed and the time in, actions, the
 * new status and when to look again out. Level-based: it derives everything from the
 * ReplicaSets and the last status, so a restarted controller plans exactly what the crashed
 * one would have.
 */
const noTemplates: TemplateLookup = { namespaced: new Map(), cluster: new Map() };
const terminal = new Set(["Successful", "Failed", "Error", "Inconclusive"]);

export function planRollout({
  rollout: ro,
  replicaSets,
  now,
  analysisRuns = [],
  templates = noTemplates,
  pods = [],
}: PlanInput): Plan {
  const prev: RolloutStatus = ro.status ?? {};
  const actions: Action[] = [];
  const event = (type: "Normal" | "Warning", reason: string, message: string): void => {
    actions.push({ kind: "event", type, reason, message });
  };

  const errors = [...validateRollout(ro), ...(ro.spec?.strategy?.canary ? checkAnalysis(ro, templates) : [])];
  if (errors.length > 0) return planInvalidSpec(ro, errors, now);

  const spec = ro.spec;
  const replicas = spec.replicas ?? 1;
  const steps: CanaryStep[] = spec.strategy.canary?.steps ?? [];
  const template = spec.template;
  const hash = templateHash(template, replicaSets);
  const stepsHash = shortHash(steps);
  const byHash = new Map(replicaSets.map((rs) => [hashOf(rs) ?? "", rs]));
  const annotations = ro.metadata.annotations ?? {};
  const clearAnnotations: Record<string, null> = {};

  if (spec.rollbackTo) return planUndo(ro, replicaSets, hash, actions, event);

  // The stable revision: from status, or (if status was lost) the newest revision that completed.
  const completedByRevision = [...replicaSets]
    .filter(isCompleted)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  let stableHash: string | undefined =
    prev.stableRS && byHash.has(prev.stableRS)
      ? prev.stableRS
      : completedByRevision[0] && hashOf(completedByRevision[0]);

  const sameRevision = prev.currentPodHash === hash;
  let abort = Boolean(prev.abort) && sameRevision && hash !== stableHash;
  let abortedAt = abort ? prev.abortedAt : undefined;
  let abortReason = abort ? (getCondition(prev.conditions, "Progressing")?.message ?? "aborted") : "";
  let stepIndex = sameRevision && prev.currentStepHash === stepsHash ? (prev.currentStepIndex ?? 0) : 0;
  let pauseConditions: PauseCondition[] = sameRevision ? [...(prev.pauseConditions ?? [])] : [];
  let requeueAfterMs: number | undefined;
  const requeueIn = (ms: number): void => {
    requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };

  let attempt = sameRevision ? (prev.canary?.attempt ?? 0) : 0;
  let inconclusiveAccepted = sameRevision ? prev.canary?.inconclusiveAccepted : undefined;

  // User triggers (annotations). Each is acted upon once: the status that records its effect also
  // lists it as handled, and only then is the annotation removed, so a crash in between neither
  // loses it nor applies it twice.
  const handled = new Set(prev.handledTriggers ?? []);
  const trigger = (key: string): boolean => {
    if (!(key in annotations)) return false;
    clearAnnotations[key] = null;
    return !handled.has(key);
  };
  if (trigger(abortAnnotation)) {
    if (!abort && stableHash !== undefined && hash !== stableHash) {
      abort = true;
      abortedAt = now.toISOString();
      abortReason = "aborted by user";
      event(
        "Warning",
        "RolloutAborted",
        "aborted by user: scaling the stable ReplicaSet back to full and the canary to 0",
      );
    }
  }
  if (trigger(retryAnnotation)) {
    if (abort) {
      abort = false;
      abortedAt = undefined;
      stepIndex = 0;
      pauseConditions = [];
      attempt++;
      event("Normal", "RolloutRetried", "retrying the canary from step 1");
    }
  }

  // Analysis: a Failed or Error run aborts at once (or undoes, per onFailure).
  const runs = new Map(analysisRuns.map((r) => [r.metadata.name ?? "", r]));
  const runName = (suffix: string): string => `${ro.metadata.name}-${hash}-${attempt}-${suffix}`;
  const bgName = runName("bg");
  const stepRunName = (i: number): string => runName(`s${i}`);
  const liveRuns = (): AnalysisRun[] =>
    [runs.get(bgName), steps[stepIndex]?.analysis ? runs.get(stepRunName(stepIndex)) : undefined].filter(
      (r): r is AnalysisRun => r !== undefined,
    );
  const failing = liveRuns().find((r) => r.status?.phase === "Failed" || r.status?.phase === "Error");
  if (failing && !abort && stableHash !== undefined && hash !== stableHash) {
    const verdict = `analysis run ${failing.metadata.name} ${failing.status?.phase}: ${failing.status?.message ?? ""}`;
    event("Warning", "AnalysisFailed", verdict);
    const onFailure = spec.strategy.canary?.onFailure;
    const stable = byHash.get(stableHash);
    const undoTo = onFailure?.toRevision ?? (stable ? revisionOf(stable) : 0);
    if (onFailure?.action === "undo" && !("error" in undoTarget(replicaSets, undoTo, hash))) {
      return planUndo(
        { ...ro, spec: { ...ro.spec, rollbackTo: { revision: undoTo } } },
        replicaSets,
        hash,
        actions,
        event,
        false,
      );
    }
    // onFailure undo with no such revision falls back to the safe default: abort.
    abort = true;
    abortedAt = now.toISOString();
    abortReason = `aborted by analysis: ${verdict}`;
    event(
      "Warning",
      "RolloutAborted",
      `${abortReason}; scaling the stable ReplicaSet back to full and the canary to 0`,
    );
  }

  // Progress deadline: judged against the last observed progress.
  const observedAvailable = replicaSets.reduce((n, rs) => n + availableReplicas(rs), 0);
  const newRSBefore = byHash.get(hash);
  const progressed =
    !sameRevision ||
    prev.currentStepIndex !== stepIndex ||
    prev.availableReplicas !== observedAvailable ||
    prev.updatedReplicas !== (newRSBefore?.status?.replicas ?? 0);
  const lastProgressAt = progressed || !prev.lastProgressAt ? now.toISOString() : prev.lastProgressAt;
  const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
  const waitingForUser = spec.paused || pauseConditions.length > 0;
  const rollingOut = hash !== stableHash || observedAvailable < replicas;
  let deadlineExceeded = false;
  if (rollingOut && !abort && !waitingForUser) {
    const since = now.getTime() - Date.parse(lastProgressAt);
    if (since >= deadlineMs) {
      deadlineExceeded = true;
      if (getCondition(prev.conditions, "Progressing")?.reason !== "ProgressDeadlineExceeded") {
        event(
          "Warning",
          "ProgressDeadlineExceeded",
          `no progress for ${spec.progressDeadlineSeconds ?? 600}s`,
        );
      }
      if (spec.progressDeadlineAbort && stableHash !== undefined && hash !== stableHash) {
        abort = true;
        abortedAt = now.toISOString();
        abortReason = `progress deadline of ${spec.progressDeadlineSeconds ?? 600}s exceeded`;
        event("Warning", "RolloutAborted", `${abortReason}: scaling back to the stable ReplicaSet`);
      }
    } else {
      requeueIn(deadlineMs - since);
    }
  }

  // Revision bookkeeping for the current template's ReplicaSet.
  const maxRev = maxRevision(replicaSets);
  const newRS = byHash.get(hash);
  const newRSName = `${ro.metadata.name}-${hash}`;
  const changeCause = annotations[changeCauseAnnotation];
  let newRevision = newRS ? revisionOf(newRS) : maxRev + 1;
  if (newRS) {
    const patch: Record<string, string | null> = {};
    if (revisionOf(newRS) < maxRev) {
      newRevision = maxRev + 1;
      patch[revisionAnnotation] = String(newRevision);
    }
    if (
      changeCause !== undefined &&
      newRS.metadata?.annotations?.[changeCauseAnnotation] !== changeCause &&
      hash !== stableHash
    ) {
      patch[changeCauseAnnotation] = changeCause;
    }
    if (Object.keys(patch).length > 0)
      actions.push({
        kind: "annotateReplicaSet",
        name: newRS.metadata?.name ?? newRSName,
        annotations: patch,
      });
  }

  // Decide the replica split.
  const limits = surgeLimits(replicas, spec.strategy.canary?.maxSurge, spec.strategy.canary?.maxUnavailable);
  const stableRS = stableHash !== undefined ? byHash.get(stableHash) : undefined;
  const desired = new Map<string, number>(); // hash -> replicas
  let phase: string;
  let message: string;
  let weight = 0;
  let paused = false;
  const fastUndo =
    annotations[undoToAnnotation] === hash &&
    newRS !== undefined &&
    isCompleted(newRS) &&
    !spec.undoReplaysSteps;
  const current = {
    canaryReplicas: specReplicas(newRS),
    canaryAvailable: availableReplicas(newRS),
    stableReplicas: specReplicas(stableRS),
    stableAvailable: availableReplicas(stableRS),
  };

  if (stableHash === undefined) {
    // The first version has nothing to compare against: straight to full scale.
    desired.set(hash, replicas);
    weight = 100;
    if (newRS && specReplicas(newRS) === replicas && availableReplicas(newRS) >= replicas) {
      stableHash = hash;
      actions.push({
        kind: "annotateReplicaSet",
        name: newRS.metadata?.name ?? newRSName,
        annotations: { [completedAnnotation]: "true" },
      });
      event("Normal", "RolloutCompleted", `revision ${newRevision} is stable at ${replicas} replicas`);
    }
    phase = stableHash ? "Healthy" : "Progressing";
    message = stableHash
      ? `healthy: revision ${newRevision} at full scale (${replicas}/${replicas} available)`
      : `first revision: scaling to ${replicas} (${availableReplicas(newRS)}/${replicas} available)`;
    stepIndex = steps.length;
  } else if (hash === stableHash) {
    desired.set(hash, replicas);
    stepIndex = steps.length;
    const avail = availableReplicas(newRS);
    const othersDown = replicaSets.every((rs) => hashOf(rs) === hash || specReplicas(rs) === 0);
    phase = avail >= replicas && othersDown ? "Healthy" : "Progressing";
    message =
      phase === "Healthy"
        ? `healthy: revision ${newRevision} at full scale (${avail}/${replicas} available)`
        : `stable revision ${newRevision}: ${avail}/${replicas} available, scaling down older revisions`;
    if (annotations[undoToAnnotation] !== undefined) clearAnnotations[undoToAnnotation] = null;
    pauseConditions = [];
  } else if (abort) {
    // Back to stable at once: the point of an abort is to stop serving the canary.
    desired.set(stableHash, replicas);
    desired.set(hash, 0);
    weight = 0;
    phase = "Degraded";
    message = `${abortReason}: all traffic back on stable revision ${stableRS ? revisionOf(stableRS) : "?"} (${current.stableAvailable}/${replicas} available); retry with the kestrel.dev/retry annotation`;
    pauseConditions = [];
  } else if (fastUndo) {
    // Undo to a revision that once completed: the emergency path, no steps, no surge limit.
    desired.set(hash, replicas);
    desired.set(stableHash, current.canaryAvailable >= replicas ? 0 : current.stableReplicas);
    weight = 100;
    stepIndex = steps.length;
    phase = "Progressing";
    message = `undo to revision ${newRevision}: scaling it to full (${current.canaryAvailable}/${replicas} available), skipping canary steps`;
    if (specReplicas(newRS) === replicas && current.canaryAvailable >= replicas) {
      stableHash = hash;
      event("Normal", "UndoCompleted", `revision ${newRevision} is stable again at ${replicas} replicas`);
      phase = "Healthy";
      message = `healthy: revision ${newRevision} at full scale after undo (${current.canaryAvailable}/${replicas} available)`;
    }
    pauseConditions = [];
  } else {
    // The canary steps.
    const promote = annotations[promoteAnnotation];
    if (promote !== undefined && trigger(promoteAnnotation)) {
      if (runs.get(bgName)?.status?.phase === "Inconclusive") inconclusiveAccepted = bgName;
      pauseConditions = pauseConditions.filter((p) => p.reason !== "InconclusiveAnalysis");
      if (!spec.paused) {
        if (promote === "full") {
          stepIndex = steps.length;
          event("Normal", "RolloutPromoted", "promoted to full: skipping the remaining steps");
        } else if (stepIndex < steps.length) {
          event("Normal", "RolloutPromoted", `promoted past step ${stepIndex + 1}/${steps.length}`);
          stepIndex++;
        }
        pauseConditions = pauseConditions.filter((p) => p.reason !== "CanaryPauseStep");
      }
    }
    // An Inconclusive background run is undecided: nothing moves (no step, no pause running out,
    // no scaling, no promotion) until a person promotes (accepting it) or aborts.
    const backgroundUndecided =
      runs.get(bgName)?.status?.phase === "Inconclusive" && inconclusiveAccepted !== bgName;
    const hold = spec.paused || backgroundUndecided;
    let waitingFor = "";
    while (!hold && stepIndex < steps.length) {
      const step = steps[stepIndex]!;
      if (step.pause) {
        const durationMs =
          step.pause.duration !== undefined ? parseDurationMs(step.pause.duration) : undefined;
        let pc = pauseConditions.find((p) => p.reason === "CanaryPauseStep");
        if (!pc) {
          pc = { reason: "CanaryPauseStep", startTime: now.toISOString() };
          pauseConditions.push(pc);
          event(
            "Normal",
            "RolloutPaused",
            `step ${stepIndex + 1}/${steps.length}: ${durationMs !== undefined ? `pausing for ${durationMs / 1000}s` : "paused until promoted"}`,
          );
        }
        if (durationMs === undefined) {
          paused = true;
          waitingFor = "paused until promoted (annotate kestrel.dev/promote=step)";
          break;
        }
        const left = Date.parse(pc.startTime) + durationMs - now.getTime();
        if (left > 0) {
          paused = true;
          requeueIn(left);
          waitingFor = `paused ${Math.ceil(left / 1000)}s more`;
          break;
        }
        pauseConditions = pauseConditions.filter((p) => p !== pc);
        stepIndex++;
        continue;
      }
      if (step.setCanaryScale) {
        stepIndex++;
        continue;
      }
      if (step.analysis) {
        const name = stepRunName(stepIndex);
        const run = runs.get(name);
        if (!run) {
          actions.push({
            kind: "createAnalysisRun",
            run: buildRun(ro, name, "step", step.analysis, templates, { stable: stableHash, latest: hash }),
          });
          event(
            "Normal",
            "AnalysisRunStarted",
            `step ${stepIndex + 1}/${steps.length}: started analysis ${name}`,
          );
          waitingFor = `analysis ${name} started`;
          break;
        }
        const phase = run.status?.phase ?? "Pending";
        if (phase === "Successful") {
          event("Normal", "StepCompleted", `step ${stepIndex + 1}/${steps.length}: analysis ${name} passed`);
          stepIndex++;
          continue;
        }
        if (phase === "Inconclusive") {
          if (!pauseConditions.some((p) => p.reason === "InconclusiveAnalysis")) {
            pauseConditions.push({ reason: "InconclusiveAnalysis", startTime: now.toISOString() });
            event(
              "Warning",
              "AnalysisInconclusive",
              `${name}: ${run.status?.message ?? ""}; paused until promoted`,
            );
          }
          paused = true;
          waitingFor = `analysis ${name} inconclusive (${run.status?.message ?? "no verdict"}), paused until promoted`;
          break;
        }
        waitingFor = `analysis ${name} ${phase.toLowerCase()}`;
        break;
      }
      // setWeight: done once the split has converged and the canary pods are available.
      const target = splitFor(steps, stepIndex, replicas, limits);
      const next = nextSplit(replicas, target, current, limits);
      if (
        next.canary === target.canary &&
        next.stable === target.stable &&
        current.canaryReplicas === target.canary &&
        current.stableReplicas === target.stable &&
        current.canaryAvailable >= target.canary
      ) {
        event(
          "Normal",
          "StepCompleted",
          `step ${stepIndex + 1}/${steps.length}: weight ${step.setWeight ?? 0} reached`,
        );
        stepIndex++;
        continue;
      }
      waitingFor = `waiting for ${target.canary} canary / ${target.stable} stable (${current.canaryAvailable} canary available)`;
      break;
    }
    const background = spec.strategy.canary?.analysis;
    if (background && stepIndex >= (background.startingStep ?? 0)) {
      const bg = runs.get(bgName);
      if (!bg) {
        actions.push({
          kind: "createAnalysisRun",
          run: buildRun(ro, bgName, "background", background, templates, {
            stable: stableHash,
            latest: hash,
          }),
        });
        event("Normal", "AnalysisRunStarted", `started background analysis ${bgName}`);
      } else if (bg.status?.phase === "Inconclusive" && inconclusiveAccepted !== bgName) {
        if (!pauseConditions.some((p) => p.reason === "InconclusiveAnalysis")) {
          pauseConditions.push({ reason: "InconclusiveAnalysis", startTime: now.toISOString() });
          event(
            "Warning",
            "AnalysisInconclusive",
            `${bgName}: ${bg.status.message ?? ""}; paused until promoted`,
          );
        }
        paused = true;
        waitingFor = `background analysis ${bgName} inconclusive (${bg.status.message ?? "no verdict"}), paused until promoted`;
      }
    }
    if (spec.paused) {
      paused = true;
      waitingFor = "paused by spec.paused";
      if (!pauseConditions.some((p) => p.reason === "BlockedByPausedSpec")) {
        pauseConditions.push({ reason: "BlockedByPausedSpec", startTime: now.toISOString() });
      }
    } else {
      pauseConditions = pauseConditions.filter((p) => p.reason !== "BlockedByPausedSpec");
    }

    let target: SplitTarget;
    if (stepIndex >= steps.length) {
      target = { canary: replicas, stable: 0 };
      weight = 100;
    } else {
      target = splitFor(steps, stepIndex, replicas, limits);
      weight = weightAt(steps, stepIndex);
    }
    const next = hold
      ? { canary: current.canaryReplicas, stable: current.stableReplicas }
      : nextSplit(replicas, target, current, limits);
    desired.set(hash, newRS ? next.canary : Math.max(next.canary, 0));
    desired.set(stableHash, next.stable);

    if (stepIndex >= steps.length && !spec.paused && !paused) {
      // Full promotion: once the canary alone carries every replica, it becomes the stable one.
      // It must exist first: at spec.replicas 0 "every replica" is already true before it does.
      if (newRS && current.canaryReplicas === replicas && current.canaryAvailable >= replicas) {
        stableHash = hash;
        desired.set(hash, replicas);
        actions.push({
          kind: "annotateReplicaSet",
          name: newRS.metadata?.name ?? newRSName,
          annotations: { [completedAnnotation]: "true" },
        });
        event("Normal", "RolloutCompleted", `revision ${newRevision} is stable at ${replicas} replicas`);
        phase = "Healthy";
        message = `healthy: revision ${newRevision} promoted to stable (${replicas}/${replicas} available)`;
      } else {
        phase = "Progressing";
        message = `promoting revision ${newRevision} to full: ${current.canaryAvailable}/${replicas} available`;
      }
    } else {
      phase = paused ? "Paused" : "Progressing";
      message = `step ${Math.min(stepIndex + 1, steps.length)}/${steps.length}: weight ${weight}${waitingFor ? `, ${waitingFor}` : ""}`;
    }
  }

  // A promote with no canary step to act on (healthy, aborted, first version, undo) is dropped,
  // not kept for later: left in place it would promote the next release past its first step.
  if (promoteAnnotation in annotations && !(promoteAnnotation in clearAnnotations)) {
    clearAnnotations[promoteAnnotation] = null;
    if (!handled.has(promoteAnnotation))
      event("Normal", "PromoteIgnored", `nothing to promote (${phase}): ${message}`);
  }

  // Runs that no longer decide anything are stopped: the rollout finished, aborted or moved on.
  const decidingRuns = new Set(stableHash === hash || abort ? [] : [bgName, stepRunName(stepIndex)]);
  for (const run of analysisRuns) {
    if (
      terminal.has(run.status?.phase ?? "") ||
      run.spec.terminate ||
      decidingRuns.has(run.metadata.name ?? "")
    )
      continue;
    actions.push({ kind: "terminateAnalysisRun", name: run.metadata.name ?? "" });
  }

  // spec.restartAt: replace pods created before it, a few at a time, only while all are available.
  let restartedAt = prev.restartedAt;
  const restartAt = spec.restartAt ? Date.parse(spec.restartAt) : undefined;
  if (
    restartAt !== undefined &&
    restartAt <= now.getTime() &&
    prev.restartedAt !== spec.restartAt &&
    phase !== "Degraded"
  ) {
    const stale = pods.filter(
      (p) =>
        !p.metadata?.deletionTimestamp && new Date(p.metadata?.creationTimestamp ?? 0).getTime() < restartAt,
    );
    const allAvailable =
      replicaSets.every((rs) => availableReplicas(rs) >= specReplicas(rs)) &&
      pods.every((p) => !p.metadata?.deletionTimestamp);
    if (stale.length === 0) {
      restartedAt = spec.restartAt;
      event("Normal", "RestartCompleted", `every pod created before ${spec.restartAt} has been replaced`);
    } else if (allAvailable) {
      for (const p of stale.slice(0, Math.max(1, limits.maxUnavailable))) {
        actions.push({ kind: "deletePod", name: p.metadata?.name ?? "" });
        event(
          "Normal",
          "RestartingPod",
          `restarting pod ${p.metadata?.name} (spec.restartAt ${spec.restartAt})`,
        );
      }
    }
  } else if (restartAt !== undefined && restartAt > now.getTime()) {
    requeueIn(restartAt - now.getTime());
  }

  // Finished runs beyond the history limits go, oldest first; the runs deciding now stay.
  const finished = analysisRuns
    .filter((r) => terminal.has(r.status?.phase ?? "") && !decidingRuns.has(r.metadata.name ?? ""))
    .sort((a, b) =>
      String(b.metadata.creationTimestamp ?? "").localeCompare(String(a.metadata.creationTimestamp ?? "")),
    );
  const keepRuns = {
    ok: spec.analysis?.successfulRunHistoryLimit ?? 5,
    bad: spec.analysis?.unsuccessfulRunHistoryLimit ?? 5,
  };
  const successful = finished.filter((r) => r.status?.phase === "Successful");
  const unsuccessful = finished.filter((r) => r.status?.phase !== "Successful");
  for (const r of [...successful.slice(keepRuns.ok), ...unsuccessful.slice(keepRuns.bad)]) {
    actions.push({ kind: "deleteAnalysisRun", name: r.metadata.name ?? "" });
  }

  // Every ReplicaSet not named above is an old or superseded revision: scale it to zero.
  for (const rs of replicaSets) {
    const h = hashOf(rs) ?? "";
    if (!desired.has(h)) desired.set(h, 0);
  }
  if (!newRS) {
    const created = newReplicaSet(
      ro,
      template,
      hash,
      newRSName,
      newRevision,
      desired.get(hash) ?? 0,
      changeCause,
    );
    actions.push({ kind: "createReplicaSet", replicaSet: created });
    event(
      "Normal",
      "NewReplicaSetCreated",
      `created ReplicaSet ${newRSName} (revision ${newRevision}) with ${desired.get(hash) ?? 0} replicas`,
    );
  }
  for (const rs of replicaSets) {
    const want = desired.get(hashOf(rs) ?? "") ?? 0;
    const have = specReplicas(rs);
    if (want !== have) {
      const name = rs.metadata?.name ?? "";
      actions.push({ kind: "scaleReplicaSet", name, replicas: want, from: have });
      event(
        "Normal",
        "ScalingReplicaSet",
        `scaled ${want > have ? "up" : "down"} ReplicaSet ${name} (revision ${revisionOf(rs)}) from ${have} to ${want}`,
      );
    }
  }
  const keep = new Set([hash, stableHash ?? ""]);
  for (const rs of historyToDelete(replicaSets, keep, spec.revisionHistoryLimit ?? 10)) {
    actions.push({ kind: "deleteReplicaSet", name: rs.metadata?.name ?? "" });
    event(
      "Normal",
      "RevisionDeleted",
      `deleted ReplicaSet ${rs.metadata?.name} (revision ${revisionOf(rs)}) beyond revisionHistoryLimit`,
    );
  }
  if (Object.keys(clearAnnotations).length > 0)
    actions.push({ kind: "updateRollout", annotations: clearAnnotations });

  // Status: counts as observed, decisions as planned.
  const sum = (f: (rs: V1ReplicaSet) => number): number => replicaSets.reduce((n, rs) => n + f(rs), 0);
  let conditions = removeCondition(prev.conditions, "InvalidSpec");
  const progressing =
    phase === "Degraded"
      ? { status: "False", reason: "RolloutAborted", message: abortReason }
      : deadlineExceeded
        ? {
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: `no progress for ${spec.progressDeadlineSeconds ?? 600}s`,
          }
        : phase === "Healthy"
          ? { status: "True", reason: "NewReplicaSetAvailable", message: `revision ${newRevision} is stable` }
          : phase === "Paused"
            ? { status: "Unknown", reason: "RolloutPaused", message }
            : { status: "True", reason: "ReplicaSetUpdated", message };
  conditions = setCondition(conditions, { type: "Progressing", ...progressing }, now);
  const available = sum(availableReplicas);
  conditions = setCondition(
    conditions,
    available >= replicas - limits.maxUnavailable
      ? {
          type: "Available",
          status: "True",
          reason: "AvailableReplicas",
          message: `${available}/${replicas} available`,
        }
      : {
          type: "Available",
          status: "False",
          reason: "AvailableReplicas",
          message: `${available}/${replicas} available`,
        },
    now,
  );
  conditions = setCondition(
    conditions,
    {
      type: "Paused",
      status: paused ? "True" : "False",
      reason: paused ? "RolloutPaused" : "RolloutRunning",
    },
    now,
  );
  conditions = setCondition(
    conditions,
    {
      type: "Healthy",
      status: phase === "Healthy" ? "True" : "False",
      reason: phase === "Healthy" ? "RolloutHealthy" : phase,
    },
    now,
  );

  const status: RolloutStatus = {
    phase,
    message,
    observedGeneration: ro.metadata.generation,
    currentPodHash: hash,
    stableRS: stableHash,
    currentStepIndex: stepIndex,
    currentStepHash: stepsHash,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRSBefore?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    selector: selectorString(spec.selector),
    conditions,
    pauseConditions: pauseConditions.length > 0 ? pauseConditions : undefined,
    abort: abort || undefined,
    abortedAt,
    canary: {
      attempt: attempt || undefined,
      inconclusiveAccepted,
      currentBackgroundAnalysisRunStatus: runRef(runs.get(bgName)),
      currentStepAnalysisRunStatus: runRef(
        steps[stepIndex]?.analysis ? runs.get(stepRunName(stepIndex)) : undefined,
      ),
      weights: {
        canary: { weight: stableHash === hash ? 0 : weight, podTemplateHash: hash },
        stable: { weight: stableHash === hash ? 100 : 100 - weight, podTemplateHash: stableHash },
      },
    },
    lastProgressAt,
    restartedAt,
    handledTriggers:
      triggerKeys.filter((k) => k in annotations).length > 0
        ? triggerKeys.filter((k) => k in annotations)
        : undefined,
  };
  return { actions, status: dropUndefined(status), requeueAfterMs };
}

/**
 * The plan for a spec that cannot be acted on: no ReplicaSet touched, phase Degraded, an
 * InvalidSpec condition naming each field, and a Warning Event when the problem is new. The
 * shell uses it too when the API server refuses the ReplicaSet made from spec.template (what
 * the CRD schema leaves to the pod validation: container names, images, label values).
 */
export function planInvalidSpec(ro: Rollout, errors: readonly FieldError[], now: Date): Plan {
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

const triggerKeys = [promoteAnnotation, abortAnnotation, retryAnnotation];

/** The split a setWeight (or setCanaryScale) in force at `index` asks for. */
function splitFor(
  steps: readonly CanaryStep[],
  index: number,
  replicas: number,
  limits: SurgeLimits,
): SplitTarget {
  const weight = weightAt(steps, index);
  const split = weightTarget(replicas, weight, limits.maxSurge);
  // setCanaryScale overrides the canary's size until matchTrafficWeight (or the end) resets it.
  for (let i = index; i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (!scale) continue;
    if (scale.matchTrafficWeight) break;
    const canary = scale.replicas ?? Math.ceil((replicas * (scale.weight ?? 0)) / 100);
    return { canary: Math.min(canary, replicas), stable: split.stable };
  }
  return split;
}

/** The weight of the last setWeight at or before `index`. */
function weightAt(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) return w;
  }
  return 0;
}

function planUndo(
  ro: Rollout,
  replicaSets: readonly V1ReplicaSet[],
  currentHash: string,
  actions: Action[],
  event: (type: "Normal" | "Warning", reason: string, message: string) => void,
  requested = true,
): Plan {
  const revision = ro.spec.rollbackTo?.revision ?? 0;
  const found = undoTarget(replicaSets, revision, currentHash);
  if ("error" in found) {
    event(
      "Warning",
      "UndoFailed",
      `undo to ${revision === 0 ? "the previous revision" : `revision ${revision}`}: ${found.error}`,
    );
    if (requested) actions.push({ kind: "updateRollout", clearRollbackTo: true });
    return { actions };
  }
  const targetHash = hashOf(found.rs) ?? "";
  if (targetHash === currentHash) {
    event("Normal", "UndoSkipped", `revision ${revisionOf(found.rs)} is already the current template`);
    if (requested) actions.push({ kind: "updateRollout", clearRollbackTo: true });
    return { actions };
  }
  event(
    "Normal",
    "Undo",
    `undoing to revision ${revisionOf(found.rs)} (ReplicaSet ${found.rs.metadata?.name})`,
  );
  actions.push({
    kind: "updateRollout",
    template: templateOf(found.rs),
    clearRollbackTo: requested,
    annotations: { [undoToAnnotation]: targetHash },
  });
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

/** A ReplicaSet's pod template as the Rollout would carry it: without the hash label Kestrel added. */
export function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels[podTemplateHashLabel];
  return template;
}

function newReplicaSet(
  ro: Rollout,
  template: V1PodTemplateSpec,
  hash: string,
  name: string,
  revision: number,
  replicas: number,
  changeCause: string | undefined,
): V1ReplicaSet {
  const podTemplate = structuredClone(template);
  podTemplate.metadata = {
    ...podTemplate.metadata,
    labels: { ...(podTemplate.metadata?.labels ?? {}), [podTemplateHashLabel]: hash },
  };
  const selector = structuredClone(ro.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
  const annotations: Record<string, string> = { [revisionAnnotation]: String(revision) };
  if (changeCause !== undefined) annotations[changeCauseAnnotation] = changeCause;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: ro.metadata.namespace,
      labels: { ...(podTemplate.metadata.labels ?? {}) },
      annotations,
      ownerReferences: [controllerRef(ro)],
    },
    spec: { replicas, minReadySeconds: ro.spec.minReadySeconds, selector, template: podTemplate },
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

function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
