import type { V1ReplicaSet } from "@kubernetes/client-node";
import { recordsOf, snapshotsAnnotation } from "../config/snapshot.js";
import {
  changeCauseAnnotation,
  ephemeralMetadataAnnotation,
  podTemplateHashLabel,
  revisionAnnotation,
} from "./labels.js";
import { recordOf, roleMetadata, withMetadata } from "./metadata.js";
import { controllerRef } from "./owner.js";
import { hashOf, historyToDelete, revisionOf, specReplicas } from "./revisions.js";
import { newReplicaSetCreated } from "./actions.js";
import { event, type PlanState } from "./state.js";

/**
 * The ReplicaSet actions that realise `desired`: create spec.template's ReplicaSet if missing,
 * scale every ReplicaSet to its count (those not named go to zero), and delete revisions
 * beyond revisionHistoryLimit (never the stable or current one).
 */
export function replicaSetActions(s: PlanState): void {
  for (const rs of s.replicaSets) {
    const h = hashOf(rs) ?? "";
    if (!s.desired.has(h)) s.desired.set(h, 0);
  }
  if (!s.newRS) {
    const replicas = s.desired.get(s.hash) ?? 0;
    const snapshots = s.snapshots?.snapshots;
    s.actions.push({ kind: "createReplicaSet", replicaSet: newReplicaSet(s, replicas), snapshots });
    event(
      s,
      "Normal",
      newReplicaSetCreated,
      `created ReplicaSet ${s.newRSName} (revision ${s.newRevision}) with ${replicas} replicas`,
    );
  }
  for (const rs of s.replicaSets) {
    const want = s.desired.get(hashOf(rs) ?? "") ?? 0;
    const have = specReplicas(rs);
    if (want === have) continue;
    const name = rs.metadata?.name ?? "";
    s.actions.push({ kind: "scaleReplicaSet", name, replicas: want, from: have });
    const how = want > have ? "up" : "down";
    event(
      s,
      "Normal",
      "ScalingReplicaSet",
      `scaled ${how} ReplicaSet ${name} (revision ${revisionOf(rs)}) from ${have} to ${want}`,
    );
  }
  const keep = new Set([s.hash, s.stableHash ?? ""]);
  for (const rs of historyToDelete(s.replicaSets, keep, s.spec.revisionHistoryLimit ?? 10)) {
    s.actions.push({ kind: "deleteReplicaSet", name: rs.metadata?.name ?? "" });
    event(
      s,
      "Normal",
      "RevisionDeleted",
      `deleted ReplicaSet ${rs.metadata?.name} (revision ${revisionOf(rs)}) beyond revisionHistoryLimit`,
    );
  }
}

/** spec.template's ReplicaSet: the template and selector gain the hash label, owned by the Rollout. */
function newReplicaSet(s: PlanState, replicas: number): V1ReplicaSet {
  const { ro, hash } = s;
  const plain = structuredClone(s.template);
  plain.metadata = {
    ...plain.metadata,
    labels: { ...(plain.metadata?.labels ?? {}), [podTemplateHashLabel]: hash },
  };
  // Created with its role's ephemeral metadata, so its first pods already carry it.
  const meta = roleMetadata(s, hash);
  const podTemplate = withMetadata(plain, meta);
  const selector = structuredClone(ro.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
  const annotations: Record<string, string> = { [revisionAnnotation]: String(s.newRevision) };
  const record = recordOf(meta);
  if (record !== undefined) annotations[ephemeralMetadataAnnotation] = record;
  const changeCause = s.annotations[changeCauseAnnotation];
  if (changeCause !== undefined) annotations[changeCauseAnnotation] = changeCause;
  if (s.snapshots?.snapshots.length)
    annotations[snapshotsAnnotation] = JSON.stringify(recordsOf(s.snapshots.snapshots));
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: s.newRSName,
      namespace: ro.metadata.namespace,
      labels: { ...(plain.metadata.labels ?? {}) },
      annotations,
      ownerReferences: [controllerRef(ro)],
    },
    spec: { replicas, minReadySeconds: ro.spec.minReadySeconds, selector, template: podTemplate },
  };
}
