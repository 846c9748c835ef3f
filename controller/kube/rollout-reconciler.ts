import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun, AnalysisTemplate } from "../api/analysis.js";
import { apiVersion, group, version } from "../api/common.js";
import type { Rollout } from "../api/rollout.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Action } from "../rollout/actions.js";
import { podTemplateHashLabel, revisionAnnotation } from "../rollout/labels.js";
import { planRefusedTemplate, planRollout, restartDue } from "../rollout/plan.js";
import type { ConfigSnapshotter } from "./config-snapshots.js";
import type { EventRecorder } from "./events.js";
import type { KindCache, WatchedKind } from "./informers.js";
import type { ReconcileResult } from "./runner.js";
import { writeStatus } from "./status-writer.js";

export const rolloutKinds = {
  rollouts: {
    name: "rollouts",
    group,
    version,
    plural: "rollouts",
    namespaced: true,
  },
  // Only ReplicaSets a Rollout made carry this label: the cache never holds every Deployment's.
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
  rollouts: KindCache<Rollout & k8s.KubernetesObject>;
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
}

const analysisRunKind = { group, version, plural: "analysisruns" };
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
export const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

/**
 * A JSON Patch, not a merge patch: an undo must *replace* spec.template (a merge would keep keys
 * the old revision lacks). Setting metadata.resourceVersion makes the write conditional: the API
 * server treats it as a precondition and answers 409 when the object changed since (a user's
 * newer edit, or our own write that the cache has not shown yet), which requeues quietly. A
 * `test` op would do the same check but fail as a 422, logged as if the request were invalid.
 */
export function rolloutPatch(
  ro: Rollout & k8s.KubernetesObject,
  action: Extract<Action, { kind: "updateRollout" }>,
): object[] {
  const ops: object[] = [
    { op: "replace", path: "/metadata/resourceVersion", value: ro.metadata?.resourceVersion },
  ];
  if (action.template) ops.push({ op: "replace", path: "/spec/template", value: action.template });
  if (action.clearRollbackTo && ro.spec.rollbackTo) ops.push({ op: "remove", path: "/spec/rollbackTo" });
  const existing = ro.metadata?.annotations;
  const entries = Object.entries(action.annotations ?? {});
  if (!existing && entries.some(([, v]) => v !== null))
    ops.push({ op: "add", path: "/metadata/annotations", value: {} });
  for (const [key, value] of entries) {
    const path = `/metadata/annotations/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (value === null) {
      if (existing && key in existing) ops.push({ op: "remove", path });
    } else ops.push({ op: "add", path, value });
  }
  return ops;
}

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

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const ro = this.d.caches.rollouts.get(name, namespace);
    if (!ro || ro.metadata?.deletionTimestamp) return {}; // its ReplicaSets go with it (owner references)
    const uid = ro.metadata?.uid;
    const live = (o: k8s.KubernetesObject): boolean => !o.metadata?.deletionTimestamp;
    const { analysisRuns, analysisTemplates, clusterAnalysisTemplates } = this.d.caches;
    const replicaSets = this.d.caches.replicaSets.ownedBy(uid).filter(live);
    const now = new Date();
    const plan = planRollout({
      rollout: ro,
      replicaSets,
      analysisRuns: analysisRuns.ownedBy(uid).filter(live),
      pods: restartDue(ro, now) ? await this.podsOf(namespace, replicaSets) : [],
      configSources: ro.spec.configSnapshots ? await this.d.config?.sources(ro) : undefined,
      templates: {
        namespaced: new Map(analysisTemplates.list(namespace).map((t) => [t.metadata?.name ?? "", t.spec])),
        cluster: new Map(clusterAnalysisTemplates.list().map((t) => [t.metadata?.name ?? "", t.spec])),
      },
      now,
    });
    const log = this.d.log.child({ namespace, rollout: name, revision: plan.status?.currentPodHash });

    // Order matters for crash safety: ReplicaSets first, then the status (which records handled
    // triggers), then the removal of trigger annotations, conditional on the status write's
    // resourceVersion. A spec rewrite (undo) is planned afresh on the next pass instead.
    // Events describe decisions, so they go out only once the write that records the decision
    // (the status, or the spec rewrite) has been accepted: a pass that meets a 409 is planned
    // again from the newer object and would otherwise announce the same decision twice.
    // Config snapshots: the current revision's copies exist (level-based: a crash after creating its
    // ReplicaSet, or a copy deleted by hand, is repaired here; from the caches, no write when in place).
    const snap = plan.configSnapshots;
    const snapRS = snap && replicaSets.find((rs) => rs.metadata?.name === snap.replicaSet);
    if (snap && snapRS && this.d.canAct()) await this.d.config?.ensure(ro, snapRS, snap.snapshots, log);
    const events = plan.actions.filter((a) => a.kind === "event");
    const rolloutUpdates = plan.actions.filter((a) => a.kind === "updateRollout");
    for (const action of plan.actions) {
      if (action.kind === "updateRollout" || action.kind === "event") continue;
      if (!this.d.canAct()) throw new Error("not the leader: no further actions");
      try {
        await this.apply(ro, action, log);
      } catch (err) {
        const refusal = action.kind === "createReplicaSet" ? templateRefusal(err) : undefined;
        if (refusal === undefined) throw err;
        const invalid = planRefusedTemplate(ro, refusal, now);
        await writeStatus(this.d.custom, rolloutKinds.rollouts, ro, invalid.status);
        for (const a of invalid.actions) await this.apply(ro, a, log);
        return {};
      }
    }
    const specRewrite = rolloutUpdates.find((a) => a.template || a.clearRollbackTo);
    if (specRewrite) {
      if (!this.d.canAct()) throw new Error("not the leader: no further actions");
      await this.apply(ro, specRewrite, log);
      for (const event of events) await this.apply(ro, event, log);
      return {};
    }
    let current: Rollout & k8s.KubernetesObject = ro;
    if (plan.status) {
      if (!this.d.canAct()) throw new Error("not the leader: no status write");
      const written = await writeStatus(this.d.custom, rolloutKinds.rollouts, ro, plan.status);
      if (written) {
        current = written as Rollout & k8s.KubernetesObject;
        if (plan.status.phase !== ro.status?.phase) {
          log.info("phase changed", {
            from: ro.status?.phase ?? "none",
            to: plan.status.phase,
            detail: plan.status.message,
          });
        }
      }
    }
    for (const event of events) await this.apply(ro, event, log);
    for (const action of rolloutUpdates) {
      if (!this.d.canAct()) throw new Error("not the leader: no further actions");
      await this.apply(current, action, log);
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /** Applies one action idempotently; returns the Rollout as the API server now has it when the action changed it. */
  private async apply(
    ro: Rollout & k8s.KubernetesObject,
    action: Action,
    log: Logger,
  ): Promise<(Rollout & k8s.KubernetesObject) | undefined> {
    const namespace = ro.metadata?.namespace ?? "";
    switch (action.kind) {
      case "createReplicaSet": {
        // With config snapshots the ReplicaSet starts at 0, its copies are made (owned by it), then
        // it scales: no pod ever starts before the configuration it names exists.
        const copies = this.d.config && action.snapshots?.length ? action.snapshots : undefined;
        const body = copies
          ? { ...action.replicaSet, spec: { ...action.replicaSet.spec!, replicas: 0 } }
          : action.replicaSet;
        let created: k8s.V1ReplicaSet;
        try {
          created = await this.d.apps.createNamespacedReplicaSet({ namespace, body });
          log.info("created ReplicaSet", {
            replicaSet: action.replicaSet.metadata?.name,
            replicas: action.replicaSet.spec?.replicas,
          });
        } catch (err) {
          // Same name means same template hash: a restarted controller finding its own work done.
          if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
          const existing = await this.d.apps.readNamespacedReplicaSet({
            name: action.replicaSet.metadata?.name ?? "",
            namespace,
          });
          if (!existing.metadata?.ownerReferences?.some((o) => o.uid === ro.metadata?.uid)) {
            throw new Error(`ReplicaSet ${existing.metadata?.name} exists and is not owned by this Rollout`, {
              cause: err,
            });
          }
          created = existing;
        }
        if (copies) {
          await this.d.config?.ensure(ro, created, copies, log);
          const replicas = action.replicaSet.spec?.replicas ?? 0;
          if ((created.spec?.replicas ?? 0) !== replicas)
            await this.apply(
              ro,
              { kind: "scaleReplicaSet", name: created.metadata?.name ?? "", replicas, from: 0 },
              log,
            );
        }
        return undefined;
      }
      case "scaleReplicaSet":
        await this.d.apps.patchNamespacedReplicaSet(
          { name: action.name, namespace, body: { spec: { replicas: action.replicas } } },
          mergePatch,
        );
        log.info("scaled ReplicaSet", { replicaSet: action.name, from: action.from, to: action.replicas });
        return undefined;
      case "annotateReplicaSet":
        await this.d.apps.patchNamespacedReplicaSet(
          { name: action.name, namespace, body: { metadata: { annotations: action.annotations } } },
          mergePatch,
        );
        if (revisionAnnotation in action.annotations) {
          log.info("moved revision", {
            replicaSet: action.name,
            revision: action.annotations[revisionAnnotation] ?? undefined,
          });
        }
        return undefined;
      case "deleteReplicaSet":
        await this.d.apps
          .deleteNamespacedReplicaSet({ name: action.name, namespace, propagationPolicy: "Background" })
          .catch((err: unknown) => {
            if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
          });
        log.info("deleted old revision", { replicaSet: action.name });
        return undefined;
      case "updateRollout": {
        const updated = (await this.d.custom.patchNamespacedCustomObject(
          {
            ...rolloutKinds.rollouts,
            namespace,
            name: ro.metadata?.name ?? "",
            body: rolloutPatch(ro, action),
          },
          jsonPatch,
        )) as Rollout & k8s.KubernetesObject;
        log.info("updated rollout", { template: Boolean(action.template), annotations: action.annotations });
        return updated;
      }
      case "createAnalysisRun":
        try {
          await this.d.custom.createNamespacedCustomObject({
            ...analysisRunKind,
            namespace,
            body: action.run,
          });
          log.info("created AnalysisRun", { analysisRun: action.run.metadata.name });
        } catch (err) {
          // Deterministic names: an existing run is this same run, created before a crash.
          if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
        }
        return undefined;
      case "terminateAnalysisRun":
        await this.d.custom
          .patchNamespacedCustomObject(
            { ...analysisRunKind, namespace, name: action.name, body: { spec: { terminate: true } } },
            mergePatch,
          )
          .catch((err: unknown) => {
            if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
          });
        log.info("terminated AnalysisRun", { analysisRun: action.name });
        return undefined;
      case "deletePod":
        await this.d.core.deleteNamespacedPod({ name: action.name, namespace }).catch((err: unknown) => {
          if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
        });
        log.info("restarted pod", { pod: action.name });
        return undefined;
      case "deleteAnalysisRun":
        await this.d.custom
          .deleteNamespacedCustomObject({ ...analysisRunKind, namespace, name: action.name })
          .catch((err: unknown) => {
            if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
          });
        log.info("deleted AnalysisRun beyond the history limit", { analysisRun: action.name });
        return undefined;
      case "event":
        this.d.events.emit(
          {
            apiVersion: ro.apiVersion ?? apiVersion,
            kind: "Rollout",
            name: ro.metadata?.name ?? "",
            namespace,
            uid: ro.metadata?.uid,
            resourceVersion: ro.metadata?.resourceVersion,
          },
          { type: action.type, reason: action.reason, message: action.message },
        );
        if (action.type === "Warning") log.warn(action.message, { reason: action.reason });
        else log.info(action.message, { reason: action.reason });
        return undefined;
    }
  }
}
