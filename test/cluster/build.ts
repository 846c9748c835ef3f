import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { modulesDir } from "./paths.js";
import { log, phase } from "./progress.js";
import { components, componentCacheDir, upstreamVersion, type Component } from "./versions.js";

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
    if (isBuilt(c)) continue;
    await phase(`building ${Object.keys(c.binaries).join(", ")} (${c.upstream} ${upstreamVersion(c)})`, () =>
      buildComponent(c, dir),
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
  fs.renameSync(staging, dir);
  fs.writeFileSync(marker(dir), new Date().toISOString() + "\n");
}

function runLogged(c: Component, cmd: string, args: string[], cwd: string, logFile: string): Promise<void> {
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `$ (cd ${cwd} && ${cmd} ${args.join(" ")})\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ["ignore", out, out],
      // Local toolchain only (nothing may be downloaded at run time) and go.sum must already be complete.
      env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), buildTimeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      fs.closeSync(out);
      reject(new Error(`building ${c.module}: could not run ${cmd}: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
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
    log(
      `${c.module} ${upstreamVersion(c)}: ${isBuilt(c) ? "cached" : "not built"} in ${componentCacheDir(c)}`,
    );
  }
}
