/**
 * The plugin's verbs that change a Rollout, as functions that return what they did in words.
 * Both the command line (main.ts) and the dashboard (controller/dashboard/) call these, so a
 * button does exactly what the verb does, with the same checks and the same messages.
 */
import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { StoredRollout } from "../api/rollout.js";
import { group, version } from "../api/common.js";
import { abortAnnotation, promoteAnnotation, retryAnnotation } from "../rollout/labels.js";
import { revisionOf, undoTarget } from "../rollout/revisions.js";
import { pointlessTrigger, type Trigger } from "./decide.js";
import { historyRows, lastGood } from "./history.js";

/** A failure of the command itself (exit 1), in words. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export interface KubeCtx {
  namespace: string;
  api: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
}

export const ro = { group, version, plural: "rollouts" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export async function readRollout(ctx: KubeCtx, name: string): Promise<StoredRollout> {
  return (await ctx.api.getNamespacedCustomObject({
    ...ro,
    namespace: ctx.namespace,
    name,
  })) as StoredRollout;
}

export interface Owned {
  r: StoredRollout;
  replicaSets: k8s.V1ReplicaSet[];
  runs: AnalysisRun[];
}

/**
 * The Rollout with its ReplicaSets and AnalysisRuns. The three reads go out together (ownership is
 * checked by uid afterwards), so a call costs one round trip instead of three.
 */
export async function readOwned(ctx: KubeCtx, name: string): Promise<Owned> {
  const [r, rsList, runList] = await Promise.all([
    readRollout(ctx, name),
    ctx.apps.listNamespacedReplicaSet({ namespace: ctx.namespace }),
    ctx.api.listNamespacedCustomObject({
      ...ro,
      plural: "analysisruns",
      namespace: ctx.namespace,
    }) as Promise<{
      items: AnalysisRun[];
    }>,
  ]);
  const uid = r.metadata.uid;
  const isOwned = (o: { metadata?: k8s.V1ObjectMeta }): boolean =>
    o.metadata?.ownerReferences?.some((x) => x.uid === uid) ?? false;
  return { r, replicaSets: rsList.items.filter(isOwned), runs: runList.items.filter(isOwned) };
}

/** The verbs a button may run; each maps to the plugin verb of the same name. */
export type ActionVerb = "promote" | "promote-full" | "abort" | "retry" | "pause" | "resume";
export const actionVerbs: readonly ActionVerb[] = [
  "promote",
  "promote-full",
  "abort",
  "retry",
  "pause",
  "resume",
];

/** Runs one verb on a Rollout; returns the line the plugin prints, e.g. "rollout.kestrel.dev/web aborted". */
export function runAction(ctx: KubeCtx, name: string, verb: ActionVerb): Promise<string> {
  switch (verb) {
    case "promote":
      return trigger(ctx, name, "promote", promoteAnnotation, "step", "promoted");
    case "promote-full":
      return trigger(ctx, name, "promote", promoteAnnotation, "full", "promoted to full");
    case "abort":
      return trigger(ctx, name, "abort", abortAnnotation, "true", "aborted");
    case "retry":
      return trigger(ctx, name, "retry", retryAnnotation, "true", "retried");
    case "pause":
      return patchSpec(ctx, name, { paused: true }, "paused");
    case "resume":
      return patchSpec(ctx, name, { paused: false }, "resumed");
  }
}

/**
 * Writes a trigger annotation, unless the Rollout's state gives it nothing to act on: then it
 * says which state that is, writes nothing (a stale trigger would fire on the next change) and
 * fails.
 */
async function trigger(
  ctx: KubeCtx,
  name: string,
  verb: Trigger,
  key: string,
  value: string,
  done: string,
): Promise<string> {
  const why = pointlessTrigger(verb, await readRollout(ctx, name));
  if (why) throw new CliError(why);
  await ctx.api.patchNamespacedCustomObject(
    { ...ro, namespace: ctx.namespace, name, body: { metadata: { annotations: { [key]: value } } } },
    merge,
  );
  return `rollout.kestrel.dev/${name} ${done}`;
}

export async function patchSpec(ctx: KubeCtx, name: string, spec: object, done: string): Promise<string> {
  await readRollout(ctx, name);
  await ctx.api.patchNamespacedCustomObject({ ...ro, namespace: ctx.namespace, name, body: { spec } }, merge);
  return `rollout.kestrel.dev/${name} ${done}`;
}

/**
 * undo's target: --to-revision N (0: the previous revision) or --to-last-good, chosen exactly as
 * the controller chooses it, so both agree.
 */
export async function findUndoTarget(
  ctx: KubeCtx,
  name: string,
  toRevision: number,
  toLastGood = false,
): Promise<k8s.V1ReplicaSet> {
  const { r, replicaSets, runs } = await readOwned(ctx, name);
  const currentHash = r.status?.currentPodHash ?? "";
  let revision = toRevision;
  if (toLastGood) {
    const good = lastGood(historyRows(replicaSets, runs, currentHash), currentHash);
    if (!good)
      throw new CliError(`rollout "${name}" has no earlier revision that completed with passing analysis`);
    revision = good.revision;
  }
  const found = undoTarget(replicaSets, revision, currentHash);
  if ("error" in found)
    throw new CliError(
      revision > 0
        ? `unable to find the specified revision ${revision}`
        : `rollout "${name}" has no earlier revision to undo to`,
    );
  return found.rs;
}

/** Asks the controller to undo to the target's revision (spec.rollbackTo, as the plugin's undo). */
export async function undoTo(ctx: KubeCtx, name: string, target: k8s.V1ReplicaSet): Promise<string> {
  await ctx.api.patchNamespacedCustomObject(
    {
      ...ro,
      namespace: ctx.namespace,
      name,
      body: { spec: { rollbackTo: { revision: revisionOf(target) } } },
    },
    merge,
  );
  return `rollout.kestrel.dev/${name} rolled back (to revision ${revisionOf(target)})`;
}
