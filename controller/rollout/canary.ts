import { buildRun } from "./analysis.js";
import { judgeBackground, type BackgroundJudgement } from "./background.js";
import { currentSplit, holdForInconclusive, splitFor, walkSteps, weightAt } from "./canary-steps.js";
import { groupHold } from "./group-hold.js";
import { promoteAnnotation } from "./labels.js";
import { nextSplit, type SplitTarget } from "./replicas.js";
import { revisionOf } from "./revisions.js";
import { firstTrafficDue, routedAbort, routedMove, routesAt } from "./routed.js";
import { atStable, fastUndo, firstVersion, isFastUndo, markCompleted } from "./settled.js";
import { backgroundRunName, event, type PlanState } from "./state.js";
import type { Strategy } from "./strategy.js";
import { trigger } from "./triggers.js";

/** The canary: steps of weights, pauses and analyses between the stable revision and the new one. */
export const canaryStrategy: Strategy = {
  decide(s) {
    if (s.stableHash === undefined) firstVersion(s);
    else if (s.hash === s.stableHash) atStable(s);
    else if (s.abort) aborted(s);
    else if (isFastUndo(s)) fastUndo(s);
    else stepCanary(s);
  },
};

/** Back to stable at once: the point of an abort is to stop serving the canary. */
function aborted(s: PlanState): void {
  const stableRS = s.byHash.get(s.stableHash ?? "");
  s.desired.set(s.stableHash ?? "", s.replicas);
  s.desired.set(s.hash, 0);
  s.weight = 0;
  s.phase = "Degraded";
  s.pauseConditions = [];
  if (s.routing) routedAbort(s);
  // dynamicStableScale: the weight returns as the stable's pods come back up.
  const where =
    s.weight > 0
      ? `traffic moving back to stable revision ${stableRS ? revisionOf(stableRS) : "?"} as its pods become available (canary weight ${s.weight} now)`
      : `all traffic back on stable revision ${stableRS ? revisionOf(stableRS) : "?"}`;
  s.message = `${s.abortReason}: ${where} (${currentSplit(s).stableAvailable}/${s.replicas} available); retry with the kestrel.dev/retry annotation`;
}

function stepCanary(s: PlanState): void {
  const bgName = backgroundRunName(s);
  const judge = (): BackgroundJudgement =>
    judgeBackground(s.runs.get(bgName), s.inconclusiveAccepted === bgName);
  promote(s, judge());
  // An undecided background analysis holds everything (no step, no pause running out, no
  // scaling, no promotion): an Inconclusive run until a person promotes or aborts, a metric whose
  // latest measurement did not pass until one does.
  const judgement = judge();
  const held = groupHold(s);
  const hold =
    Boolean(s.spec.paused) ||
    held !== undefined ||
    judgement.state === "inconclusive" ||
    judgement.state === "undecided";
  let waitingFor = hold ? "" : walkSteps(s);
  // A revision its group holds has no pods yet: its analysis starts when it is released, so a
  // long hold cannot run the analysis into Inconclusive on no traffic.
  if (held === undefined) waitingFor = backgroundAnalysis(s, judgement) ?? waitingFor;
  if (s.spec.paused) {
    s.paused = true;
    waitingFor = "paused by spec.paused";
    if (!s.pauseConditions.some((p) => p.reason === "BlockedByPausedSpec"))
      s.pauseConditions.push({ reason: "BlockedByPausedSpec", startTime: s.now.toISOString() });
  } else {
    s.pauseConditions = s.pauseConditions.filter((p) => p.reason !== "BlockedByPausedSpec");
  }
  if (held !== undefined) {
    s.paused = true;
    waitingFor = held;
  }
  // Never promote on no evidence: the steps may end before the background analysis has
  // measured (or even exists); the canary then waits, stable untouched, for its first pass.
  const atEnd = s.stepIndex >= s.steps.length;
  const evidenceMissing = atEnd && !hold && backgroundUnmeasured(s, judgement);
  if (evidenceMissing)
    waitingFor = `waiting for background analysis ${bgName} to pass before promoting (${evidenceMissing})`;
  // Undecided with no traffic on the canary yet: its step's weight is still given (see firstTrafficDue).
  const firstTraffic = judgement.state === "undecided" && !s.spec.paused && firstTrafficDue(s);
  if (firstTraffic)
    waitingFor += "; giving the canary its step's weight so the analysis has traffic to measure";
  moveReplicas(s, (hold && !firstTraffic) || evidenceMissing !== false);
  if (atEnd && !hold && !s.paused && evidenceMissing === false) fullPromotion(s);
  else {
    s.phase = s.paused ? "Paused" : "Progressing";
    s.message = `step ${Math.min(s.stepIndex + 1, s.steps.length)}/${s.steps.length}: weight ${s.weight}${waitingFor ? `, ${waitingFor}` : ""}`;
  }
}

/** Why the background analysis has not yet given evidence to promote on, or false when it has (or there is none). */
function backgroundUnmeasured(s: PlanState, judgement: BackgroundJudgement): string | false {
  const background = s.spec.strategy.canary?.analysis;
  if (!background || s.stepIndex < (background.startingStep ?? 0)) return false;
  if (!s.runs.has(backgroundRunName(s))) return "it has just started";
  return judgement.state === "unmeasured" ? judgement.why : false;
}

/**
 * kestrel.dev/promote: past the current step (step) or every remaining one (full). It also
 * accepts the background analysis's current doubt (Inconclusive, or a latest measurement that did
 * not pass) for the rest of this canary; a Failed or Error run still aborts.
 */
function promote(s: PlanState, judgement: BackgroundJudgement): void {
  const how = s.annotations[promoteAnnotation];
  if (how === undefined || !trigger(s, promoteAnnotation)) return;
  if (judgement.state === "inconclusive" || judgement.state === "undecided")
    s.inconclusiveAccepted = backgroundRunName(s);
  s.pauseConditions = s.pauseConditions.filter((p) => p.reason !== "InconclusiveAnalysis");
  if (s.spec.paused) return;
  if (how === "full") {
    s.stepIndex = s.steps.length;
    event(s, "Normal", "RolloutPromoted", "promoted to full: skipping the remaining steps");
  } else if (s.stepIndex < s.steps.length) {
    event(s, "Normal", "RolloutPromoted", `promoted past step ${s.stepIndex + 1}/${s.steps.length}`);
    s.stepIndex++;
  }
  s.pauseConditions = s.pauseConditions.filter((p) => p.reason !== "CanaryPauseStep");
}

/** Starts the background analysis from its starting step; says why it holds the canary, if it does. */
function backgroundAnalysis(s: PlanState, judgement: BackgroundJudgement): string | undefined {
  const background = s.spec.strategy.canary?.analysis;
  if (!background || s.stepIndex < (background.startingStep ?? 0)) return undefined;
  const bgName = backgroundRunName(s);
  if (!s.runs.has(bgName)) {
    const hashes = { stable: s.stableHash, latest: s.hash };
    s.actions.push({
      kind: "createAnalysisRun",
      run: buildRun(s.ro, bgName, "background", background, s.templates, hashes),
    });
    event(s, "Normal", "AnalysisRunStarted", `started background analysis ${bgName}`);
    return undefined;
  }
  if (judgement.state === "undecided")
    return `background analysis ${bgName} undecided (${judgement.why}), holding until it passes`;
  if (judgement.state !== "inconclusive") return undefined;
  holdForInconclusive(s, `${bgName}: ${judgement.why}; paused until promoted`);
  return `background analysis ${bgName} inconclusive (${judgement.why}), paused until promoted`;
}

/** The split for the step reached, moved within the surge limits; held where it is while waiting on a person. */
function moveReplicas(s: PlanState, hold: boolean): void {
  if (s.routing) return routedMove(s, hold);
  const current = currentSplit(s);
  let target: SplitTarget;
  if (s.stepIndex >= s.steps.length) {
    target = { canary: s.replicas, stable: 0 };
    s.weight = 100;
  } else {
    target = splitFor(s.steps, s.stepIndex, s.replicas, s.limits);
    s.weight = weightAt(s.steps, s.stepIndex);
  }
  const next = hold
    ? { canary: current.canaryReplicas, stable: current.stableReplicas }
    : nextSplit(s.replicas, target, current, s.limits);
  s.desired.set(s.hash, Math.max(next.canary, 0));
  s.desired.set(s.stableHash ?? "", next.stable);
}

/**
 * Full promotion: once the canary alone carries every replica, it becomes the stable one. It
 * must exist first: at spec.replicas 0 "every replica" is already true before it does.
 */
function fullPromotion(s: PlanState): void {
  const current = currentSplit(s);
  const routed = !s.routing || routesAt(s, 100);
  if (s.newRS && current.canaryReplicas === s.replicas && current.canaryAvailable >= s.replicas && routed) {
    s.stableHash = s.hash;
    s.desired.set(s.hash, s.replicas);
    markCompleted(s);
    event(s, "Normal", "RolloutCompleted", `revision ${s.newRevision} is stable at ${s.replicas} replicas`);
    s.phase = "Healthy";
    s.message = `healthy: revision ${s.newRevision} promoted to stable (${s.replicas}/${s.replicas} available)`;
  } else {
    s.phase = "Progressing";
    s.message = `promoting revision ${s.newRevision} to full: ${current.canaryAvailable}/${s.replicas} available`;
  }
}
