import type { V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import { changeCauseAnnotation, completedAnnotation, podTemplateHashLabel } from "../rollout/labels.js";
import { revisionOf } from "../rollout/revisions.js";

/** One revision as `kubectl kestrel history` shows it: a rollback target and how it fared. */
export interface HistoryRow {
  revision: number;
  podTemplateHash: string;
  images: string[];
  changeCause: string;
  created: string;
  /** completed, aborted (with the analysis verdict when analysis decided), current or never completed. */
  outcome: string;
  /** Completed and no analysis of it failed: a safe target for undo --to-last-good. */
  good: boolean;
}

export function historyRows(
  replicaSets: readonly V1ReplicaSet[],
  runs: readonly AnalysisRun[],
  currentHash?: string,
): HistoryRow[] {
  return replicaSets
    .filter((rs) => revisionOf(rs) > 0)
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? "";
      const mine = runs.filter((r) => r.metadata.labels?.[podTemplateHashLabel] === hash);
      const failed = mine.find((r) => r.status?.phase === "Failed" || r.status?.phase === "Error");
      const completed = rs.metadata?.annotations?.[completedAnnotation] === "true";
      let outcome = completed ? "completed" : hash === currentHash ? "in progress" : "never completed";
      if (failed) outcome = `aborted: ${failed.status?.message ?? failed.status?.phase}`;
      if (completed && mine.some((r) => r.status?.phase === "Successful"))
        outcome = "completed, analysis passed";
      return {
        revision: revisionOf(rs),
        podTemplateHash: hash,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
        changeCause: rs.metadata?.annotations?.[changeCauseAnnotation] ?? "",
        created: String(
          rs.metadata?.creationTimestamp instanceof Date
            ? rs.metadata.creationTimestamp.toISOString()
            : (rs.metadata?.creationTimestamp ?? ""),
        ),
        outcome,
        good: completed && !failed,
      };
    })
    .sort((a, b) => a.revision - b.revision);
}

/** The newest revision that completed with no failed analysis, other than the current one. */
export function lastGood(rows: readonly HistoryRow[], currentHash?: string): HistoryRow | undefined {
  return [...rows].reverse().find((r) => r.good && r.podTemplateHash !== currentHash);
}
