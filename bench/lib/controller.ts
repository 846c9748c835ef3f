import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePorts, httpGet } from "../../test/cluster/net.js";
import { repoRoot } from "../../test/cluster/paths.js";
import { log, sleep } from "./log.js";
import { parseMetrics, type Sample } from "./prom-text.js";

const distMain = path.join(repoRoot, "dist", "controller", "main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The benchmarks run the compiled controller, as the image does (`node dist/controller/main.js`):
 * tsx would add its compiler to the RSS being measured. Builds when a source is newer than the build.
 */
export function ensureBuilt(): void {
  const built = fs.existsSync(distMain) ? fs.statSync(distMain).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(path.join(repoRoot, "controller")),
    fs.statSync(path.join(repoRoot, "tsconfig.build.json")).mtimeMs,
  );
  if (built >= sources) return;
  log("building the controller (npm run build)");
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const res = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`npm run build failed:\n${res.stdout}${res.stderr}`);
}

export interface ControllerOptions {
  kubeconfig: string;
  namespaces: string[];
  extraArgs?: string[];
}

/** The controller under benchmark: one real process from the compiled build, restartable. */
export class BenchController {
  private child: ChildProcess | undefined;
  readonly logFile: string;
  port = 0;
  /** When the current process was spawned (Date.now()). */
  spawnedAt = 0;

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
   * when its HTTP server first answered at all (the process has loaded and started listing).
   */
  async start(readyTimeoutMs = 10 * 60_000): Promise<{ servingMs: number; readyMs: number }> {
    if (!this.port) this.port = (await freePorts(1))[0]!;
    const out = fs.openSync(this.logFile, "a");
    const args = [
      distMain,
      `--kubeconfig=${this.opts.kubeconfig}`,
      `--namespaces=${this.opts.namespaces.join(",")}`,
      `--metrics-port=${this.port}`,
      "--bind-address=127.0.0.1",
      ...(this.opts.extraArgs ?? []),
    ];
    this.spawnedAt = Date.now();
    this.child = spawn(process.execPath, args, {
      stdio: ["ignore", out, out],
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: "production", POD_NAME: "kestrel-bench" },
    });
    fs.closeSync(out);
    log(
      `controller pid ${this.child.pid}: node ${[path.relative(repoRoot, distMain), ...args.slice(1)].join(" ")} (log ${this.logFile})`,
    );
    const deadline = Date.now() + readyTimeoutMs;
    let servingMs: number | undefined;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`the controller exited:\n${this.tail()}`);
      const status = await httpGet(`http://127.0.0.1:${this.port}/readyz`, {}, 2_000).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 0) servingMs ??= Date.now() - this.spawnedAt;
      if (status === 200) return { servingMs: servingMs!, readyMs: Date.now() - this.spawnedAt };
      await new Promise((r) => setTimeout(r, 50));
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
