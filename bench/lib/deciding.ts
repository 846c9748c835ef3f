import type * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../../controller/api/analysis.js";

/**
 * The finishedAt of the measurement that decided a Rollout's failed analysis: the one that made
 * the failed count exceed failureLimit (the (failureLimit + 1)th Failed measurement), read from
 * the Rollout's Failed AnalysisRun. Every rollback benchmark starts its clock there.
 */
export async function decidingMeasurement(
  custom: k8s.CustomObjectsApi,
  namespace: string,
  rollout: string,
  failureLimit: number,
  /** Only a run created at or after this time (ms; a second of clock skew allowed): a repeated bench's latest. */
  since = 0,
): Promise<string> {
  const runs = (await custom.listNamespacedCustomObject({
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "analysisruns",
    namespace,
    labelSelector: `kestrel.dev/rollout=${rollout}`,
  })) as { items: AnalysisRun[] };
  const run = runs.items.find(
    (r) =>
      r.status?.phase === "Failed" && Date.parse(String(r.metadata?.creationTimestamp ?? "")) >= since - 1000,
  );
  const failed = (run?.status?.metricResults?.[0]?.measurements ?? [])
    .filter((m) => m.phase === "Failed" && m.finishedAt)
    .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!));
  const decisive = failed[failureLimit];
  if (!decisive?.finishedAt)
    throw new Error(
      `${rollout}: no Failed AnalysisRun with ${failureLimit + 1} failed measurements (${JSON.stringify(run?.status)})`,
    );
  return decisive.finishedAt;
}
