import type { CanaryStep } from "../api/rollout.js";
import { parseDurationMs } from "../api/duration.js";
import { buildRun } from "./analysis.js";
import {
  nextSplit,
  weightTarget,
  type CurrentSplit,
  type SplitTarget,
  type SurgeLimits,
} from "./replicas.js";
import { availableReplicas, specReplicas } from "./revisions.js";
import { routedStepDone } from "./routed.js";
import { event, requeueIn, stepRunName, type PlanState } from "./state.js";

/** What one step says: move on to the next one, or wait (and why, for status.message). */
type StepOutcome = { advance: true } | { advance: false; waitingFor: string };
const advance: StepOutcome = { advance: true };
const wait = (waitingFor: string): StepOutcome => ({ advance: false, waitingFor });

/** Replica counts of the canary and stable ReplicaSets as observed. */
export function currentSplit(s: PlanState): CurrentSplit {
  const stableRS = s.stableHash !== undefined ? s.byHash.get(s.stableHash) : undefined;
  return {
    canaryReplicas: specReplicas(s.newRS),
    canaryAvailable: availableReplicas(s.newRS),
    stableReplicas: specReplicas(stableRS),
    stableAvailable: availableReplicas(stableRS),
  };
}

/** Walks the steps from s.stepIndex as far as they allow now; returns why it stopped ("" at the end). */
export function walkSteps(s: PlanState): string {
  while (s.stepIndex < s.steps.length) {
    const step = s.steps[s.stepIndex]!;
    const outcome = step.pause
      ? pauseStep(s, step.pause)
      : step.setCanaryScale
        ? advance
        : step.analysis
          ? analysisStep(s, step.analysis)
          : weightStep(s, step);
    if (!outcome.advance) return outcome.waitingFor;
    s.stepIndex++;
  }
  return "";
}

const stepLabel = (s: PlanState): string => `step ${s.stepIndex + 1}/${s.steps.length}`;

/** pause: {} waits for a promote; pause: {duration} until its time has run out. */
function pauseStep(s: PlanState, pause: NonNullable<CanaryStep["pause"]>): StepOutcome {
  const durationMs = pause.duration !== undefined ? parseDurationMs(pause.duration) : undefined;
  let pc = s.pauseConditions.find((p) => p.reason === "CanaryPauseStep");
  if (!pc) {
    pc = { reason: "CanaryPauseStep", startTime: s.now.toISOString() };
    s.pauseConditions.push(pc);
    const how = durationMs !== undefined ? `pausing for ${durationMs / 1000}s` : "paused until promoted";
    event(s, "Normal", "RolloutPaused", `${stepLabel(s)}: ${how}`);
  }
  if (durationMs === undefined) {
    s.paused = true;
    return wait("paused until promoted (annotate kestrel.dev/promote=step)");
  }
  const left = Date.parse(pc.startTime) + durationMs - s.now.getTime();
  if (left > 0) {
    s.paused = true;
    requeueIn(s, left);
    return wait(`paused ${Math.ceil(left / 1000)}s more`);
  }
  s.pauseConditions = s.pauseConditions.filter((p) => p !== pc);
  return advance;
}

/** analysis: starts its run once, passes when it is Successful, pauses when it is Inconclusive. */
function analysisStep(s: PlanState, analysis: NonNullable<CanaryStep["analysis"]>): StepOutcome {
  const name = stepRunName(s, s.stepIndex);
  const run = s.runs.get(name);
  if (!run) {
    const hashes = { stable: s.stableHash, latest: s.hash };
    s.actions.push({
      kind: "createAnalysisRun",
      run: buildRun(s.ro, name, "step", analysis, s.templates, hashes),
    });
    event(s, "Normal", "AnalysisRunStarted", `${stepLabel(s)}: started analysis ${name}`);
    return wait(`analysis ${name} started`);
  }
  const phase = run.status?.phase ?? "Pending";
  if (phase === "Successful") {
    event(s, "Normal", "StepCompleted", `${stepLabel(s)}: analysis ${name} passed`);
    return advance;
  }
  if (phase === "Inconclusive") {
    const why = run.status?.message ?? "no verdict";
    holdForInconclusive(s, `${name}: ${why}; paused until promoted`);
    return wait(`analysis ${name} inconclusive (${why}), paused until promoted`);
  }
  return wait(`analysis ${name} ${phase.toLowerCase()}`);
}

/** An undecided analysis pauses the Rollout until a person promotes (accepting it) or aborts. */
export function holdForInconclusive(s: PlanState, eventMessage: string): void {
  if (!s.pauseConditions.some((p) => p.reason === "InconclusiveAnalysis")) {
    s.pauseConditions.push({ reason: "InconclusiveAnalysis", startTime: s.now.toISOString() });
    event(s, "Warning", "AnalysisInconclusive", eventMessage);
  }
  s.paused = true;
}

/** setWeight: done once the split has converged and the canary pods are available. */
function weightStep(s: PlanState, step: CanaryStep): StepOutcome {
  if (s.routing) {
    const routed = routedStepDone(s);
    if (!routed.done) return wait(routed.waitingFor);
    event(s, "Normal", "StepCompleted", `${stepLabel(s)}: weight ${step.setWeight ?? 0} reached`);
    return advance;
  }
  const current = currentSplit(s);
  const target = splitFor(s.steps, s.stepIndex, s.replicas, s.limits);
  const next = nextSplit(s.replicas, target, current, s.limits);
  const converged =
    next.canary === target.canary &&
    next.stable === target.stable &&
    current.canaryReplicas === target.canary &&
    current.stableReplicas === target.stable &&
    current.canaryAvailable >= target.canary;
  if (converged) {
    event(s, "Normal", "StepCompleted", `${stepLabel(s)}: weight ${step.setWeight ?? 0} reached`);
    return advance;
  }
  return wait(
    `waiting for ${target.canary} canary / ${target.stable} stable (${current.canaryAvailable} canary available)`,
  );
}

/** The split a setWeight (or setCanaryScale) in force at `index` asks for. */
export function splitFor(
  steps: readonly CanaryStep[],
  index: number,
  replicas: number,
  limits: SurgeLimits,
): SplitTarget {
  const split = weightTarget(replicas, weightAt(steps, index), limits.maxSurge);
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
export function weightAt(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) return w;
  }
  return 0;
}
