/**
 * kubectl-kestrel: `kubectl kestrel VERB ...`, a thin client of the API. Every action is a patch
 * or an annotation a user could type with kubectl; this only spares them the typing, under pressure.
 */
import * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { AnalysisRun } from "../api/analysis.js";
import type { StoredRollout } from "../api/rollout.js";
import { group, version } from "../api/common.js";
import { abortAnnotation, promoteAnnotation, retryAnnotation } from "../rollout/labels.js";
import { templateOf } from "../rollout/undo.js";
import { revisionOf, undoTarget } from "../rollout/revisions.js";
import { parseCommand, splitPair, UsageError, type Command } from "./args.js";
import { describeStatus, pointlessTrigger, statusDone, timedOut, type Trigger } from "./decide.js";
import { configChanges, configColumn, describeConfigChanges, historyRows, lastGood } from "./history.js";
import { drawTree, roundForPeople } from "./present.js";
import { rolloutTree } from "./tree.js";
import {
  controllersOf,
  controllerSelector,
  describeVersions,
  pluginVersion,
  versionData,
  type ControllerLookup,
} from "./version.js";
import { createRun, RunCommandError, terminateRun } from "./run-commands.js";

class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const ro = { group, version, plural: "rollouts" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
/** How often status and get --watch look again. */
const pollMs = 500;

interface Ctx {
  kc: k8s.KubeConfig;
  namespace: string;
  output?: string;
  api: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv);
  if ("help" in parsed) {
    (parsed.asked ? process.stdout : process.stderr).write(`${parsed.help}\n`);
    return parsed.asked ? 0 : 2;
  }
  const cmd = parsed.command;
  const kc = new k8s.KubeConfig();
  if (cmd.kubeconfig) kc.loadFromFile(cmd.kubeconfig);
  else kc.loadFromDefault();
  if (cmd.context) kc.setCurrentContext(cmd.context);
  const namespace = cmd.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  const ctx: Ctx = {
    kc,
    namespace,
    output: cmd.output,
    api: kc.makeApiClient(k8s.CustomObjectsApi),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
  const name = cmd.name;

  switch (cmd.verb) {
    case "list":
      return list(ctx, cmd.allNamespaces);
    case "status":
      return status(ctx, cmd);
    case "history":
      return history(ctx, name, cmd.revision);
    case "undo":
      return undo(ctx, cmd);
    case "promote":
      return trigger(
        ctx,
        name,
        "promote",
        promoteAnnotation,
        cmd.full ? "full" : "step",
        cmd.full ? "promoted to full" : "promoted",
      );
    case "abort":
      return trigger(ctx, name, "abort", abortAnnotation, "true", "aborted");
    case "retry":
      return trigger(ctx, name, "retry", retryAnnotation, "true", "retried");
    case "pause":
      return patchSpec(ctx, name, { paused: true }, "paused");
    case "resume":
      return patchSpec(ctx, name, { paused: false }, "resumed");
    case "restart":
      // Like `kubectl rollout restart`: pods created before now are replaced, a few at a time.
      return patchSpec(ctx, name, { restartAt: new Date().toISOString() }, "restarted");
    case "set":
      return setImage(ctx, name, cmd.images);
    case "create":
      return createRun(ctx, cmd.run!);
    case "terminate":
      return terminateRun(ctx, name);
    case "version":
      return showVersion(ctx);
    case "get": {
      // --watch redraws the tree when it changes, until --timeout (or Ctrl-C).
      const deadline = cmd.timeoutMs > 0 ? Date.now() + cmd.timeoutMs : Infinity;
      let last = "";
      for (;;) {
        last = await get(ctx, name, last);
        if (!cmd.watch || Date.now() > deadline) return 0;
        await sleep(pollMs);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

async function read(ctx: Ctx, name: string): Promise<StoredRollout> {
  return (await ctx.api.getNamespacedCustomObject({
    ...ro,
    namespace: ctx.namespace,
    name,
  })) as StoredRollout;
}

/**
 * The Rollout with its ReplicaSets and AnalysisRuns. The three reads go out together (ownership is
 * checked by uid afterwards), so a call costs one round trip instead of three.
 */
async function readOwned(
  ctx: Ctx,
  name: string,
): Promise<{ r: StoredRollout; replicaSets: k8s.V1ReplicaSet[]; runs: AnalysisRun[] }> {
  const [r, rsList, runList] = await Promise.all([
    read(ctx, name),
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

function print(ctx: Ctx, data: unknown, text: () => string): void {
  if (ctx.output === "json") process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (ctx.output === "yaml") process.stdout.write(stringify(data));
  else process.stdout.write(`${text()}\n`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]! + 2))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

async function list(ctx: Ctx, all: boolean): Promise<number> {
  const res = (
    all
      ? await ctx.api.listClusterCustomObject(ro)
      : await ctx.api.listNamespacedCustomObject({ ...ro, namespace: ctx.namespace })
  ) as { items: StoredRollout[] };
  print(ctx, res.items, () =>
    table([
      ["NAMESPACE", "NAME", "PHASE", "STEP", "WEIGHT", "AVAILABLE", "MESSAGE"],
      ...res.items.map((r) => [
        r.metadata.namespace ?? "",
        r.metadata.name ?? "",
        r.status?.phase ?? "",
        String(r.status?.currentStepIndex ?? ""),
        String(r.status?.canary?.weights?.canary.weight ?? ""),
        `${r.status?.availableReplicas ?? 0}/${r.spec.replicas ?? 1}`,
        r.status?.message ?? "",
      ]),
    ]),
  );
  return 0;
}

async function status(ctx: Ctx, cmd: Command): Promise<number> {
  const deadline = cmd.timeoutMs > 0 ? Date.now() + cmd.timeoutMs : Infinity;
  // With -o, stdout carries only the status as data (the last one seen); progress goes to stderr.
  const progress = ctx.output ? process.stderr : process.stdout;
  let last = "";
  for (;;) {
    const r = await read(ctx, cmd.name);
    const line = describeStatus(r);
    if (line !== last && (cmd.watch || !ctx.output)) progress.write(`${line}\n`);
    last = line;
    const done = statusDone(r, cmd.watch);
    if (done || Date.now() >= deadline) {
      if (ctx.output) print(ctx, r.status ?? {}, () => line);
      if (done) return done.code;
      throw new CliError(timedOut(r, cmd.timeout ?? ""));
    }
    await sleep(pollMs);
  }
}

async function history(ctx: Ctx, name: string, revision?: number): Promise<number> {
  const { r, replicaSets, runs } = await readOwned(ctx, name);
  const all = historyRows(replicaSets, runs, r.status?.currentPodHash);
  const rows = revision === undefined ? all : all.filter((x) => x.revision === revision);
  if (rows.length === 0 && revision !== undefined)
    throw new CliError(`unable to find the specified revision ${revision}`);
  // --revision: its config against the newest revision before it still kept (keys only).
  const previous = revision === undefined ? undefined : all.filter((x) => x.revision < revision).at(-1);
  const changes =
    rows[0] && revision !== undefined ? configChanges(previous?.config ?? [], rows[0].config) : undefined;
  const data = changes
    ? rows.map((x) => ({ ...x, configChanges: changes, comparedTo: previous?.revision }))
    : rows;
  print(ctx, data, () => {
    const text = table([
      ["REVISION", "IMAGES", "CONFIG", "CHANGE-CAUSE", "CREATED", "OUTCOME"],
      ...rows.map((x) => [
        String(x.revision),
        x.images.join(","),
        configColumn(x.config),
        x.changeCause || "<none>",
        x.created,
        x.outcome,
      ]),
    ]);
    return changes ? `${text}\n${describeConfigChanges(revision!, previous?.revision, changes)}` : text;
  });
  return 0;
}

async function undo(ctx: Ctx, cmd: Command): Promise<number> {
  const name = cmd.name;
  const { r, replicaSets, runs } = await readOwned(ctx, name);
  const currentHash = r.status?.currentPodHash ?? "";
  let revision = cmd.toRevision;
  if (cmd.toLastGood) {
    const good = lastGood(historyRows(replicaSets, runs, currentHash), currentHash);
    if (!good)
      throw new CliError(`rollout "${name}" has no earlier revision that completed with passing analysis`);
    revision = good.revision;
  }
  // The controller's own choice of target (the previous revision for 0), so both agree.
  const found = undoTarget(replicaSets, revision, currentHash);
  if ("error" in found)
    throw new CliError(
      revision > 0
        ? `unable to find the specified revision ${revision}`
        : `rollout "${name}" has no earlier revision to undo to`,
    );
  const target = found.rs;
  if (cmd.dryRun) {
    print(ctx, templateOf(target), () => stringify(templateOf(target)).trimEnd());
    return 0;
  }
  await ctx.api.patchNamespacedCustomObject(
    {
      ...ro,
      namespace: ctx.namespace,
      name,
      body: { spec: { rollbackTo: { revision: revisionOf(target) } } },
    },
    merge,
  );
  process.stdout.write(`rollout.kestrel.dev/${name} rolled back (to revision ${revisionOf(target)})\n`);
  return 0;
}

/**
 * Writes a trigger annotation, unless the Rollout's state gives it nothing to act on: then it
 * says which state that is, writes nothing (a stale trigger would fire on the next change) and
 * fails.
 */
async function trigger(
  ctx: Ctx,
  name: string,
  verb: Trigger,
  key: string,
  value: string,
  done: string,
): Promise<number> {
  const why = pointlessTrigger(verb, await read(ctx, name));
  if (why) throw new CliError(why);
  await ctx.api.patchNamespacedCustomObject(
    { ...ro, namespace: ctx.namespace, name, body: { metadata: { annotations: { [key]: value } } } },
    merge,
  );
  process.stdout.write(`rollout.kestrel.dev/${name} ${done}\n`);
  return 0;
}

async function patchSpec(ctx: Ctx, name: string, spec: object, done: string): Promise<number> {
  await read(ctx, name);
  await ctx.api.patchNamespacedCustomObject({ ...ro, namespace: ctx.namespace, name, body: { spec } }, merge);
  process.stdout.write(`rollout.kestrel.dev/${name} ${done}\n`);
  return 0;
}

async function setImage(ctx: Ctx, name: string, pairs: string[]): Promise<number> {
  const r = await read(ctx, name);
  const workload = r.spec.workloadRef?.name;
  if (workload)
    throw new CliError(
      `rollout ${name} takes its template from Deployment ${workload} (spec.workloadRef): set the image there, e.g. kubectl set image deployment/${workload} ${pairs.join(" ")}`,
    );
  const containers = structuredClone(r.spec.template?.spec?.containers ?? []);
  for (const pair of pairs) {
    const [container, image] = splitPair(pair);
    const c = containers.find((x) => x.name === container || container === "*");
    if (!c || !image) throw new CliError(`unable to find container named "${container}"`);
    for (const x of containers) if (x === c || container === "*") x.image = image;
  }
  await ctx.api.patchNamespacedCustomObject(
    {
      ...ro,
      namespace: ctx.namespace,
      name,
      body: [{ op: "replace", path: "/spec/template/spec/containers", value: containers }],
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
  );
  process.stdout.write(`rollout.kestrel.dev/${name} image updated\n`);
  return 0;
}

/** Prints the tree unless it equals `previous`; returns what it would print. */
async function get(ctx: Ctx, name: string, previous = ""): Promise<string> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const [{ r, replicaSets, runs }, podList] = await Promise.all([
    readOwned(ctx, name),
    core.listNamespacedPod({ namespace: ctx.namespace }),
  ]);
  const pods = podList.items;
  const data = { rollout: r, replicaSets, analysisRuns: runs };
  const render = (): string => {
    const lines = [
      r.spec.strategy?.blueGreen
        ? `Rollout ${r.metadata.name}  ${r.status?.phase ?? ""}  blueGreen`
        : `Rollout ${r.metadata.name}  ${r.status?.phase ?? ""}  step ${r.status?.currentStepIndex ?? "-"}  weight ${r.status?.canary?.weights?.canary.weight ?? 0}`,
      `  ${roundForPeople(r.status?.message ?? "")}`,
    ];
    return [...lines, ...drawTree(rolloutTree(r, replicaSets, pods, runs))].join("\n");
  };
  const text = ctx.output ? JSON.stringify(data) : render();
  if (text !== previous) print(ctx, data, () => (previous ? `\n${text}` : text));
  return text;
}

/**
 * The plugin's version, and the controllers' from their Deployments: across namespaces, or in
 * the current one when the user may not list across them. The plugin's version is printed even
 * when the cluster cannot be asked, as `kubectl version` does.
 */
async function showVersion(ctx: Ctx): Promise<number> {
  const plugin = pluginVersion();
  let found: ControllerLookup;
  try {
    found = await findControllers(ctx);
  } catch (err) {
    if (!ctx.output) process.stdout.write(`plugin: ${plugin}\n`);
    throw new CliError(`cannot look for the controller: ${explain(err)}`);
  }
  print(ctx, versionData(plugin, found), () => describeVersions(plugin, found));
  return 0;
}

async function findControllers(ctx: Ctx): Promise<ControllerLookup> {
  const labelSelector = controllerSelector;
  const denied = (err: unknown): boolean => err instanceof k8s.ApiException && err.code === 403;
  try {
    const all = await ctx.apps.listDeploymentForAllNamespaces({ labelSelector });
    return { scope: { allNamespaces: true }, forbidden: false, controllers: controllersOf(all.items) };
  } catch (err) {
    if (!denied(err)) throw err;
  }
  const scope = { allNamespaces: false as const, namespace: ctx.namespace };
  try {
    const here = await ctx.apps.listNamespacedDeployment({ namespace: ctx.namespace, labelSelector });
    return { scope, forbidden: false, controllers: controllersOf(here.items) };
  } catch (err) {
    if (!denied(err)) throw err;
    return { scope, forbidden: true, controllers: [] };
  }
}

function explain(err: unknown): string {
  if (err instanceof CliError || err instanceof UsageError || err instanceof RunCommandError)
    return err.message;
  if (err instanceof k8s.ApiException) {
    let message = String(err.body);
    try {
      message = (JSON.parse(String(err.body)) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
    if (err.code === 404) return `not found: ${message}`;
    if (err.code === 403) return `forbidden (RBAC): ${message}`;
    return `the API server said ${err.code}: ${message}`;
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  if (
    e.code === "ECONNREFUSED" ||
    e.cause?.code === "ECONNREFUSED" ||
    /ECONNREFUSED|fetch failed/.test(e.message ?? "")
  ) {
    return "no cluster reachable: check --kubeconfig, --context or KUBECONFIG";
  }
  return e.message ?? String(err);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${explain(err)}\n`);
    process.exit(err instanceof CliError || err instanceof UsageError ? err.code : 1);
  },
);
