import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { binary } from "../../cluster/versions.js";
import { testCluster } from "./cluster.js";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl as users type it: the machine's own if on PATH, else the one built with the cluster. */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const onPath = (process.env.PATH ?? "")
    .split(":")
    .map((dir) => `${dir}/kubectl`)
    .find((p) => fs.existsSync(p));
  return onPath ?? binary("kubectl");
}

/** Runs kubectl against the test cluster; never throws on a non-zero exit (tests assert on it). */
export function kubectl(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(kubectlBinary(), ["--kubeconfig", testCluster().kubeconfigPath, ...args], opts);
}

/**
 * `kubectl kestrel ...` as a user types it: found by kubectl's own plugin discovery with the
 * repository's bin/ on PATH (as `npm run plugin:install` arranges), against the test cluster.
 */
export function kestrelPlugin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return run(kubectlBinary(), ["kestrel", ...args], {
    timeoutMs: 120_000,
    env: {
      ...process.env,
      PATH: `${path.join(repoRoot, "bin")}:${process.env.PATH}`,
      KUBECONFIG: testCluster().kubeconfigPath,
      ...env,
    },
  });
}

export function run(
  command: string,
  args: string[],
  { input, timeoutMs = 60_000, env }: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}
