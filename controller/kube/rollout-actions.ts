import * as k8s from "@kubernetes/client-node";
import { apiVersion, group, version } from "../api/common.js";
import type { StoredRollout } from "../api/rollout.js";
import type { Logger } from "../log.js";
import type { Action } from "../rollout/actions.js";
import { revisionAnnotation } from "../rollout/labels.js";
import type { ConfigSnapshotter } from "./config-snapshots.js";
import type { EventRecorder } from "./events.js";
import { patchServiceSelector, syncPodMetadata } from "./role-actions.js";
import { patchRoute } from "./route-writer.js";
import { applyWorkload } from "./workload-writer.js";

export type RolloutObject = StoredRollout & k8s.KubernetesObject;

/** What applying one action needs: the clients, the Rollout it is for, and where to log. */
export interface ActionContext {
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
  events: EventRecorder;
  ro: RolloutObject;
  namespace: string;
  log: Logger;
  /** The Deployment spec.workloadRef names, as the plan saw it (its resourceVersion guards writes). */
  workload?: k8s.V1Deployment;
  /** spec.configSnapshots: reads sources and makes the copies. */
  config?: ConfigSnapshotter;
}

type Handler<K extends Action["kind"]> = (
  c: ActionContext,
  action: Extract<Action, { kind: K }>,
) => Promise<RolloutObject | undefined | void>;

export const analysisRunKind = { group, version, plural: "analysisruns" };
export const rolloutKind = { group, version, plural: "rollouts" };
export const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
export const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

/** Deleting what is already gone is done. */
export const ignoreNotFound = (err: unknown): void => {
  if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
};

/**
 * A JSON Patch, not a merge patch: an undo must *replace* spec.template (a merge would keep keys
 * the old revision lacks). Setting metadata.resourceVersion makes the write conditional: the API
 * server treats it as a precondition and answers 409 when the object changed since (a user's
 * newer edit, or our own write that the cache has not shown yet), which requeues quietly. A
 * `test` op would do the same check but fail as a 422, logged as if the request were invalid.
 */
export function rolloutPatch(
  ro: RolloutObject,
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

const createReplicaSet: Handler<"createReplicaSet"> = async (c, action) => {
  const { apps, ro, namespace, log, config } = c;
  // With config snapshots the ReplicaSet starts at 0, its copies are made (owned by it), then it
  // scales: no pod ever starts before the configuration it names exists.
  const copies = config && action.snapshots?.length ? action.snapshots : undefined;
  const body = copies
    ? { ...action.replicaSet, spec: { ...action.replicaSet.spec!, replicas: 0 } }
    : action.replicaSet;
  let created: k8s.V1ReplicaSet;
  try {
    created = await apps.createNamespacedReplicaSet({ namespace, body });
    log.info("created ReplicaSet", {
      replicaSet: action.replicaSet.metadata?.name,
      replicas: action.replicaSet.spec?.replicas,
    });
  } catch (err) {
    // Same name means same template hash: a restarted controller finding its own work done.
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
    const name = action.replicaSet.metadata?.name ?? "";
    created = await apps.readNamespacedReplicaSet({ name, namespace });
    if (!created.metadata?.ownerReferences?.some((o) => o.uid === ro.metadata?.uid)) {
      throw new Error(`ReplicaSet ${name} exists and is not owned by this Rollout`, { cause: err });
    }
  }
  if (!copies) return;
  await config?.ensure(ro, created, copies, log);
  const replicas = action.replicaSet.spec?.replicas ?? 0;
  const name = created.metadata?.name ?? "";
  if ((created.spec?.replicas ?? 0) !== replicas)
    await handlers.scaleReplicaSet(c, { kind: "scaleReplicaSet", name, replicas, from: 0 });
};

const handlers: { [K in Action["kind"]]: Handler<K> } = {
  createReplicaSet,
  async scaleReplicaSet({ apps, namespace, log }, a) {
    const body = { spec: { replicas: a.replicas } };
    await apps.patchNamespacedReplicaSet({ name: a.name, namespace, body }, mergePatch);
    log.info("scaled ReplicaSet", { replicaSet: a.name, from: a.from, to: a.replicas });
  },
  async annotateReplicaSet({ apps, namespace, log }, a) {
    const body = { metadata: { annotations: a.annotations } };
    await apps.patchNamespacedReplicaSet({ name: a.name, namespace, body }, mergePatch);
    if (revisionAnnotation in a.annotations)
      log.info("moved revision", {
        replicaSet: a.name,
        revision: a.annotations[revisionAnnotation] ?? undefined,
      });
  },
  async deleteReplicaSet({ apps, namespace, log }, a) {
    await apps
      .deleteNamespacedReplicaSet({ name: a.name, namespace, propagationPolicy: "Background" })
      .catch(ignoreNotFound);
    log.info("deleted old revision", { replicaSet: a.name });
  },
  async updateRollout({ custom, ro, namespace, log }, a) {
    const name = ro.metadata?.name ?? "";
    const body = rolloutPatch(ro, a);
    const updated = await custom
      .patchNamespacedCustomObject({ ...rolloutKind, namespace, name, body }, jsonPatch)
      .catch((err: unknown) => {
        // A `remove` of a key that is gone from the stored object (our own earlier removal the
        // cache has not shown yet, or a user's) fails the patch as 422 before the resourceVersion
        // precondition is checked: the object changed since the read, so it is a conflict, to be
        // re-read and re-planned without backoff growth, not an invalid request.
        if (err instanceof k8s.ApiException && err.code === 422 && !a.template)
          throw new k8s.ApiException(409, `Rollout ${name} changed since it was read`, err.body, err.headers);
        throw err;
      });
    log.info("updated rollout", { template: Boolean(a.template), annotations: a.annotations });
    return updated as RolloutObject;
  },
  async createAnalysisRun({ custom, namespace, log }, a) {
    try {
      await custom.createNamespacedCustomObject({ ...analysisRunKind, namespace, body: a.run });
      log.info("created AnalysisRun", { analysisRun: a.run.metadata.name });
    } catch (err) {
      // Deterministic names: an existing run is this same run, created before a crash.
      if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
    }
  },
  async terminateAnalysisRun({ custom, namespace, log }, a) {
    const body = { spec: { terminate: true } };
    await custom
      .patchNamespacedCustomObject({ ...analysisRunKind, namespace, name: a.name, body }, mergePatch)
      .catch(ignoreNotFound);
    log.info("terminated AnalysisRun", { analysisRun: a.name });
  },
  async deleteAnalysisRun({ custom, namespace, log }, a) {
    await custom
      .deleteNamespacedCustomObject({ ...analysisRunKind, namespace, name: a.name })
      .catch(ignoreNotFound);
    log.info("deleted AnalysisRun beyond the history limit", { analysisRun: a.name });
  },
  async deletePod({ core, namespace, log }, a) {
    await core.deleteNamespacedPod({ name: a.name, namespace }).catch(ignoreNotFound);
    log.info("restarted pod", { pod: a.name });
  },
  patchServiceSelector,
  syncPodMetadata,
  patchRoute: ({ custom, namespace, log }, a) => patchRoute(custom, namespace, a, log),
  updateWorkloadTemplate: ({ apps, namespace, workload, log }, a) =>
    applyWorkload(apps, namespace, a, workload, log),
  scaleWorkload: ({ apps, namespace, workload, log }, a) => applyWorkload(apps, namespace, a, workload, log),
  async event({ events, ro, namespace, log }, a) {
    const involved = {
      apiVersion: ro.apiVersion ?? apiVersion,
      kind: "Rollout",
      name: ro.metadata?.name ?? "",
      namespace,
      uid: ro.metadata?.uid,
      resourceVersion: ro.metadata?.resourceVersion,
    };
    events.emit(involved, { type: a.type, reason: a.reason, message: a.message });
    if (a.type === "Warning") log.warn(a.message, { reason: a.reason });
    else log.info(a.message, { reason: a.reason });
  },
};

/** Applies one action idempotently; returns the Rollout as the API server now has it when the action changed it. */
export async function applyAction(c: ActionContext, action: Action): Promise<RolloutObject | undefined> {
  const handler = handlers[action.kind] as Handler<Action["kind"]>;
  return (await handler(c, action as never)) ?? undefined;
}
