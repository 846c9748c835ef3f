/**
 * kubectl-kestrel: `kubectl kestrel VERB ...`, a thin client of the API. Every action is a patch
 * or an annotation a user could type with kubectl; this only spares them the typing, under pressure.
 */
import * as k8s from "@kubernetes/client-node";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import type { AnalysisRun } from "../api/analysis.js";
import type { Rollout } from "../api/rollout.js";
import { abortAnnotation, promoteAnnotation, retryAnnotation } from "../rollout/labels.js";
import { templateOf } from "../rollout/plan.js";
import { revisionOf } from "../rollout/revisions.js";
import { historyRows, lastGood } from "./history.js";

class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const usage = `kubectl kestrel - progressive delivery with automatic rollback

  status NAME [--watch] [--timeout=D]     exit 0 when Healthy, 1 when Degraded or timed out
  history NAME [--revision=N]             revisions as rollback targets, with their outcome
  undo NAME [--to-revision=N | --to-last-good] [--dry-run=client]
  promote NAME [--full]    abort NAME    retry NAME    pause NAME    resume NAME    restart NAME
  set image NAME CONTAINER=IMAGE
  list [-A]                get NAME [--watch] [--timeout=D]

flags: -n/--namespace, -A/--all-namespaces, --context, --kubeconfig, -o json|yaml`;

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

interface Ctx {
  kc: k8s.KubeConfig;
  namespace: string;
  output?: string;
  api: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: "string", short: "n" },
      "all-namespaces": { type: "boolean", short: "A" },
      context: { type: "string" },
      kubeconfig: { type: "string" },
      output: { type: "string", short: "o" },
      "to-revision": { type: "string" },
      "to-last-good": { type: "boolean" },
      "dry-run": { type: "string" },
      revision: { type: "string" },
      watch: { type: "boolean", short: "w" },
      timeout: { type: "string" },
      full: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [verb, ...args] = positionals;
  if (!verb || values.help) {
    process.stdout.write(`${usage}\n`);
    return verb ? 0 : 1;
  }
  if (values.output && !["json", "yaml"].includes(values.output))
    throw new CliError(`--output must be json or yaml, not "${values.output}"`);
  const kc = new k8s.KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  if (values.context) kc.setCurrentContext(values.context);
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  const ctx: Ctx = {
    kc,
    namespace,
    output: values.output,
    api: kc.makeApiClient(k8s.CustomObjectsApi),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
  const name = (): string => {
    if (!args[0]) throw new CliError(`${verb} needs a rollout name`);
    return args[0];
  };

  switch (verb) {
    case "list":
      return list(ctx, values["all-namespaces"] ?? false);
    case "status":
      return status(ctx, name(), values.watch ?? false, values.timeout);
    case "history":
      return history(ctx, name(), values.revision);
    case "undo":
      return undo(ctx, name(), values["to-revision"], values["to-last-good"] ?? false, values["dry-run"]);
    case "promote":
      return annotate(
        ctx,
        name(),
        promoteAnnotation,
        values.full ? "full" : "step",
        values.full ? "promoted to full" : "promoted",
      );
    case "abort":
      return annotate(ctx, name(), abortAnnotation, "true", "aborted");
    case "retry":
      return annotate(ctx, name(), retryAnnotation, "true", "retried");
    case "pause":
      return patchSpec(ctx, name(), { paused: true }, "paused");
    case "resume":
      return patchSpec(ctx, name(), { paused: false }, "resumed");
    case "restart":
      // Like `kubectl rollout restart`: pods created before now are replaced, a few at a time.
      return patchSpec(ctx, name(), { restartAt: new Date().toISOString() }, "restarted");
    case "set": {
      if (args[0] !== "image" || !args[1] || !args[2])
        throw new CliError("usage: kubectl kestrel set image NAME CONTAINER=IMAGE");
      return setImage(ctx, args[1], args.slice(2));
    }
    case "get": {
      // --watch redraws the tree when it changes, until --timeout (or Ctrl-C).
      const deadline = values.timeout ? Date.now() + durationMs(values.timeout) : Infinity;
      let last = "";
      for (;;) {
        last = await get(ctx, name(), last);
        if (!values.watch || Date.now() > deadline) return 0;
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
    default:
      throw new CliError(`unknown command "${verb}"\n${usage}`);
  }
}

async function read(ctx: Ctx, name: string): Promise<Rollout> {
  return (await ctx.api.getNamespacedCustomObject({ ...ro, namespace: ctx.namespace, name })) as Rollout;
}

async function owned(
  ctx: Ctx,
  r: Rollout,
): Promise<{ replicaSets: k8s.V1ReplicaSet[]; runs: AnalysisRun[] }> {
  const uid = r.metadata.uid;
  const isOwned = (o: { metadata?: k8s.V1ObjectMeta }): boolean =>
    o.metadata?.ownerReferences?.some((x) => x.uid === uid) ?? false;
  const replicaSets = (await ctx.apps.listNamespacedReplicaSet({ namespace: ctx.namespace })).items.filter(
    isOwned,
  );
  const runList = (await ctx.api.listNamespacedCustomObject({
    ...ro,
    plural: "analysisruns",
    namespace: ctx.namespace,
  })) as { items: AnalysisRun[] };
  return { replicaSets, runs: runList.items.filter(isOwned) };
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
  ) as { items: Rollout[] };
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

function describeStatus(r: Rollout): string {
  return `rollout "${r.metadata.name}" ${r.status?.phase ?? "Pending"}: ${r.status?.message ?? "not yet reconciled"}`;
}

async function status(ctx: Ctx, name: string, watch: boolean, timeout?: string): Promise<number> {
  const deadline = timeout ? Date.now() + durationMs(timeout) : Infinity;
  let last = "";
  for (;;) {
    const r = await read(ctx, name);
    const current = r.status?.observedGeneration === r.metadata.generation;
    const line = describeStatus(r);
    if (line !== last) {
      if (ctx.output && !watch) print(ctx, r.status ?? {}, () => line);
      else process.stdout.write(`${line}\n`);
      last = line;
    }
    if (current && r.status?.phase === "Healthy") return 0;
    if (current && r.status?.phase === "Degraded") return 1;
    if (!watch) return r.status?.phase === "Degraded" ? 1 : 0;
    if (Date.now() > deadline) throw new CliError(`timed out waiting for rollout "${name}" after ${timeout}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function history(ctx: Ctx, name: string, revision?: string): Promise<number> {
  const r = await read(ctx, name);
  const { replicaSets, runs } = await owned(ctx, r);
  let rows = historyRows(replicaSets, runs, r.status?.currentPodHash);
  if (revision !== undefined) {
    rows = rows.filter((x) => x.revision === Number(revision));
    if (rows.length === 0) throw new CliError(`unable to find the specified revision ${revision}`);
  }
  print(ctx, rows, () =>
    table([
      ["REVISION", "IMAGES", "CHANGE-CAUSE", "CREATED", "OUTCOME"],
      ...rows.map((x) => [
        String(x.revision),
        x.images.join(","),
        x.changeCause || "<none>",
        x.created,
        x.outcome,
      ]),
    ]),
  );
  return 0;
}

async function undo(
  ctx: Ctx,
  name: string,
  toRevision: string | undefined,
  toLastGood: boolean,
  dryRun?: string,
): Promise<number> {
  if (dryRun !== undefined && dryRun !== "client" && dryRun !== "none")
    throw new CliError(`--dry-run must be "client" or "none"`);
  const r = await read(ctx, name);
  const { replicaSets, runs } = await owned(ctx, r);
  let revision = toRevision !== undefined ? Number(toRevision) : 0;
  if (!Number.isInteger(revision) || revision < 0)
    throw new CliError(`--to-revision must be a non-negative integer, not "${toRevision}"`);
  if (toLastGood) {
    const good = lastGood(historyRows(replicaSets, runs, r.status?.currentPodHash), r.status?.currentPodHash);
    if (!good)
      throw new CliError(`rollout "${name}" has no earlier revision that completed with passing analysis`);
    revision = good.revision;
  }
  const target =
    revision > 0
      ? replicaSets.find((rs) => revisionOf(rs) === revision)
      : [...replicaSets]
          .filter((rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] !== r.status?.currentPodHash)
          .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  if (!target)
    throw new CliError(
      revision > 0
        ? `unable to find the specified revision ${revision}`
        : `rollout "${name}" has no earlier revision to undo to`,
    );
  if (dryRun === "client") {
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

async function annotate(ctx: Ctx, name: string, key: string, value: string, done: string): Promise<number> {
  await read(ctx, name);
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
  const containers = structuredClone(r.spec.template.spec?.containers ?? []);
  for (const pair of pairs) {
    const [container, image] = pair.split("=");
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
  const r = await read(ctx, name);
  const { replicaSets, runs } = await owned(ctx, r);
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const pods = (await core.listNamespacedPod({ namespace: ctx.namespace })).items;
  const data = { rollout: r, replicaSets, analysisRuns: runs };
  const render = (): string => {
    const lines = [
      `Rollout ${r.metadata.name}  ${r.status?.phase ?? ""}  step ${r.status?.currentStepIndex ?? "-"}  weight ${r.status?.canary?.weights?.canary.weight ?? 0}`,
      `  ${r.status?.message ?? ""}`,
    ];
    for (const rs of [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a))) {
      const hash = rs.metadata?.labels?.["rollouts-pod-template-hash"];
      const role =
        hash === r.status?.stableRS ? "stable" : hash === r.status?.currentPodHash ? "canary" : "old";
      lines.push(
        `├─ revision ${revisionOf(rs)} ReplicaSet ${rs.metadata?.name} (${role}) ${rs.status?.availableReplicas ?? 0}/${rs.spec?.replicas ?? 0} available`,
      );
      for (const p of pods.filter((x) =>
        x.metadata?.ownerReferences?.some((o) => o.uid === rs.metadata?.uid),
      )) {
        lines.push(`│  └─ pod ${p.metadata?.name} ${p.status?.phase ?? ""}`);
      }
      for (const run of runs.filter((x) => x.metadata.labels?.["rollouts-pod-template-hash"] === hash)) {
        const last = run.status?.metricResults
          ?.map((m) => `${m.name}=${m.measurements?.at(-1)?.value ?? "-"}`)
          .join(" ");
        lines.push(`│  └─ AnalysisRun ${run.metadata.name} ${run.status?.phase ?? "Pending"} ${last ?? ""}`);
      }
    }
    return lines.join("\n");
  };
  const text = ctx.output ? JSON.stringify(data) : render();
  if (text !== previous) print(ctx, data, () => (previous ? `\n${text}` : text));
  return text;
}

function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new CliError(`invalid --timeout "${text}"; expected e.g. 30s, 5m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
}

function explain(err: unknown): string {
  if (err instanceof CliError) return err.message;
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
    process.exit(err instanceof CliError ? err.code : 1);
  },
);
