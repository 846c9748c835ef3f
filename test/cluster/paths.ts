import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file so scripts work from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Go modules that pin the upstream components we build. */
export const modulesDir = path.join(repoRoot, "test", "cluster", "modules");

/**
 * Built binaries live outside the repository so a fresh clone (and CI) reuses them.
 * KESTREL_CACHE_DIR overrides; otherwise the XDG cache convention.
 */
export const cacheRoot =
  process.env.KESTREL_CACHE_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "kestrel", "cluster");

/** Runtime state of one local cluster (pids, logs, data, kubeconfig); ignored by git. */
export function stateDir(): string {
  return process.env.KESTREL_CLUSTER_STATE ?? path.join(repoRoot, ".state", "cluster");
}

export function kubeconfigPath(state = stateDir()): string {
  return path.join(state, "kubeconfig");
}
