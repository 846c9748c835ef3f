/**
 * What `kubectl kestrel get` shows under a Rollout, as data (drawn by present.ts's drawTree):
 * its ReplicaSets newest first, each with its pods and the AnalysisRuns of its revision.
 * Pure, so the shape is table-tested (test/unit/cli/tree.test.ts).
 */
import type * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { StoredRollout } from "../api/rollout.js";
import { podTemplateHashLabel } from "../rollout/labels.js";
import { revisionOf } from "../rollout/revisions.js";
import { roundForPeople, type TreeNode } from "./present.js";

export function rolloutTree(
  r: StoredRollout,
  replicaSets: readonly k8s.V1ReplicaSet[],
  pods: readonly k8s.V1Pod[],
  runs: readonly AnalysisRun[],
): TreeNode[] {
  return [...replicaSets]
    .sort((a, b) => revisionOf(b) - revisionOf(a))
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel];
      const role = roleOf(r, hash);
      const podNodes = pods
        .filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === rs.metadata?.uid))
        .map((p) => ({ label: `pod ${p.metadata?.name} ${p.status?.phase ?? ""}` }));
      const runNodes = runs
        .filter((x) => x.metadata.labels?.[podTemplateHashLabel] === hash)
        .map((run) => ({ label: runLabel(run) }));
      return {
        label: `revision ${revisionOf(rs)} ReplicaSet ${rs.metadata?.name} (${role}) ${rs.status?.availableReplicas ?? 0}/${rs.spec?.replicas ?? 0} available`,
        children: [...podNodes, ...runNodes],
      };
    });
}

/** The run's phase and each metric's latest measurement, rounded for reading. */
function runLabel(run: AnalysisRun): string {
  const values = run.status?.metricResults
    ?.map((m) => `${m.name}=${roundForPeople(m.measurements?.at(-1)?.value ?? "-")}`)
    .join(" ");
  return `AnalysisRun ${run.metadata.name} ${run.status?.phase ?? "Pending"} ${values ?? ""}`.trimEnd();
}

/**
 * A revision's role as `get` shows it: blue-green's active and preview (what status says the
 * Services select), the canary's stable and canary; "stable" is added to active when it is both.
 */
export function roleOf(r: StoredRollout, hash: string | undefined): string {
  const bg = r.status?.blueGreen;
  if (r.spec.strategy?.blueGreen && hash !== undefined) {
    const roles = [
      hash === bg?.activeSelector ? "active" : "",
      hash === bg?.previewSelector && hash !== bg?.activeSelector ? "preview" : "",
      hash === r.status?.stableRS ? "stable" : "",
    ].filter(Boolean);
    return roles.length > 0 ? roles.join(", ") : "old";
  }
  return hash === r.status?.stableRS ? "stable" : hash === r.status?.currentPodHash ? "canary" : "old";
}
