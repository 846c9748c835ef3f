import type * as k8s from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import type { AnalysisRun, AnalysisRunStatus, Metric } from "../api/analysis.js";
import { measure, type MeasurementOutcome } from "../analysis/measure.js";
import { queryPrometheus } from "../analysis/providers/prometheus.js";
import { resolveRunSpec } from "../analysis/resolve.js";
import { planRun, recordMeasurement, terminalPhases } from "../analysis/run.js";
import { substituteArgs, TemplateError } from "../analysis/template.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { describe } from "./informer.js";
import type { KindCache } from "./informers.js";
import type { ReconcileResult } from "./runner.js";
import { writeStatus } from "./status-writer.js";

export const analysisKinds = {
  analysisRuns: {
    name: "analysisruns",
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "analysisruns",
    namespaced: true,
  },
  analysisTemplates: {
    name: "analysistemplates",
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "analysistemplates",
    namespaced: true,
  },
  clusterAnalysisTemplates: {
    name: "clusteranalysistemplates",
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "clusteranalysistemplates",
    namespaced: false,
  },
} as const;

export interface AnalysisReconcilerDeps {
  runs: KindCache<AnalysisRun & k8s.KubernetesObject>;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
  log: Logger;
  metrics: Metrics;
  canAct: () => boolean;
}

/** Takes the measurements that are due, counts them with the pure run planner, writes status last. */
export class AnalysisReconciler {
  constructor(private readonly d: AnalysisReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const cached = this.d.runs.get(name, namespace);
    if (!cached || cached.metadata?.deletionTimestamp) return {};
    const log = this.d.log.child({
      namespace,
      analysisRun: name,
      rollout: cached.metadata?.labels?.["kestrel.dev/rollout"],
    });
    const run = await this.storeResolvedSpec(cached, log);
    const plan = planRun(run, new Date());
    let status: AnalysisRunStatus = plan.status;
    // Metrics due together are measured together: a slow provider delays none of the others.
    const results = await Promise.all(
      plan.due.map(async ({ metric, scheduledAt }) => {
        const startedAt = new Date().toISOString();
        const outcome = await this.measureMetric(run, metric);
        return { metric, outcome, times: { scheduledAt, startedAt, finishedAt: new Date().toISOString() } };
      }),
    );
    for (const { metric, outcome, times } of results) {
      status = recordMeasurement(run, status, metric.name, outcome, times);
      this.d.metrics.analysisMeasurements.inc({ provider: "prometheus", phase: outcome.phase });
      log.info("measured", {
        metric: metric.name,
        phase: outcome.phase,
        value: outcome.value,
        detail: outcome.message,
      });
    }
    if (!this.d.canAct()) throw new Error("not the leader: no status write");
    await writeStatus(this.d.custom, analysisKinds.analysisRuns, run, status);
    if (status.phase !== run.status?.phase)
      log.info("analysis run phase changed", {
        from: run.status?.phase ?? "none",
        to: status.phase,
        detail: status.message,
      });
    const next = planRun({ ...run, status }, new Date());
    return next.requeueAfterMs !== undefined ? { requeueAfterMs: next.requeueAfterMs } : {};
  }

  /**
   * Writes the run's arguments into its metrics once, before its first measurement, so the
   * stored spec says what is measured (as Argo's does). A spec that does not resolve is left as
   * it is: planRun ends that run Error, naming the metric, the field and the argument. The write
   * carries the resourceVersion we read (a conflict requeues).
   */
  private async storeResolvedSpec(
    run: AnalysisRun & k8s.KubernetesObject,
    log: Logger,
  ): Promise<AnalysisRun & k8s.KubernetesObject> {
    if (terminalPhases.has(run.status?.phase ?? "")) return run;
    const resolution = resolveRunSpec(run.spec);
    if (!resolution.ok || isDeepStrictEqual(resolution.spec, run.spec)) return run;
    if (!this.d.canAct()) throw new Error("not the leader: no spec write");
    const { namespace = "", name = "" } = run.metadata ?? {};
    const stored = (await this.d.custom.replaceNamespacedCustomObject({
      ...analysisKinds.analysisRuns,
      namespace,
      name,
      body: { ...structuredClone(run), spec: resolution.spec },
    })) as AnalysisRun & k8s.KubernetesObject;
    log.info("arguments resolved into the run's metrics");
    return stored;
  }

  private async measureMetric(
    run: AnalysisRun & k8s.KubernetesObject,
    metric: Metric,
  ): Promise<MeasurementOutcome> {
    const prom = metric.provider.prometheus;
    if (!prom) return { phase: "Error", message: "the metric has no provider" };
    const namespace = run.metadata?.namespace ?? "";
    try {
      const args: Record<string, string | undefined> = {};
      for (const a of run.spec.args ?? []) {
        args[a.name] = a.valueFrom?.secretKeyRef
          ? await this.secret(namespace, a.valueFrom.secretKeyRef.name, a.valueFrom.secretKeyRef.key)
          : a.value;
      }
      const query = substituteArgs(prom.query, args);
      const auth = prom.authentication;
      const bearerToken = auth?.bearerTokenSecret
        ? await this.secret(namespace, auth.bearerTokenSecret.name, auth.bearerTokenSecret.key)
        : undefined;
      const basic = auth?.basicAuthSecret;
      const basicAuth = basic
        ? {
            username: await this.secret(namespace, basic.name, basic.usernameKey ?? "username"),
            password: await this.secret(namespace, basic.name, basic.passwordKey ?? "password"),
          }
        : undefined;
      const end = this.d.metrics.providerSeconds.startTimer({ provider: "prometheus" });
      const outcome = await queryPrometheus({
        address: prom.address,
        query,
        timeoutSeconds: prom.timeout,
        insecure: prom.insecure,
        headers: Object.fromEntries((prom.headers ?? []).map((h) => [h.key, h.value])),
        bearerToken,
        basicAuth,
      });
      end();
      return measure(metric, outcome);
    } catch (err) {
      if (err instanceof TemplateError) return { phase: "Error", message: `query not sent: ${err.message}` };
      return { phase: "Error", message: describe(err) };
    }
  }

  private async secret(namespace: string, name: string, key: string): Promise<string> {
    const s = await this.d.core.readNamespacedSecret({ name, namespace });
    const data = s.data?.[key];
    if (data === undefined) throw new Error(`Secret ${namespace}/${name} has no key "${key}"`);
    return Buffer.from(data, "base64").toString("utf8");
  }
}
