import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { failureMessage } from "./build.js";
import {
  controlPlaneProblem,
  readClusterInfo,
  saveClusterInfo,
  waitUntilReady,
  type ClusterInfo,
  type ComponentRecord,
} from "./cluster.js";
import { stateDir } from "./paths.js";
import { isOurs, startDetached, stopProcess, type RecordedProcess } from "./proc.js";
import { log } from "./progress.js";

/**
 * Fault drills: stop, start or restart one recorded component of the running local cluster by
 * its PID, with the very command, arguments and log file `cluster:up` recorded, and update the
 * PID in the state folder so `cluster:status` and `cluster:down` keep working. Every wait has a
 * timeout; a failure names the component, its command and the last lines of its log.
 */

export interface ComponentOptions {
  /** The cluster's state folder (default: KESTREL_CLUSTER_STATE or .state/cluster). */
  state?: string;
  /**
   * How long a stopped component may take to exit after SIGTERM before it is SIGKILLed (default
   * 10s). kube-apiserver stops listening at once but keeps its open watches until it is killed.
   */
  graceMs?: number;
  /** How long a started component may take to answer its readiness probe. */
  readyTimeoutMs?: number;
}

const defaultGraceMs = 10_000;
const defaultReadyTimeoutMs = Number(process.env.KESTREL_READY_TIMEOUT_MS ?? 120_000);

function clusterInfo(state: string): ClusterInfo {
  const info = readClusterInfo(state);
  if (!info) throw new Error(`no local cluster recorded in ${state} (run npm run cluster:up)`);
  return info;
}

function recorded(info: ClusterInfo, name: string): ComponentRecord {
  const p = info.processes.find((x) => x.name === name);
  if (!p) {
    throw new Error(
      `the cluster in ${info.state} has no component "${name}" (it has ${info.processes.map((x) => x.name).join(", ")})`,
    );
  }
  return p;
}

const commandLine = (p: RecordedProcess): string => [p.command, ...p.args].join(" ");

/** True when the component's recorded process is alive. */
export function isComponentRunning(name: string, { state = stateDir() }: ComponentOptions = {}): boolean {
  return isOurs(recorded(clusterInfo(state), name));
}

/** Stops one component by its recorded PID (SIGTERM, SIGKILL after the grace period); a no-op if it is down. */
export async function stopComponent(name: string, opts: ComponentOptions = {}): Promise<RecordedProcess> {
  const state = opts.state ?? stateDir();
  const p = recorded(clusterInfo(state), name);
  if (!isOurs(p)) return p;
  log(`stopping ${name} (pid ${p.pid})`);
  try {
    await stopProcess(p, opts.graceMs ?? defaultGraceMs);
  } catch (err) {
    throw new Error(
      failureMessage(
        `stopping ${name}`,
        commandLine(p),
        err instanceof Error ? err.message : String(err),
        p.logFile,
      ),
      { cause: err },
    );
  }
  return p;
}

/**
 * Starts a stopped component again with its recorded command, arguments and log file, records
 * its new PID and waits until it answers its readiness probe. A component already running is
 * only waited for, so this also serves as "make sure it is up" in an after hook.
 */
export async function startComponent(name: string, opts: ComponentOptions = {}): Promise<RecordedProcess> {
  const state = opts.state ?? stateDir();
  const timeoutMs = opts.readyTimeoutMs ?? defaultReadyTimeoutMs;
  const info = clusterInfo(state);
  let p: ComponentRecord = recorded(info, name);
  let exited = (): boolean => !isOurs(p);
  if (!isOurs(p)) {
    const started = startDetached(p.name, p.command, p.args, p.logFile);
    const { exited: startedExited, ...record } = started;
    exited = startedExited;
    // Re-read just before writing: another helper may have recorded a change meanwhile.
    const fresh = clusterInfo(state);
    fresh.processes = fresh.processes.map((x) => (x.name === name ? { ...x, ...record } : x));
    saveClusterInfo(fresh);
    log(`started ${name} again (pid ${record.pid})`);
    p = { ...p, ...record };
  }
  await waitUntilReady(p, exited, timeoutMs);
  return p;
}

/**
 * Stops and starts one component; resolves once it is ready again, with how long that took in
 * all (from SIGTERM) and how long no process was running.
 */
export async function restartComponent(
  name: string,
  opts: ComponentOptions = {},
): Promise<{ before: RecordedProcess; after: RecordedProcess; totalMs: number; downMs: number }> {
  const begun = Date.now();
  const before = await stopComponent(name, opts);
  const stoppedAt = Date.now();
  const after = await startComponent(name, opts);
  return { before, after, totalMs: Date.now() - begun, downMs: Date.now() - stoppedAt };
}

/**
 * Waits until the whole cluster is as `cluster:up` left it: every recorded process running, the
 * API server's /readyz answering 200 and every node Ready. Throws naming what is not.
 */
export async function waitForClusterHealthy({
  state = stateDir(),
  readyTimeoutMs = defaultReadyTimeoutMs,
}: ComponentOptions = {}): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  let last = "nothing checked yet";
  while (Date.now() < deadline) {
    last = await healthProblem(clusterInfo(state));
    if (!last) return;
    await sleep(500);
  }
  throw new Error(`the cluster in ${state} is not healthy after ${readyTimeoutMs / 1000}s: ${last}`);
}

async function healthProblem(info: ClusterInfo): Promise<string> {
  const problem = await controlPlaneProblem(info);
  if (problem) return problem;
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    const notReady = nodes.items.filter(
      (n) => !n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (nodes.items.length === 0) return "no nodes registered";
    if (notReady.length > 0) return `nodes not Ready: ${notReady.map((n) => n.metadata?.name).join(", ")}`;
  } catch (err) {
    return `listing nodes: ${err instanceof Error ? err.message : String(err)}`;
  }
  return "";
}
