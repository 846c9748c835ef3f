import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { modulesDir } from "./paths.js";
import { log, phase } from "./progress.js";
import { gatewayOptOutHint } from "./gateway-mode.js";
import {
  components,
  componentCacheDir,
  upstreamVersion,
  type Component,
  type ModuleFiles,
} from "./versions.js";

/** Lines of a failed build's log to show: enough to see the compiler's error. */
const tailLines = 30;
/** A cold build of k8s.io/kubernetes on two cores takes minutes; a hang must still end. */
const buildTimeoutMs = Number(process.env.KESTREL_BUILD_TIMEOUT_MS ?? 45 * 60_000);

const marker = (dir: string): string => path.join(dir, ".complete");

export function isBuilt(c: Component): boolean {
  return fs.existsSync(marker(componentCacheDir(c)));
}

/** Builds every component that is not cached yet; a second call is a no-op. */
export async function ensureBinaries(): Promise<void> {
  for (const c of components) {
    const dir = componentCacheDir(c);
    if (isBuilt(c) || c.enabled?.() === false) continue;
    await phase(`building ${Object.keys(c.binaries).join(", ")} (${c.upstream} ${upstreamVersion(c)})`, () =>
      buildComponent(c, dir).catch((err: unknown) => {
        if (c.enabled === undefined) throw err;
        // An optional component says how to run without it.
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${gatewayOptOutHint}`);
      }),
    );
  }
}

async function buildComponent(c: Component, dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  const staging = `${dir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const logFile = path.join(staging, "build.log");
  const ldflags = ["-s", "-w", ...c.ldflags(upstreamVersion(c))].join(" ");
  // One `go build` per output so each binary gets its own name; the shared package cache makes
  // the second and later ones of a module cheap.
  for (const [name, pkg] of Object.entries(c.binaries)) {
    const args = ["build", "-trimpath", `-ldflags=${ldflags}`, "-o", path.join(staging, name), pkg];
    await runLogged(c, "go", args, path.join(modulesDir, c.module), logFile);
  }
  for (const f of c.moduleFiles ?? []) await copyModuleFiles(c, f, staging, logFile);
  fs.renameSync(staging, dir);
  fs.writeFileSync(marker(dir), new Date().toISOString() + "\n");
}

/** Copies a folder of a module in the component's graph, at the version its go.sum pins, into the cache. */
async function copyModuleFiles(
  c: Component,
  f: ModuleFiles,
  staging: string,
  logFile: string,
): Promise<void> {
  const jsonFile = path.join(staging, `${f.to}.module.json`);
  await runLogged(
    c,
    "go",
    ["mod", "download", "-json", f.module],
    path.join(modulesDir, c.module),
    logFile,
    jsonFile,
  );
  const { Dir, Version } = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as { Dir: string; Version: string };
  const to = path.join(staging, f.to);
  fs.cpSync(path.join(Dir, f.dir), to, { recursive: true });
  // The module cache's files are read-only; the cache folder must stay writable and removable.
  for (const p of [
    to,
    ...fs.readdirSync(to, { recursive: true, encoding: "utf8" }).map((n) => path.join(to, n)),
  ])
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  fs.writeFileSync(path.join(to, "VERSION"), `${f.module} ${Version}\n`);
  fs.rmSync(jsonFile);
}

function runLogged(
  c: Component,
  cmd: string,
  args: string[],
  cwd: string,
  logFile: string,
  stdoutFile?: string,
): Promise<void> {
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `$ (cd ${cwd} && ${cmd} ${args.join(" ")})\n`);
  const stdout = stdoutFile ? fs.openSync(stdoutFile, "w") : out;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ["ignore", stdout, out],
      // Local toolchain only (nothing may be downloaded at run time) and go.sum must already be complete.
      env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), buildTimeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (stdout !== out) fs.closeSync(stdout);
      reject(new Error(`building ${c.module}: could not run ${cmd}: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (stdout !== out) fs.closeSync(stdout);
      if (code === 0) return resolve();
      const why = signal ? `killed by ${signal} (timeout ${buildTimeoutMs / 1000}s?)` : `exit code ${code}`;
      reject(
        new Error(
          failureMessage(`build of ${c.module} (${c.upstream})`, `${cmd} ${args.join(" ")}`, why, logFile),
        ),
      );
    });
  });
}

/** The one message format for any component that fails: what, which command, why, and its log's last lines. */
export function failureMessage(what: string, command: string, why: string, logFile: string): string {
  let tail = "(no log)";
  try {
    tail = fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-tailLines).join("\n");
  } catch {
    // the log may not exist if the process never started
  }
  return `${what} failed: ${why}\n  command: ${command}\n  log: ${logFile}\n  last lines:\n${tail.replace(/^/gm, "    ")}`;
}

export function logBuildState(): void {
  for (const c of components) {
    const state =
      c.enabled?.() === false ? "left out (KESTREL_GATEWAY=0)" : isBuilt(c) ? "cached" : "not built";
    log(`${c.module} ${upstreamVersion(c)}: ${state} in ${componentCacheDir(c)}`);
  }
}
