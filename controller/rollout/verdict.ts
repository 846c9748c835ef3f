import type { Plan } from "./actions.js";
import { revisionOf, undoTarget } from "./revisions.js";
import {
  backgroundRunName,
  event,
  isCanary,
  postPromotionRunName,
  prePromotionRunName,
  stepRunName,
  type PlanState,
} from "./state.js";
import { planUndo } from "./undo.js";

/**
 * The analysis verdict: a Failed or Error run deciding this canary aborts it at once, or undoes
 * per strategy.canary.onFailure (the returned plan replaces the rest of the pass). An undo to a
 * revision that does not exist falls back to the safe default, abort.
 */
export function analysisVerdict(s: PlanState): Plan | undefined {
  const deciding = [
    s.runs.get(backgroundRunName(s)),
    s.steps[s.stepIndex]?.analysis ? s.runs.get(stepRunName(s, s.stepIndex)) : undefined,
    // Blue-green: before promotion (activeService untouched) and after it (switched back).
    s.runs.get(prePromotionRunName(s)),
    s.runs.get(postPromotionRunName(s)),
  ];
  const failing = deciding.find((r) => r?.status?.phase === "Failed" || r?.status?.phase === "Error");
  if (!failing || s.abort || !isCanary(s)) return undefined;
  const verdict = `analysis run ${failing.metadata.name} ${failing.status?.phase}: ${failing.status?.message ?? ""}`;
  event(s, "Warning", "AnalysisFailed", verdict);
  const onFailure = s.spec.strategy.canary?.onFailure ?? s.spec.strategy.blueGreen?.onFailure;
  const stable = s.byHash.get(s.stableHash ?? "");
  const undoTo = onFailure?.toRevision ?? (stable ? revisionOf(stable) : 0);
  if (onFailure?.action === "undo" && !("error" in undoTarget(s.replicaSets, undoTo, s.hash))) {
    return planUndo(s.ro, s.replicaSets, s.hash, s.actions, undoTo, false, s.configSources);
  }
  s.abort = true;
  s.abortedAt = s.now.toISOString();
  s.abortReason = `aborted by analysis: ${verdict}`;
  event(
    s,
    "Warning",
    "RolloutAborted",
    s.spec.strategy.blueGreen
      ? `${s.abortReason}; activeService back on the stable revision, the new ReplicaSet scaled down after abortScaleDownDelaySeconds`
      : `${s.abortReason}; scaling the stable ReplicaSet back to full and the canary to 0`,
  );
  return undefined;
}
