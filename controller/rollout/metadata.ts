import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import { canonicalJson } from "./hash.js";
import { ephemeralMetadataAnnotation } from "./labels.js";
import { hashOf, specReplicas } from "./revisions.js";
import type { PlanState } from "./state.js";

/** canaryMetadata / stableMetadata: what a pod carries only while its ReplicaSet has that role. */
export interface PodMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The ephemeral metadata for a revision's role, as Argo assigns it: the stable revision (and the
 * new one when there is no stable yet, i.e. the first version) gets stableMetadata, the canary
 * canaryMetadata, every other revision none.
 */
export function roleMetadata(s: PlanState, hash: string): PodMetadata | undefined {
  const blueGreen = s.spec.strategy.blueGreen;
  // Blue-green: the revision activeService selects is active, the new one beside it preview.
  if (blueGreen) {
    if (hash === s.activeHash) return blueGreen.activeMetadata;
    if (hash === s.hash) return blueGreen.previewMetadata;
    return undefined;
  }
  const canary = s.spec.strategy.canary;
  if (hash === s.stableHash || (s.stableHash === undefined && hash === s.hash)) return canary?.stableMetadata;
  if (hash === s.hash) return canary?.canaryMetadata;
  return undefined;
}

/** The record annotation's value for this metadata; undefined when there is none to record. */
export function recordOf(meta: PodMetadata | undefined): string | undefined {
  const labels = meta?.labels ?? {};
  const annotations = meta?.annotations ?? {};
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return undefined;
  return canonicalJson({ labels, annotations });
}

/**
 * The record of a sync under way from `had` to `want`: every key of both (the new values where
 * both have one), marked pending so that it never equals a finished record.
 */
export function pendingRecordOf(had: PodMetadata, want: PodMetadata | undefined): string {
  return canonicalJson({
    labels: { ...had.labels, ...want?.labels },
    annotations: { ...had.annotations, ...want?.annotations },
    pending: true,
  });
}

/** What a ReplicaSet's record says was written to its template and pods (a pending one: all its keys). */
export function recordedMetadata(rs: V1ReplicaSet): PodMetadata {
  const raw = rs.metadata?.annotations?.[ephemeralMetadataAnnotation];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as PodMetadata;
  } catch {
    return {}; // an unreadable record: the next sync rewrites it
  }
}

/** Keys to set to the new values, and old keys the new metadata lacks set to null (removed). */
function changes(
  from: Record<string, string> = {},
  to: Record<string, string> = {},
): Record<string, string | null> {
  const out: Record<string, string | null> = { ...to };
  for (const key of Object.keys(from)) if (!(key in to)) out[key] = null;
  return out;
}

/**
 * Keeps every ReplicaSet's ephemeral metadata in line with its role after this pass's decisions
 * (a promotion makes the canary the stable one in the same pass). Only a ReplicaSet whose record
 * differs gets an action; its pods are updated in place when it has any, as Argo does, so a
 * promotion relabels running pods without restarting them.
 */
export function ephemeralMetadata(s: PlanState): void {
  for (const rs of s.replicaSets) {
    const hash = hashOf(rs) ?? "";
    const want = roleMetadata(s, hash);
    const record = recordOf(want);
    if ((rs.metadata?.annotations?.[ephemeralMetadataAnnotation] ?? undefined) === record) continue;
    const had = recordedMetadata(rs);
    const hasPods = specReplicas(rs) > 0 || (rs.status?.replicas ?? 0) > 0;
    s.actions.push({
      kind: "syncPodMetadata",
      replicaSet: rs.metadata?.name ?? "",
      hash,
      labels: changes(had.labels, want?.labels),
      annotations: changes(had.annotations, want?.annotations),
      pendingRecord: pendingRecordOf(had, want),
      record: record ?? null,
      // A revision with no role keeps no pods worth relabelling: only its template is cleaned.
      pods: hasPods && want !== undefined,
    });
  }
}

/** A template with ephemeral metadata added (a new ReplicaSet is created with its role's). */
export function withMetadata(template: V1PodTemplateSpec, meta: PodMetadata | undefined): V1PodTemplateSpec {
  if (!meta) return template;
  const metadata = { ...template.metadata };
  if (Object.keys(meta.labels ?? {}).length > 0) metadata.labels = { ...metadata.labels, ...meta.labels };
  if (Object.keys(meta.annotations ?? {}).length > 0)
    metadata.annotations = { ...metadata.annotations, ...meta.annotations };
  return { ...template, metadata };
}

/** The template without the ephemeral metadata its record names (what the Rollout itself carried). */
export function withoutMetadata(rs: V1ReplicaSet, template: V1PodTemplateSpec): V1PodTemplateSpec {
  const had = recordedMetadata(rs);
  const meta = template.metadata;
  if (!meta) return template;
  // A map that held only ephemeral keys did not exist in the Rollout's template: drop it whole.
  for (const which of ["labels", "annotations"] as const) {
    const keys = Object.keys(had[which] ?? {});
    const map = meta[which];
    if (!map || keys.length === 0) continue;
    for (const key of keys) delete map[key];
    if (Object.keys(map).length === 0) delete meta[which];
  }
  return template;
}
