import type { AnalysisRun } from "../api/analysis.js";
import { isTerminalPhase } from "../api/phases.js";
import {
  backgroundRunName,
  postPromotionRunName,
  prePromotionRunName,
  stepRunName,
  type PlanState,
} from "./state.js";

const isTerminal = (r: AnalysisRun): boolean => isTerminalPhase(r.status?.phase);

/** The runs that decide the canary now; none once it is promoted or aborted. */
function decidingRuns(s: PlanState): Set<string> {
  if (s.stableHash === s.hash || s.abort) return new Set();
  return new Set([
    backgroundRunName(s),
    stepRunName(s, s.stepIndex),
    prePromotionRunName(s),
    postPromotionRunName(s),
  ]);
}

/**
 * Runs that no longer decide anything are stopped (the rollout finished, aborted or moved on);
 * finished runs beyond the history limits go, oldest first; the runs deciding now stay.
 */
export function retireRuns(s: PlanState): void {
  const deciding = decidingRuns(s);
  for (const run of s.analysisRuns) {
    if (isTerminal(run) || run.spec.terminate || deciding.has(run.metadata.name ?? "")) continue;
    s.actions.push({ kind: "terminateAnalysisRun", name: run.metadata.name ?? "" });
  }
  const finished = s.analysisRuns
    .filter((r) => isTerminal(r) && !deciding.has(r.metadata.name ?? ""))
    .sort((a, b) =>
      String(b.metadata.creationTimestamp ?? "").localeCompare(String(a.metadata.creationTimestamp ?? "")),
    );
  const keepOk = s.spec.analysis?.successfulRunHistoryLimit ?? 5;
  const keepBad = s.spec.analysis?.unsuccessfulRunHistoryLimit ?? 5;
  const successful = finished.filter((r) => r.status?.phase === "Successful");
  const unsuccessful = finished.filter((r) => r.status?.phase !== "Successful");
  for (const r of [...successful.slice(keepOk), ...unsuccessful.slice(keepBad)]) {
    s.actions.push({ kind: "deleteAnalysisRun", name: r.metadata.name ?? "" });
  }
}
