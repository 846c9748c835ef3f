import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun, AnalysisTemplate } from "../api/analysis.js";
import { group, version } from "../api/common.js";
import type { RolloutStatus, StoredRollout } from "../api/rollout.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Action } from "../rollout/actions.js";
import { applyOrder, isSpecRewrite } from "../rollout/apply-order.js";
import { groupAnnotation, podTemplateHashLabel } from "../rollout/labels.js";
import { pacePlan } from "../rollout/status-pace.js";
import {
  namedServices,
  planRefusedTemplate,
  planRollout,
  restartDue,
  type PlanInput,
} from "../rollout/plan.js";
import type { ConfigSnapshotter } from "./config-snapshots.js";
import type { EventRecorder } from "./events.js";
import type { KindCache, WatchedKind } from "./informers.js";
import { applyAction, ignoreNotFound, type RolloutObject } from "./rollout-actions.js";
import { readRoutes } from "./route-writer.js";
import type { ReconcileResult } from "./runner.js";
import { writeStatus } from "./status-writer.js";
import { WrittenAhead } from "./written-ahead.js";

export const rolloutKinds = {
  rollouts: {
    name: "rollouts",
    group,
    version,
    plural: "rollouts",
    namespaced: true,
  },
  // Only ReplicaSets a Rollout made carry this label: the cache never holds every Deployment's.
  // spec.workloadRef's Deployments: read for their template, so every Deployment of a watched namespace.
  deployments: {
    name: "deployments",
    group: "apps",
    version: "v1",
    plural: "deployments",
    namespaced: true,
  },
  replicaSets: {
    name: "replicasets",
    group: "apps",
    version: "v1",
    plural: "replicasets",
    namespaced: true,
    labelSelector: podTemplateHashLabel,
  },
} satisfies Record<string, WatchedKind>;

export interface RolloutCaches {
  rollouts: KindCache<StoredRollout & k8s.KubernetesObject>;
  deployments: KindCache<k8s.V1Deployment>;
  replicaSets: KindCache<k8s.V1ReplicaSet>;
  analysisRuns: KindCache<AnalysisRun & k8s.KubernetesObject>;
  analysisTemplates: KindCache<AnalysisTemplate & k8s.KubernetesObject>;
  clusterAnalysisTemplates: KindCache<AnalysisTemplate & k8s.KubernetesObject>;
}

export interface RolloutReconcilerDeps {
  caches: RolloutCaches;
  custom: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  events: EventRecorder;
  log: Logger;
  metrics: Metrics;
  /** Asked before every write: false once this replica may no longer act (lost lease, shutdown). */
  canAct: () => boolean;
  /** spec.configSnapshots: reads sources and makes the copies. */
  config?: ConfigSnapshotter;
  /** Whether a RolloutGroup exists (a member of a deleted group is not held). */
  groupExists?: (name: string, namespace: string) => boolean;
  /**
   * Other people's changes waiting for a worker (Runner.urgentWaiting). While there are any, a pass
   * that creates a new ReplicaSet ends with the create (applyOrder's yieldAfterCreate).
   */
  othersWaiting?: () => number;
}

export { jsonPatch, rolloutPatch } from "./rollout-actions.js";

/**
 * Why the API server refused to create a ReplicaSet, when the fault is in the Rollout's pod
 * template (400 or 422: invalid container name, missing image, bad label value...); undefined for
 * any other failure (unreachable, forbidden, conflict), which is retried.
 */
export function templateRefusal(err: unknown): string | undefined {
  if (!(err instanceof k8s.ApiException) || (err.code !== 422 && err.code !== 400)) return undefined;
  let message = String(err.body);
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // not a Status object: keep the body as it is
  }
  return `the API server refuses its ReplicaSet: ${message.replace(/^ReplicaSet(\.apps)? "[^"]*" is invalid: /, "")}`;
}

/** The imperative shell around planRollout: read caches, plan, apply actions, write status last. */
export class RolloutReconciler {
  /** Our own writes of each Rollout until the watch shows them (written-ahead.ts). */
  private readonly writtenAhead = new WrittenAhead<RolloutObject>();

  constructor(private readonly d: RolloutReconcilerDeps) {}

  /**
   * The pods of these ReplicaSets, listed from the API server. Only a pending spec.restartAt needs
   * them, so they are read then, not cached: a cache of every pod would be the controller's
   * largest memory cost and a stream of status updates to decode, for a rare operation.
   */
  private async podsOf(namespace: string, replicaSets: readonly k8s.V1ReplicaSet[]): Promise<k8s.V1Pod[]> {
    const hashes = replicaSets.map((rs) => rs.metadata?.labels?.[podTemplateHashLabel]).filter(Boolean);
    if (hashes.length === 0) return [];
    const uids = new Set(replicaSets.map((rs) => rs.metadata?.uid));
    const list = await this.d.core.listNamespacedPod({
      namespace,
      labelSelector: `${podTemplateHashLabel} in (${hashes.join(",")})`,
    });
    return list.items.filter((p) =>
      p.metadata?.ownerReferences?.some((o) => o.controller && uids.has(o.uid)),
    );
  }

  /**
   * The Services the Rollout names, read from the API server on each pass (only Rollouts that name
   * one pay for it); a missing one is left out, and the planner reports it by name.
   */
  private async servicesOf(ro: RolloutObject): Promise<Map<string, k8s.V1Service>> {
    const namespace = ro.metadata?.namespace ?? "";
    const found = new Map<string, k8s.V1Service>();
    for (const { name } of namedServices(ro)) {
      const svc = await this.d.core.readNamespacedService({ name, namespace }).catch((err: unknown) => {
        ignoreNotFound(err);
        return undefined;
      });
      if (svc) found.set(name, svc);
    }
    return found;
  }

  /** What the planner sees: the caches, plus the reads only some passes need. */
  private async inputOf(ro: RolloutObject, now: Date): Promise<PlanInput> {
    const namespace = ro.metadata?.namespace ?? "";
    const uid = ro.metadata?.uid;
    const live = (o: k8s.KubernetesObject): boolean => !o.metadata?.deletionTimestamp;
    const { analysisRuns, analysisTemplates, clusterAnalysisTemplates } = this.d.caches;
    const replicaSets = this.d.caches.replicaSets.ownedBy(uid).filter(live);
    const group = ro.metadata?.annotations?.[groupAnnotation];
    return {
      groupExists: group === undefined || (this.d.groupExists?.(group, namespace) ?? true),
      rollout: ro,
      workload: this.workloadOf(ro),
      replicaSets,
      analysisRuns: analysisRuns.ownedBy(uid).filter(live),
      pods: restartDue(ro, now) ? await this.podsOf(namespace, replicaSets) : [],
      services: await this.servicesOf(ro),
      routes: await readRoutes(this.d.custom, ro),
      configSources: ro.spec.configSnapshots ? await this.d.config?.sources(ro) : undefined,
      configPinnedGone: ro.spec.configSnapshots ? await this.d.config?.pinnedGone(ro) : undefined,
      templates: {
        namespaced: new Map(analysisTemplates.list(namespace).map((t) => [t.metadata?.name ?? "", t.spec])),
        cluster: new Map(clusterAnalysisTemplates.list().map((t) => [t.metadata?.name ?? "", t.spec])),
      },
      now,
    };
  }

  /** The Deployment spec.workloadRef names, from the cache; undefined without one or when it is missing. */
  private workloadOf(ro: RolloutObject): k8s.V1Deployment | undefined {
    const name = ro.spec.workloadRef?.name;
    return name ? this.d.caches.deployments.get(name, ro.metadata?.namespace ?? "") : undefined;
  }

  private apply(ro: RolloutObject, action: Action, log: Logger): Promise<RolloutObject | undefined> {
    const { apps, core, custom, events } = this.d;
    const namespace = ro.metadata?.namespace ?? "";
    const workload = this.workloadOf(ro);
    const config = this.d.config;
    return applyAction({ apps, core, custom, events, ro, namespace, log, workload, config }, action);
  }

  private mayAct(what = "no further actions"): void {
    if (!this.d.canAct()) throw new Error(`not the leader: ${what}`);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const ro = this.writtenAhead.read(key, this.d.caches.rollouts.get(name, namespace));
    if (!ro || ro.metadata?.deletionTimestamp) return {}; // its ReplicaSets go with it (owner references)
    const now = new Date();
    // A status that only reports may wait for the pace (controller/rollout/status-pace.ts).
    const plan = pacePlan(ro.status, planRollout(await this.inputOf(ro, now)), now);
    const log = this.d.log.child({ namespace, rollout: name, revision: plan.status?.currentPodHash });

    // Config snapshots: the current revision's copies exist (level-based: a crash after creating its
    // ReplicaSet, or a copy deleted by hand, is repaired here; from the caches, no write when in place).
    const snap = plan.configSnapshots;
    const snapRS = snap && this.d.caches.replicaSets.get(snap.replicaSet, namespace);
    if (snap && snapRS && this.d.canAct()) await this.d.config?.ensure(ro, snapRS, snap.snapshots, log);
    // Order matters for crash safety; the core defines it once (controller/rollout/apply-order.ts):
    // other objects first, then the status (or an undo's spec rewrite), then the Events that announce
    // the decision it recorded, then the removal of trigger annotations, conditional on the status
    // write's resourceVersion. A pass that meets a 409 is planned again from the newer object.
    const waiting = this.d.othersWaiting?.() ?? 0;
    const full = applyOrder(plan);
    const steps = waiting > 0 ? applyOrder(plan, { yieldAfterCreate: true }) : full;
    if (steps.length < full.length)
      log.debug("yielding after the new ReplicaSet's create; the status follows in the next pass", {
        othersWaiting: waiting,
      });
    let current = ro;
    for (const step of steps) {
      if (step.kind === "writeStatus") {
        const written = await this.writePlannedStatus(ro, step.status, log);
        if (written) this.writtenAhead.record(key, current, written);
        current = written ?? current;
      } else if (step.kind === "event") await this.apply(ro, step, log);
      else if (step.kind === "updateRollout") {
        this.mayAct();
        const updated = await this.apply(current, step, log);
        if (updated) this.writtenAhead.record(key, current, updated);
        else this.writtenAhead.forget(key);
        current = updated ?? current;
      } else if (!(await this.applyObject(ro, step, now, log))) return {};
    }
    if (plan.actions.some(isSpecRewrite)) return {};
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /**
   * One action on another object. False when the API server refused the new ReplicaSet's
   * template: the Rollout is then marked InvalidSpec and this pass ends.
   */
  private async applyObject(ro: RolloutObject, action: Action, now: Date, log: Logger): Promise<boolean> {
    this.mayAct();
    try {
      await this.apply(ro, action, log);
      return true;
    } catch (err) {
      const refusal = action.kind === "createReplicaSet" ? templateRefusal(err) : undefined;
      if (refusal === undefined) throw err;
      const invalid = planRefusedTemplate(ro, refusal, now);
      await writeStatus(this.d.custom, rolloutKinds.rollouts, ro, invalid.status);
      for (const a of invalid.actions) await this.apply(ro, a, log);
      return false;
    }
  }

  /** Writes the planned status; returns the Rollout as written, if it was. */
  private async writePlannedStatus(
    ro: RolloutObject,
    status: RolloutStatus,
    log: Logger,
  ): Promise<RolloutObject | undefined> {
    this.mayAct("no status write");
    const written = await writeStatus(this.d.custom, rolloutKinds.rollouts, ro, status);
    if (!written) return undefined;
    if (status.phase !== ro.status?.phase) {
      const detail = status.message;
      log.info("phase changed", { from: ro.status?.phase ?? "none", to: status.phase, detail });
    }
    return written as RolloutObject;
  }
}
