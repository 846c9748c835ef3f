/**
 * How long `kubectl kestrel` takes from start to exit, as a user types it (through kubectl's plugin
 * discovery), against the local cluster: `list` and `get ro NAME` of a Healthy rollout, for each
 * way the plugin can run. Median over --runs calls each (the TypeScript source through tsx, the
 * way it ran before the bundle, gets --tsx-runs: it takes seconds a call). Plain `kubectl get ro`
 * is the reference a user compares with.
 *
 *   npm run bench:plugin [-- --runs=20 --tsx-runs=3]
 */
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "../test/cluster/paths.js";
import { kubectlBinary } from "../test/e2e/support/kubectl.js";
import { intFlag, isMain, runMain } from "./lib/cli.js";
import { createNamespace, deleteNamespace, localBenchContext, type BenchContext } from "./lib/cluster.js";
import { BenchController, ensureBuilt } from "./lib/controller.js";
import { phase, waitUntil } from "./lib/log.js";
import { saveResults } from "./lib/results.js";
import { createRollouts, isSettled, manifest, type Rollout } from "./lib/rollouts.js";
import { secs, summarize, type Summary } from "./lib/stats.js";
import { printInputs, printTable } from "./lib/table.js";

export interface PluginBenchOptions {
  runs: number;
  tsxRuns: number;
}

export const pluginDefaults: PluginBenchOptions = { runs: 20, tsxRuns: 3 };

interface Variant {
  name: string;
  /** The kubectl-kestrel that kubectl finds on PATH; undefined for plain kubectl. */
  plugin?: string;
  runs: number;
}

export interface PluginResult {
  options: PluginBenchOptions;
  /** variant -> command -> start-to-exit times in ms. */
  summaries: Record<string, Record<string, Summary>>;
}

/** One call, start to exit, in ms; a failed call fails the benchmark (its time would mean nothing). */
function timeCall(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(command, args, { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${res.status}: ${res.stderr}`);
  return ms;
}

export async function runPluginBench(ctx: BenchContext, o: PluginBenchOptions): Promise<PluginResult> {
  ensureBuilt();
  // The bundle and the standalone executable are built before timing, so no call pays for a build.
  const built = spawnSync(process.execPath, [path.join(repoRoot, "scripts", "build-plugin.mjs"), "--sea"], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`building the plugin failed: ${built.stderr}`);
  const ns = await createNamespace(ctx, "bench-plugin");
  const controller = new BenchController({ kubeconfig: ctx.controllerKubeconfig, namespaces: [ns] });
  const dirs: string[] = [];
  try {
    await phase("starting the controller", () => controller.start());
    await phase("creating a rollout of 4 replicas", async () => {
      await createRollouts(ctx.kc, ns, [manifest("web", { replicas: 4 })]);
      const custom = ctx.kc.makeApiClient(k8s.CustomObjectsApi);
      await waitUntil("the rollout Healthy", async () => {
        const r = (await custom.getNamespacedCustomObject({
          group: "kestrel.dev",
          version: "v1alpha1",
          plural: "rollouts",
          namespace: ns,
          name: "web",
        })) as Rollout;
        return isSettled(r) || undefined;
      });
    });

    const tsxLauncher = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-bench-tsx-")), "launch");
    dirs.push(path.dirname(tsxLauncher));
    fs.writeFileSync(
      tsxLauncher,
      `#!/bin/sh\nexec node --import "file://${repoRoot}/node_modules/tsx/dist/loader.mjs" "${repoRoot}/controller/cli/main.ts" "$@"\n`,
      { mode: 0o755 },
    );
    const variants: Variant[] = [
      { name: "kubectl get ro (reference)", runs: o.runs },
      { name: "tsx, TypeScript source (before)", plugin: tsxLauncher, runs: o.tsxRuns },
      {
        name: "bundle (bin/kubectl-kestrel)",
        plugin: path.join(repoRoot, "bin", "kubectl-kestrel"),
        runs: o.runs,
      },
      {
        name: "standalone executable (SEA)",
        plugin: path.join(repoRoot, "dist", "plugin", "kubectl-kestrel"),
        runs: o.runs,
      },
    ];
    const summaries: PluginResult["summaries"] = {};
    for (const v of variants) {
      // PATH holds only this variant's kubectl-kestrel, then the rest (node for the bundle).
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-bench-plugin-"));
      dirs.push(dir);
      if (v.plugin) fs.symlinkSync(v.plugin, path.join(dir, "kubectl-kestrel"));
      const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, KUBECONFIG: ctx.kubeconfig };
      const commands: Record<string, string[]> = v.plugin
        ? { list: ["kestrel", "list", "-n", ns], "get ro web": ["kestrel", "get", "ro", "web", "-n", ns] }
        : { list: ["get", "ro", "-n", ns], "get ro web": ["get", "ro", "web", "-n", ns] };
      summaries[v.name] = {};
      for (const [label, args] of Object.entries(commands)) {
        const times = await phase(`${v.name}: ${label} x${v.runs}`, async () =>
          Array.from({ length: v.runs }, () => timeCall(kubectlBinary(), args, env)),
        );
        summaries[v.name]![label] = summarize(times);
      }
    }
    printInputs("plugin start-to-exit benchmark", {
      runs: String(o.runs),
      tsxRuns: String(o.tsxRuns),
      node: process.version,
      cpus: String(os.cpus().length),
      loadavg: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    });
    printTable(
      "start-to-exit time, seconds (median; p95 and max over the runs)",
      ["variant", "command", "runs", "median", "p95", "max"],
      Object.entries(summaries).flatMap(([variant, byCommand]) =>
        Object.entries(byCommand).map(([label, s]) => [
          variant,
          label,
          s.n,
          secs(s.median),
          secs(s.p95),
          secs(s.max),
        ]),
      ),
    );
    return saveResults("plugin", controller, { options: o, summaries });
  } finally {
    await controller.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await deleteNamespace(ctx, ns);
  }
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const { values } = parseArgs({ options: { runs: { type: "string" }, "tsx-runs": { type: "string" } } });
    await runPluginBench(await localBenchContext(), {
      runs: intFlag("runs", values.runs, pluginDefaults.runs),
      tsxRuns: intFlag("tsx-runs", values["tsx-runs"], pluginDefaults.tsxRuns),
    });
  });
}
