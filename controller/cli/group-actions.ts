/**
 * The plugin's RolloutGroup verbs against the API: read the group and its members, write a request
 * annotation. The decisions are in group-history.ts and group-requests.ts.
 */
import * as k8s from "@kubernetes/client-node";
import type { StoredRollout } from "../api/rollout.js";
import type { RolloutGroup } from "../api/group.js";
import {
  groupReleaseStartAnnotation,
  groupUndoToReleaseAnnotation,
  podTemplateHashLabel,
} from "../rollout/labels.js";
import { CliError, ro, type KubeCtx } from "./actions.js";
import { memberRevisions, releaseRows, type ReleaseRow } from "./group-history.js";
import { chooseUndoRelease, releaseStartRequest, undoRequest } from "./group-requests.js";

const rog = { ...ro, plural: "rolloutgroups" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/** Reads the group first, so an unknown one is the API server's NotFound and nothing else is asked. */
export async function readGroup(ctx: KubeCtx, name: string): Promise<RolloutGroup> {
  return (await ctx.api.getNamespacedCustomObject({
    ...rog,
    namespace: ctx.namespace,
    name,
  })) as RolloutGroup;
}

/** The group's members as Rollouts, by name; a member whose Rollout is gone is absent. */
async function memberRollouts(ctx: KubeCtx, g: RolloutGroup): Promise<StoredRollout[]> {
  const names = new Set([
    ...g.spec.members.map((m) => m.name),
    ...(g.status?.releases ?? []).flatMap((r) => r.members.map((m) => m.name)),
  ]);
  const list = (await ctx.api.listNamespacedCustomObject({ ...ro, namespace: ctx.namespace })) as {
    items: StoredRollout[];
  };
  return list.items.filter((r) => names.has(r.metadata.name ?? ""));
}

/** The kept releases with every member's revision, looked up in the ReplicaSets its Rollout owns. */
export async function readGroupHistory(ctx: KubeCtx, name: string): Promise<ReleaseRow[]> {
  const g = await readGroup(ctx, name);
  const [rollouts, replicaSets] = await Promise.all([
    memberRollouts(ctx, g),
    ctx.apps.listNamespacedReplicaSet({ namespace: ctx.namespace, labelSelector: podTemplateHashLabel }),
  ]);
  const members = rollouts.map((r) => ({ name: r.metadata.name ?? "", uid: r.metadata.uid ?? "" }));
  return releaseRows(g.status?.releases ?? [], memberRevisions(members, replicaSets.items));
}

/** Checks the undo as the controller would, then asks for it; returns the line to print. */
export async function requestGroupUndo(ctx: KubeCtx, name: string, toRelease?: number): Promise<string> {
  const g = await readGroup(ctx, name);
  const rollouts = await memberRollouts(ctx, g);
  const current = new Map(rollouts.map((r) => [r.metadata.name ?? "", r.status?.currentPodHash]));
  const chosen = chooseUndoRelease(name, g.status?.releases ?? [], current, toRelease);
  if ("error" in chosen) throw new CliError(chosen.error);
  await annotate(ctx, name, groupUndoToReleaseAnnotation, undoRequest(chosen.release, new Date()));
  return `rolloutgroup.kestrel.dev/${name} undo to release ${chosen.release} requested`;
}

export async function requestReleaseStart(ctx: KubeCtx, name: string): Promise<string> {
  await annotate(ctx, name, groupReleaseStartAnnotation, releaseStartRequest(new Date()));
  return `rolloutgroup.kestrel.dev/${name} release start requested`;
}

/** A merge patch of one annotation: on an unknown group the API server answers NotFound. */
async function annotate(ctx: KubeCtx, name: string, key: string, value: string): Promise<void> {
  await ctx.api.patchNamespacedCustomObject(
    { ...rog, namespace: ctx.namespace, name, body: { metadata: { annotations: { [key]: value } } } },
    merge,
  );
}
