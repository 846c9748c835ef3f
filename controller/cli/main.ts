/**
 * kubectl-kestrel: `kubectl kestrel VERB ...`, a thin client of the API. Every action is a patch
 * or an annotation a user could type with kubectl; this only spares them the typing, under pressure.
 */
import * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { StoredRollout } from "../api/rollout.js";
import { templateOf } from "../rollout/undo.js";
import {
  CliError,
  findUndoTarget,
  patchSpec,
  readOwned,
  readRollout,
  ro,
  runAction,
  undoTo,
  type KubeCtx,
} from "./actions.js";
import { serveDashboard } from "../dashboard/serve.js";
import { parseCommand, splitPair, UsageError, type Command } from "./args.js";
import { describeStatus, statusDone, timedOut } from "./decide.js";
import { configChanges, configColumn, describeConfigChanges, historyRows } from "./history.js";
import { drawTree, roundForPeople, table } from "./present.js";
import { readGroupHistory, requestGroupUndo, requestReleaseStart } from "./group-actions.js";
import { describeRelease, describeReleases, pickRelease } from "./group-history.js";
import { rolloutTree } from "./tree.js";
import {
  controllersOf,
  controllerSelector,
  describeVersions,
  pluginVersion,
  versionData,
  type ControllerLookup,
} from "./version.js";
import { createRun, terminateRun } from "./run-commands.js";
import { explain } from "./explain.js";

/** How often status and get --watch look again. */
const pollMs = 500;

interface Ctx extends KubeCtx {
  kc: k8s.KubeConfig;
  output?: string;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv);
  if ("help" in parsed) {
    (parsed.asked ? process.stdout : process.stderr).write(`${parsed.help}\n`);
    return parsed.asked ? 0 : 2;
  }
  const cmd = parsed.command;
  const ctx = connect(cmd);
  const name = cmd.name;

  switch (cmd.verb) {
    case "list":
      return list(ctx, cmd.allNamespaces);
    case "status":
      return status(ctx, cmd);
    case "history":
      return cmd.group ? groupHistory(ctx, name, cmd.release) : history(ctx, name, cmd.revision);
    case "undo":
      // Like `kubectl rollout undo`, it asks and returns: the controller undoes the members.
      return cmd.group ? say(requestGroupUndo(ctx, name, cmd.toRelease)) : undo(ctx, cmd);
    case "release":
      return say(requestReleaseStart(ctx, name));
    case "promote":
      return say(runAction(ctx, name, cmd.full ? "promote-full" : "promote"));
    case "abort":
    case "retry":
    case "pause":
    case "resume":
      return say(runAction(ctx, name, cmd.verb));
    case "restart":
      // Like `kubectl rollout restart`: pods created before now are replaced, a few at a time.
      return say(patchSpec(ctx, name, { restartAt: new Date().toISOString() }, "restarted"));
    case "set":
      return setImage(ctx, name, cmd.images);
    case "create":
      return createRun(ctx, cmd.run!);
    case "terminate":
      return terminateRun(ctx, name);
    case "version":
      return showVersion(ctx);
    case "dashboard":
      return serveDashboard({
        kc: ctx.kc,
        namespace: ctx.namespace,
        allNamespaces: cmd.allNamespaces,
        port: cmd.port,
        readOnly: cmd.readOnly,
      });
    case "get":
      return getTree(ctx, cmd);
  }
}

/** The client for the cluster and namespace kubectl would use with the same flags. */
function connect(cmd: Command): Ctx {
  const kc = new k8s.KubeConfig();
  if (cmd.kubeconfig) kc.loadFromFile(cmd.kubeconfig);
  else kc.loadFromDefault();
  if (cmd.context) kc.setCurrentContext(cmd.context);
  return {
    kc,
    namespace: cmd.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default",
    output: cmd.output,
    api: kc.makeApiClient(k8s.CustomObjectsApi),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
}

/** `get`: the tree once, or with --watch redrawn when it changes, until --timeout (or Ctrl-C). */
async function getTree(ctx: Ctx, cmd: Command): Promise<number> {
  const deadline = cmd.timeoutMs > 0 ? Date.now() + cmd.timeoutMs : Infinity;
  let last = "";
  for (;;) {
    last = await get(ctx, cmd.name, last);
    if (!cmd.watch || Date.now() > deadline) return 0;
    await sleep(pollMs);
  }
}

/** Prints what a verb did, as the plugin always has: one line on stdout, exit 0. */
async function say(done: Promise<string>): Promise<number> {
  process.stdout.write(`${await done}\n`);
  return 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

function print(ctx: Ctx, data: unknown, text: () => string): void {
  if (ctx.output === "json") process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (ctx.output === "yaml") process.stdout.write(stringify(data));
  else process.stdout.write(`${text()}\n`);
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
    const r = await readRollout(ctx, cmd.name);
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

async function groupHistory(ctx: Ctx, name: string, release?: number): Promise<number> {
  const rows = await readGroupHistory(ctx, name);
  if (release === undefined) {
    if (rows.length === 0 && !ctx.output) {
      process.stdout.write(`rolloutgroup "${name}" has no release yet\n`);
      return 0;
    }
    print(ctx, rows, () => describeReleases(rows));
    return 0;
  }
  const picked = pickRelease(name, rows, release);
  if ("error" in picked) throw new CliError(picked.error);
  print(ctx, picked.row, () => describeRelease(name, picked.row));
  return 0;
}

async function undo(ctx: Ctx, cmd: Command): Promise<number> {
  const target = await findUndoTarget(ctx, cmd.name, cmd.toRevision, cmd.toLastGood);
  if (cmd.dryRun) {
    print(ctx, templateOf(target), () => stringify(templateOf(target)).trimEnd());
    return 0;
  }
  return say(undoTo(ctx, cmd.name, target));
}

async function setImage(ctx: Ctx, name: string, pairs: string[]): Promise<number> {
  const r = await readRollout(ctx, name);
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${explain(err)}\n`);
    process.exit(err instanceof CliError || err instanceof UsageError ? err.code : 1);
  },
);
