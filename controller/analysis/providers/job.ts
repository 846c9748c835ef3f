import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../../api/analysis.js";
import type { MeasureContext, MeasurementOutcome, MeasurementPending, MetricProvider } from "../provider.js";
import { jobManifest, runUidLabel } from "./job-manifest.js";
import { classifyJob, jobEnded } from "./job-result.js";

/** The API clients the Job provider uses (Jobs in the run's namespace, and their pods). */
export interface JobClients {
  batch: k8s.BatchV1Api;
  core: k8s.CoreV1Api;
}

const status = (err: unknown): number | undefined => (err instanceof k8s.ApiException ? err.code : undefined);

/** The API server's own words for a refused request (the Status object's message). */
function apiMessage(err: unknown): string {
  if (!(err instanceof k8s.ApiException)) return err instanceof Error ? err.message : String(err);
  try {
    const body = (typeof err.body === "string" ? JSON.parse(err.body) : err.body) as { message?: string };
    if (body?.message) return `HTTP ${err.code}: ${body.message}`;
  } catch {
    // Not a Status object: the raw body below.
  }
  return `HTTP ${err.code}: ${String(err.body).slice(0, 300)}`;
}

async function readJob(c: JobClients, namespace: string, name: string): Promise<k8s.V1Job | undefined> {
  try {
    return await c.batch.readNamespacedJob({ namespace, name });
  } catch (err) {
    if (status(err) === 404) return undefined;
    throw err;
  }
}

/** The measurement's Job: the one already there (started before a restart), or a new one. */
async function findOrCreate(c: JobClients, ctx: MeasureContext): Promise<k8s.V1Job | MeasurementOutcome> {
  const job = jobManifest(ctx.run, ctx.metric.name, ctx.scheduledAt, ctx.metric.provider.job!);
  const { namespace = "", name = "" } = job.metadata!;
  const found = await readJob(c, namespace, name);
  if (found) return found;
  const end = ctx.timer();
  try {
    return await c.batch.createNamespacedJob({ namespace, body: job });
  } catch (err) {
    // Created by another pass that has not yet seen its own write: adopt it.
    if (status(err) === 409)
      return (
        (await readJob(c, namespace, name)) ?? {
          phase: "Error",
          message: `Job ${name} already existed but was gone when read again (being deleted?)`,
        }
      );
    return { phase: "Error", message: `Job ${name} not created: ${apiMessage(err)}` };
  } finally {
    end();
  }
}

/** The pods of an ended Job, whose container states say how it ended. */
async function podsOf(c: JobClients, job: k8s.V1Job): Promise<k8s.V1Pod[]> {
  const labels = job.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  if (!labelSelector) return [];
  const pods = await c.core.listNamespacedPod({ namespace: job.metadata?.namespace ?? "", labelSelector });
  return pods.items;
}

/** The Job provider: one Job per measurement; Successful when it completes, Failed when it fails. */
export function jobProvider(c: JobClients): MetricProvider {
  return {
    name: "job",
    async measure(ctx: MeasureContext): Promise<MeasurementOutcome | MeasurementPending> {
      if (!ctx.metric.provider.job) return { phase: "Error", message: "the metric has no job provider" };
      const job = await findOrCreate(c, ctx);
      if ("phase" in job) return job;
      const owner = job.metadata?.labels?.[runUidLabel];
      if (owner !== ctx.run.metadata.uid)
        return {
          phase: "Error",
          message: `Job ${job.metadata?.name} exists and belongs to another AnalysisRun (uid ${owner ?? "none"}); delete it`,
        };
      // Pods are read only once the Job has ended: a running Job costs one read per look.
      if (!jobEnded(job)) return classifyJob(job, []);
      return classifyJob(job, await podsOf(c, job));
    },
    async release(run: AnalysisRun): Promise<void> {
      const namespace = run.metadata.namespace ?? "";
      const jobs = await c.batch.listNamespacedJob({
        namespace,
        labelSelector: `${runUidLabel}=${run.metadata.uid ?? ""}`,
      });
      for (const job of jobs.items.filter((j) => !jobEnded(j))) {
        try {
          await c.batch.deleteNamespacedJob({
            namespace,
            name: job.metadata?.name ?? "",
            propagationPolicy: "Background",
          });
        } catch (err) {
          if (status(err) !== 404) throw err;
        }
      }
    },
  };
}
