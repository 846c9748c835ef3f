import type { V1Job } from "@kubernetes/client-node";
import crypto from "node:crypto";
import type { AnalysisRun, JobProvider } from "../../api/analysis.js";

/**
 * The Job one measurement runs, derived only from the run, the metric and the measurement's slot:
 * the controller that finds the slot still due after a restart derives the same name, so it
 * adopts the Job it started instead of starting a second one.
 */

/** Links a Job to its AnalysisRun (names may be too long for a label value; a uid never is). */
export const runUidLabel = "kestrel.dev/analysis-run-uid";
export const runNameAnnotation = "kestrel.dev/analysis-run";
export const metricAnnotation = "kestrel.dev/metric";
export const slotAnnotation = "kestrel.dev/scheduled-at";

/** A Job's name is a label value of its pods (job-name), so it fits in 63 characters. */
const maxName = 63;

/** Lower-case letters, digits and dashes, no dash at either end (a DNS label's piece). */
function dnsPiece(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
}

/** `<run>-<metric>-<hash of run uid, metric and slot>`, at most 63 characters. */
export function jobName(run: AnalysisRun, metric: string, scheduledAt: string): string {
  const hash = crypto
    .createHash("sha256")
    .update(`${run.metadata.uid ?? run.metadata.name ?? ""}\0${metric}\0${Date.parse(scheduledAt)}`)
    .digest("hex")
    .slice(0, 10);
  const room = maxName - hash.length - 2;
  const metricPart = dnsPiece(metric, Math.floor(room / 3));
  const runPart = dnsPiece(run.metadata.name ?? "run", room - metricPart.length);
  return [runPart, metricPart, hash].filter(Boolean).join("-");
}

/** The Job for one measurement: the metric's Job, named, labelled and owned by the run. */
export function jobManifest(run: AnalysisRun, metric: string, scheduledAt: string, job: JobProvider): V1Job {
  const uid = run.metadata.uid ?? "";
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(run, metric, scheduledAt),
      namespace: run.metadata.namespace,
      labels: { ...job.metadata?.labels, [runUidLabel]: uid },
      annotations: {
        ...job.metadata?.annotations,
        [runNameAnnotation]: run.metadata.name ?? "",
        [metricAnnotation]: metric,
        [slotAnnotation]: scheduledAt,
      },
      // Garbage-collected with the run. No blockOwnerDeletion: that needs rights on the run's finalizers.
      ownerReferences: [
        {
          apiVersion: run.apiVersion ?? "kestrel.dev/v1alpha1",
          kind: run.kind ?? "AnalysisRun",
          name: run.metadata.name ?? "",
          uid,
          controller: true,
        },
      ],
    },
    spec: structuredClone(job.spec),
  };
}
