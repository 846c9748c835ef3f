import type * as k8s from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import type { AnalysisRun, AnalysisRunStatus, Metric } from "../api/analysis.js";
import { openGuard, type AddressGuard } from "../analysis/address-guard.js";
import {
  providerOf,
  type MeasurementOutcome,
  type MeasurementPending,
  type ProviderRegistry,
} from "../analysis/provider.js";
import { providers as defaultProviders } from "../analysis/providers/registry.js";
import { redact } from "../analysis/redact.js";
import { resolveRunSpec } from "../analysis/resolve.js";
import { nextLookMs, planRun, recordMeasurement, type RunPlan } from "../analysis/run.js";
import { isTerminalPhase } from "../api/phases.js";
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
  /** The metric providers by field name (default: all the controller has). */
  providers?: ProviderRegistry;
  /** Which provider addresses may be called (default: only the fixed refusals). */
  addresses?: AddressGuard;
  /** Told of every status this reconciler wrote, with the run it was written over. */
  written?: (before: AnalysisRun & k8s.KubernetesObject, written: AnalysisRun & k8s.KubernetesObject) => void;
}

/** Takes the measurements that are due, counts them with the pure run planner, writes status last. */
export class AnalysisReconciler {
  constructor(private readonly d: AnalysisReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const cached = this.d.runs.get(name, namespace);
    if (!cached || cached.metadata?.deletionTimestamp) {
      // Deleted, or not in the cache yet: its add event queues it again.
      this.d.log.debug("analysis run not in the cache or being deleted; nothing to do", { namespace, name });
      return {};
    }
    const log = this.d.log.child({
      namespace,
      analysisRun: name,
      rollout: cached.metadata?.labels?.["kestrel.dev/rollout"],
    });
    const run = await this.storeResolvedSpec(cached, log);
    const { status, inProgress } = await this.measureDue(run, planRun(run, new Date()), log);
    if (!this.d.canAct()) throw new Error("not the leader: no status write");
    if (isTerminalPhase(status.phase) && !isTerminalPhase(run.status?.phase)) await this.release(run, log);
    const written = await writeStatus(this.d.custom, analysisKinds.analysisRuns, run, status);
    if (written) this.d.written?.(run, written as AnalysisRun & k8s.KubernetesObject);
    if (status.phase !== run.status?.phase)
      log.info("analysis run phase changed", {
        from: run.status?.phase ?? "none",
        to: status.phase,
        detail: status.message,
      });
    const after = nextLookMs(planRun({ ...run, status }, new Date()), inProgress);
    return after === undefined ? {} : { requeueAfterMs: after };
  }

  /**
   * Takes the measurements the plan says are due and records those that ended in the status; a
   * measurement still running (a Job) is left out, with when to look at it again.
   */
  private async measureDue(
    run: AnalysisRun,
    plan: RunPlan,
    log: Logger,
  ): Promise<{ status: AnalysisRunStatus; inProgress: Map<string, number> }> {
    let status: AnalysisRunStatus = plan.status;
    // Metrics due together are measured together: a slow provider delays none of the others.
    const results = await Promise.all(
      plan.due.map(async ({ metric, scheduledAt }) => {
        const startedAt = new Date().toISOString();
        const { provider, outcome } = await this.measureMetric(run, metric, scheduledAt);
        return {
          metric,
          provider,
          outcome,
          times: { scheduledAt, startedAt, finishedAt: new Date().toISOString() },
        };
      }),
    );
    // A measurement still running (a Job) is not recorded: its slot stays due until it ends.
    const inProgress = new Map<string, number>();
    for (const { metric, provider, outcome, times } of results) {
      if (outcome.phase === "Running") {
        inProgress.set(metric.name, outcome.checkAgainMs);
        log.debug("measurement running", { metric: metric.name, detail: outcome.message });
        continue;
      }
      status = recordMeasurement(run, status, metric.name, outcome, times);
      this.d.metrics.analysisMeasurements.inc({ provider, phase: outcome.phase });
      log.info("measured", {
        metric: metric.name,
        phase: outcome.phase,
        value: outcome.value,
        detail: outcome.message,
      });
    }
    return { status, inProgress };
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
    if (isTerminalPhase(run.status?.phase)) return run;
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

  /**
   * Stops what the providers still run for a run that has just ended (a Job's pods), before the
   * ended status is written: if that write is lost, the next pass ends the run and releases again.
   */
  private async release(run: AnalysisRun, log: Logger): Promise<void> {
    const registry = this.d.providers ?? defaultProviders;
    const used = new Set(
      run.spec.metrics.flatMap((m) => {
        const found = providerOf(m, registry);
        return "provider" in found && found.provider.release ? [found.provider] : [];
      }),
    );
    for (const provider of used) {
      await provider.release!(run);
      log.info("released what the ended run still ran", { provider: provider.name });
    }
  }

  /**
   * Asks the metric's provider for one measurement. Secret values read for it are kept in memory
   * and masked in whatever the outcome says, so they reach no status, Event or log line.
   */
  private async measureMetric(
    run: AnalysisRun & k8s.KubernetesObject,
    metric: Metric,
    scheduledAt: string,
  ): Promise<{ provider: string; outcome: MeasurementOutcome | MeasurementPending }> {
    const found = providerOf(metric, this.d.providers ?? defaultProviders);
    if ("error" in found) return { provider: "none", outcome: { phase: "Error", message: found.error } };
    const { provider } = found;
    const namespace = run.metadata?.namespace ?? "";
    const secrets: string[] = [];
    const secret = async (name: string, key: string): Promise<string> => {
      const value = await this.secret(namespace, name, key);
      secrets.push(value);
      return value;
    };
    let outcome: MeasurementOutcome | MeasurementPending;
    try {
      const args: Record<string, string | undefined> = {};
      for (const a of run.spec.args ?? []) {
        const ref = a.valueFrom?.secretKeyRef;
        args[a.name] = ref ? await secret(ref.name, ref.key) : a.value;
      }
      outcome = await provider.measure({
        run,
        metric,
        scheduledAt,
        args,
        secret,
        addresses: this.d.addresses ?? openGuard,
        timer: () => this.d.metrics.providerSeconds.startTimer({ provider: provider.name }),
      });
    } catch (err) {
      outcome = { phase: "Error", message: describe(err) };
    }
    return { provider: provider.name, outcome: redact(outcome, secrets) };
  }

  private async secret(namespace: string, name: string, key: string): Promise<string> {
    const s = await this.d.core.readNamespacedSecret({ name, namespace });
    const data = s.data?.[key];
    if (data === undefined) throw new Error(`Secret ${namespace}/${name} has no key "${key}"`);
    return Buffer.from(data, "base64").toString("utf8");
  }
}
