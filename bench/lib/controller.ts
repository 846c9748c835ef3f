import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../controller/config.js";
import { freePorts, httpGet } from "../../test/cluster/net.js";
import { repoRoot } from "../../test/cluster/paths.js";
import { log, sleep } from "./log.js";
import { parseMetrics, type Sample } from "./prom-text.js";

const distMain = path.join(repoRoot, "dist", "controller", "main.js");
const bundle = path.join(repoRoot, "dist", "bundle", "kestrel-controller.cjs");
const launcher = path.join(repoRoot, "bin", "kestrel-controller.cjs");

/**
 * What the benchmarks run: what `npm start` and the image run (the bundle through its code-cache
 * launcher), or with KESTREL_BENCH_CONTROLLER=tsc the compiled modules, as before the bundle, to
 * compare with.
 */
export const controllerForm = process.env.KESTREL_BENCH_CONTROLLER === "tsc" ? "tsc" : "bundle";
const entry = controllerForm === "tsc" ? distMain : launcher;

/** What the benchmarks' controller runs with, as a benchmark prints it among its inputs. */
export function controllerCommand(flags: readonly string[] = []): string {
  const defaults = loadConfig([], {});
  const what =
    controllerForm === "tsc"
      ? "dist/controller/main.js (the compiled modules)"
      : "bin/kestrel-controller.cjs (the bundle, with its code cache)";
  return `node ${what}${flags.map((f) => ` ${f}`).join("")} (otherwise default flags: --workers=${defaults.workers}, --resync-seconds=${defaults.resyncSeconds})`;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const mtime = (p: string): number => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

/**
 * The benchmarks run built JavaScript, as the image does: tsx would add its compiler to the RSS
 * being measured. Builds (the bundle, or with KESTREL_BENCH_CONTROLLER=tsc `npm run build`) when a
 * source is newer than the build. The rest of the repository's benchmarks (bench/lib) import the
 * compiled modules' sources directly through tsx, so they need no build.
 */
export function ensureBuilt(): void {
  const built = mtime(controllerForm === "tsc" ? distMain : bundle);
  const sources = Math.max(
    newestMtime(path.join(repoRoot, "controller")),
    mtime(path.join(repoRoot, "tsconfig.build.json")),
    mtime(path.join(repoRoot, "scripts", "build-controller.mjs")),
    mtime(path.join(repoRoot, "package-lock.json")),
  );
  if (built >= sources) return;
  const [what, args] =
    controllerForm === "tsc"
      ? [
          "npm run build",
          [path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
        ]
      : ["npm run controller:bundle", [path.join(repoRoot, "scripts", "build-controller.mjs"), "--quiet"]];
  log(`building the controller (${what})`);
  const res = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`${what} failed:\n${res.stdout}${res.stderr}`);
}

/** Moments of one start, in ms after the spawn. */
export interface StartTimes {
  /** The first byte the process wrote (its first log line): loaded, configured, starting. */
  firstLogMs: number;
  /** The HTTP server's first answer, whatever the status. */
  servingMs: number;
  /** /readyz answered 200: caches synced, workers started. */
  readyMs: number;
  /** Whether V8's code cache was there to be used at this start (the bundle only). */
  codeCache: boolean;
}

export interface ControllerOptions {
  kubeconfig: string;
  namespaces: string[];
  extraArgs?: string[];
}

/** The controller under benchmark: one real process from the build, restartable. */
export class BenchController {
  private child: ChildProcess | undefined;
  readonly logFile: string;
  port = 0;
  /** When the current process was spawned (Date.now()). */
  spawnedAt = 0;
  /** When its /readyz first answered 200: its workers, and their resync timer, had started. */
  readyAt = 0;

  constructor(private readonly opts: ControllerOptions) {
    this.logFile = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-bench-controller-")),
      "controller.log",
    );
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined || !this.alive()) throw new Error("the controller is not running");
    return pid;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Spawns the process; resolves once /readyz answers 200 (caches synced, workers started), with
   * when it wrote its first log line and when its HTTP server first answered at all. /readyz is
   * asked every 5 ms (a refused connection costs nothing), so the figures are not rounded up to a
   * coarse poll.
   */
  async start(readyTimeoutMs = 10 * 60_000): Promise<StartTimes> {
    if (!this.port) this.port = (await freePorts(1))[0]!;
    // KESTREL_BENCH_NODE_ARGS: node's own flags for the controller, e.g. "--cpu-prof
    // --cpu-prof-dir=/tmp/prof" to profile it under the benchmark's load (node refuses
    // --cpu-prof in NODE_OPTIONS). The profile is written when the controller is stopped.
    const nodeArgs = (process.env.KESTREL_BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    const args = [
      ...nodeArgs,
      entry,
      `--kubeconfig=${this.opts.kubeconfig}`,
      `--namespaces=${this.opts.namespaces.join(",")}`,
      `--metrics-port=${this.port}`,
      "--bind-address=127.0.0.1",
      ...(this.opts.extraArgs ?? []),
    ];
    const codeCache = controllerForm === "bundle" && mtime(`${bundle}.v8-cache`) >= mtime(bundle);
    const out = fs.createWriteStream(this.logFile, { flags: "a" });
    let firstLogAt: number | undefined;
    this.spawnedAt = Date.now();
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: "production", POD_NAME: "kestrel-bench" },
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (chunk: Buffer) => {
        firstLogAt ??= Date.now();
        out.write(chunk);
      });
    }
    child.once("exit", () => out.end());
    log(
      `controller pid ${child.pid}: node ${[...nodeArgs, path.relative(repoRoot, entry), ...args.slice(nodeArgs.length + 1)].join(" ")} (code cache ${codeCache ? "present" : "absent"}; log ${this.logFile})`,
    );
    const deadline = Date.now() + readyTimeoutMs;
    let servingMs: number | undefined;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`the controller exited:\n${this.tail()}`);
      const status = await httpGet(`http://127.0.0.1:${this.port}/readyz`, {}, 2_000).then(
        (r) => r.status,
        () => 0,
      );
      const now = Date.now();
      if (status !== 0) servingMs ??= now - this.spawnedAt;
      if (status === 200) {
        const firstLogMs = (firstLogAt ?? now) - this.spawnedAt;
        this.readyAt = now;
        return { firstLogMs, servingMs: servingMs!, readyMs: now - this.spawnedAt, codeCache };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`the controller was not ready within ${readyTimeoutMs / 1000}s:\n${this.tail()}`);
  }

  /** SIGKILL: what a crash or an eviction does; no shutdown hook runs. */
  kill(): Promise<void> {
    return this.signal("SIGKILL");
  }

  stop(): Promise<void> {
    return this.signal("SIGTERM");
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.alive()) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(sig);
    await exited;
  }

  /**
   * The controller's /metrics. On a saturated machine one scrape can take longer than usual (a
   * 10,000-Rollout soak once lost an hour to a single 10s timeout), so a slow or failed scrape is
   * retried a few times before the benchmark gives up.
   */
  async metrics(attempts = 4): Promise<Sample[]> {
    for (let i = 1; ; i++) {
      try {
        const res = await httpGet(`http://127.0.0.1:${this.port}/metrics`, {}, 30_000);
        if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
        return parseMetrics(res.body);
      } catch (err) {
        if (i >= attempts || !this.alive()) throw err;
        log(
          `scraping the controller's /metrics failed (${err instanceof Error ? err.message : String(err)}); retrying`,
        );
        await sleep(2_000);
      }
    }
  }

  tail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** Error lines of the log, to print with a result: an error there makes the figures suspect. */
  errorCount(): number {
    try {
      return fs
        .readFileSync(this.logFile, "utf8")
        .split("\n")
        .filter((l) => l.includes('"level":"error"')).length;
    } catch {
      return 0;
    }
  }
}
