import { spawn } from "node:child_process";
import fs from "node:fs";
import type https from "node:https";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../controller/config.js";
import { loadKubeConfig } from "../../controller/kube/client.js";
import { Controllers } from "../../controller/kube/controllers.js";
import { createLogger } from "../../controller/log.js";
import { createMetrics } from "../../controller/metrics.js";
import { phase } from "./log.js";
import { summarize, type Summary } from "./stats.js";

/**
 * The floor under "spawn to /readyz": /readyz waits for every informer's first list, so a
 * controller is ready no sooner than a bare node process (bench/lib/first-lists-child.cjs) that
 * spawns, sends the same lists at once with the same credentials and parses every answer. What
 * the controller takes beyond this is its own (loading its bundle, filling its caches).
 */
export interface FirstListsFloor {
  /** The lists sent at once: one per informer of a controller started with these flags. */
  lists: number;
  rounds: number;
  /** Objects in each list, as the last round's answers gave them. */
  items: number[];
  /** Spawn to every list parsed, in ms, over the rounds. */
  spawnToParsedMs: Summary;
}

const child = path.join(path.dirname(new URL(import.meta.url).pathname), "first-lists-child.cjs");

/** The first lists a controller started with `--namespaces=` these namespaces sends. */
function controllerFirstLists(kubeconfig: string, namespaces: readonly string[]) {
  const config = loadConfig([`--namespaces=${namespaces.join(",")}`], {});
  // Built only to read its informers' paths; nothing is started, so no request is sent.
  const controllers = new Controllers({
    kc: loadKubeConfig(kubeconfig),
    config,
    log: createLogger("error"),
    metrics: createMetrics(),
  });
  return controllers.firstLists();
}

/** The kubeconfig's server and credentials as node's https takes them, in a file only we can read. */
async function writeSpec(
  kubeconfig: string,
  lists: ReturnType<typeof controllerFirstLists>,
): Promise<string> {
  const kc = loadKubeConfig(kubeconfig);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-first-lists-"));
  const file = path.join(dir, "spec.json");
  const pem = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
  fs.writeFileSync(
    file,
    JSON.stringify({
      server: kc.getCurrentCluster()?.server,
      ca: pem(opts.ca),
      cert: pem(opts.cert),
      key: pem(opts.key),
      headers: opts.headers ?? {},
      lists,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** Spawns the bare lister once; resolves with spawn to its line, in ms, and each list's item count. */
function runOnce(spec: string): Promise<{ ms: number; items: number[] }> {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const proc = spawn(process.execPath, [child, spec], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let doneAt: number | undefined;
    proc.stdout.on("data", (c: Buffer) => {
      doneAt ??= performance.now();
      out += c.toString();
    });
    proc.stderr.on("data", (c: Buffer) => (err += c.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      if (code !== 0 || doneAt === undefined)
        return reject(new Error(`the bare lister exited with ${code}: ${err.trim()}`));
      const { items } = JSON.parse(out) as { items: number[] };
      resolve({ ms: doneAt - spawnedAt, items });
    });
  });
}

/** `rounds` bare starts against the namespaces a controller serves, one after another. */
export async function firstListsFloor(
  kubeconfig: string,
  namespaces: readonly string[],
  rounds: number,
): Promise<FirstListsFloor> {
  const lists = controllerFirstLists(kubeconfig, namespaces);
  const spec = await writeSpec(kubeconfig, lists);
  try {
    return await phase(
      `floor: ${rounds} bare node processes sending the controller's ${lists.length} first lists`,
      async () => {
        const times: number[] = [];
        let items: number[] = [];
        for (let i = 0; i < rounds; i++) {
          const run = await runOnce(spec);
          times.push(run.ms);
          items = run.items;
        }
        return { lists: lists.length, rounds, items, spawnToParsedMs: summarize(times) };
      },
    );
  } finally {
    fs.rmSync(path.dirname(spec), { recursive: true, force: true });
  }
}
