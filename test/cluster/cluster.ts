import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { ensureBinaries, failureMessage } from "./build.js";
import { stopDemo } from "./demo.js";
import {
  apiserverUrl,
  componentKubeconfig,
  etcd,
  kubeApiserver,
  kubeControllerManager,
  kubeScheduler,
  kwok,
  portNames,
  prometheus,
  prometheusDir,
  prometheusTokenFile,
  prometheusUrl,
  servingCaBundle,
  type ComponentSpec,
  type Layout,
  type Ports,
} from "./components.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { freePorts, httpGet } from "./net.js";
import { createKwokNodes, waitForDefaultServiceAccount, waitForNodesReady } from "./nodes.js";
import { kubeconfigPath, stateDir } from "./paths.js";
import { writeCredentials, type Credentials } from "./pki.js";
import { isOurs, listeningPorts, startDetached, stopProcess, type RecordedProcess } from "./proc.js";
import { log, phase } from "./progress.js";
import { targetsDir } from "./prometheus.js";
import { hasLiveKubelet, releaseRealNode, startRealNode, type RealNodeInfo } from "./node/node.js";
import { nodeName } from "./node/network.js";
import { bindPrometheusReader } from "./rbac.js";
import type { GatewayInfo } from "./gateway.js";
import { gatewayEnabled } from "./gateway-mode.js";
import { startGateway, type Started } from "./gateway-up.js";

/** A component's process as recorded, with where it says it is ready (so a restart can wait for it). */
export interface ComponentRecord extends RecordedProcess {
  healthUrl?: string;
  healthHeaders?: Record<string, string>;
}

/** What `cluster:up` leaves in the state folder and what tests need to reach the cluster. */
export interface ClusterInfo {
  state: string;
  kubeconfig: string;
  apiserver: string;
  prometheus: string;
  /** Where tests drop file_sd target files for Prometheus to scrape. */
  prometheusTargets: string;
  ports: Ports;
  processes: ComponentRecord[];
  adminToken: string;
  startedAt: string;
  /** The real node, when this cluster has it (one per machine; see node/node.ts). */
  realNode?: RealNodeInfo;
  /** The Gateway API data plane (Traefik on loopback), unless KESTREL_GATEWAY=0. */
  gateway?: GatewayInfo;
}

const stateFile = (state: string): string => path.join(state, "cluster.json");
const readyTimeoutMs = Number(process.env.KESTREL_READY_TIMEOUT_MS ?? 120_000);
const nodeCount = Number(process.env.KESTREL_CLUSTER_NODES ?? 3);

export function readClusterInfo(state = stateDir()): ClusterInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(state), "utf8")) as ClusterInfo;
  } catch {
    return undefined;
  }
}

/** Records the cluster's state (e.g. a component's new PID after a restart) in its state folder. */
export function saveClusterInfo(info: ClusterInfo): void {
  fs.writeFileSync(stateFile(info.state), JSON.stringify(info, null, 2) + "\n");
}

/** What keeps the recorded cluster from serving (a process gone, the API server not ready), or undefined. */
export async function controlPlaneProblem(info: ClusterInfo): Promise<string | undefined> {
  const down = info.processes.filter((p) => !isOurs(p));
  if (down.length > 0) return `not running: ${down.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`;
  try {
    const res = await httpGet(`${info.apiserver}/readyz`, { Authorization: `Bearer ${info.adminToken}` });
    if (res.status !== 200) return `kube-apiserver /readyz: HTTP ${res.status}: ${res.body.slice(0, 300)}`;
  } catch (err) {
    return `kube-apiserver /readyz: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** True when every recorded process is alive and the API server answers /readyz. */
export async function isHealthy(info: ClusterInfo): Promise<boolean> {
  return (await controlPlaneProblem(info)) === undefined;
}

/** Starts the whole local cluster, or reuses the one already running from the same state folder. */
export async function clusterUp(state = stateDir()): Promise<ClusterInfo> {
  const existing = readClusterInfo(state);
  if (existing && (await isHealthy(existing))) {
    log(`reusing the running cluster in ${state}`);
    return existing;
  }
  if (existing || fs.existsSync(state)) {
    log(`cleaning up a stale state folder ${state}`);
    await stopAll(existing);
    fs.rmSync(state, { recursive: true, force: true });
  }
  await ensureBinaries();

  const logs = path.join(state, "logs");
  fs.mkdirSync(logs, { recursive: true });
  const pki = path.join(state, "pki");
  const creds: Credentials = writeCredentials(pki);
  const portList = await freePorts(portNames.length);
  const ports = Object.fromEntries(portNames.map((n, i) => [n, portList[i]])) as unknown as Ports;
  const layout: Layout = { state, logs, pki, ports, creds };
  const info: ClusterInfo = {
    state,
    kubeconfig: kubeconfigPath(state),
    apiserver: apiserverUrl(layout),
    prometheus: prometheusUrl(layout),
    prometheusTargets: targetsDir(prometheusDir(layout)),
    ports,
    processes: [],
    adminToken: creds.tokens.admin,
    startedAt: new Date().toISOString(),
  };
  saveClusterInfo(info);

  try {
    await phase("starting etcd", () => startAndWait(layout, info, etcd(layout)));
    await phase("starting kube-apiserver", () => startAndWait(layout, info, kubeApiserver(layout)));
    writeKubeconfig(info.kubeconfig, info.apiserver, servingCaBundle(layout), creds.tokens.admin);
    fs.writeFileSync(prometheusTokenFile(layout), creds.tokens.prometheus, { mode: 0o600 });
    await bindPrometheusReader(info.kubeconfig);
    for (const who of ["controller-manager", "scheduler", "kwok"] as const) {
      writeKubeconfig(
        componentKubeconfig(layout, who),
        info.apiserver,
        servingCaBundle(layout),
        creds.tokens[who],
      );
    }
    await phase("starting controller-manager, scheduler, kwok, prometheus", () =>
      Promise.all(
        [kubeControllerManager, kubeScheduler, kwok, prometheus].map((c) =>
          startAndWait(layout, info, c(layout)),
        ),
      ),
    );
    await phase(`registering ${nodeCount} kwok nodes`, async () => {
      await createKwokNodes(info.kubeconfig, nodeCount);
      await waitForNodesReady(info.kubeconfig, nodeCount, readyTimeoutMs);
      await waitForDefaultServiceAccount(info.kubeconfig, readyTimeoutMs);
    });
    await phase("starting the real node (containerd, kubelet, kube-proxy)", async () => {
      info.realNode = await startRealNode(
        {
          state,
          pki,
          apiserver: info.apiserver,
          caFile: servingCaBundle(layout),
          tokens: { kubelet: creds.tokens.kubelet, "kube-proxy": creds.tokens["kube-proxy"] },
          start: async (spec) => void (await startAndWait(layout, info, spec)),
          ownerAlive: (other) => hasLiveKubelet(readClusterInfo(other)?.processes ?? []),
          kubeconfig: info.kubeconfig,
        },
        readyTimeoutMs,
      );
      saveClusterInfo(info);
    });
    await startGatewayOf(layout, info);
  } catch (err) {
    // Leave nothing running; keep the logs for the reader (the next `up` cleans them).
    await stopAll(info);
    throw err;
  }
  return info;
}

/** The Gateway API data plane, last: it needs only the API server, and nothing waits for it. */
async function startGatewayOf(layout: Layout, info: ClusterInfo): Promise<void> {
  if (!gatewayEnabled()) {
    log("no gateway (KESTREL_GATEWAY=0): tests that route traffic through one will fail");
    return;
  }
  await phase("starting the gateway (Gateway API CRDs, Traefik, a Gateway)", async () => {
    info.gateway = await startGateway({
      layout,
      kubeconfig: info.kubeconfig,
      apiserver: info.apiserver,
      caFile: servingCaBundle(layout),
      start: (spec) => startAndWait(layout, info, spec),
      timeoutMs: readyTimeoutMs,
    });
    saveClusterInfo(info);
  });
}

async function startAndWait(layout: Layout, info: ClusterInfo, spec: ComponentSpec): Promise<Started> {
  const logFile = path.join(layout.logs, `${spec.name}.log`);
  if (!fs.existsSync(spec.command)) {
    throw new Error(
      failureMessage(
        `starting ${spec.name}`,
        spec.command,
        "the executable does not exist (run npm run cluster:build)",
        logFile,
      ),
    );
  }
  spec = { ...spec, args: [...spec.args, ...extraArgs(spec.name)] };
  const proc = startDetached(spec.name, spec.command, spec.args, logFile, spec.env);
  const { exited, ...started } = proc;
  const record: ComponentRecord = {
    ...started,
    healthUrl: spec.healthUrl,
    healthHeaders: spec.healthHeaders,
  };
  info.processes.push(record);
  saveClusterInfo(info);
  await waitUntilReady(record, exited);
  return { record, exited };
}

/**
 * Waits until a component just started answers 200 at its health URL (at once if it has none).
 * Stops early when its process exits; a failure names the component, its command and the last
 * lines of its log.
 */
export async function waitUntilReady(
  p: ComponentRecord,
  exited: () => boolean,
  timeoutMs = readyTimeoutMs,
): Promise<void> {
  if (!p.healthUrl) return;
  const command = [p.command, ...p.args].join(" ");
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exited())
      throw new Error(failureMessage(`starting ${p.name}`, command, "the process exited", p.logFile));
    try {
      const res = await httpGet(p.healthUrl, p.healthHeaders);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    failureMessage(
      `starting ${p.name}`,
      command,
      `not ready within ${timeoutMs / 1000}s at ${p.healthUrl} (last: ${last})`,
      p.logFile,
    ),
  );
}

/**
 * KESTREL_EXTRA_ARGS_KUBE_APISERVER="--flag=value ..." (and likewise per component) appends flags,
 * e.g. to raise the control plane's own rate limits for a benchmark.
 */
export function extraArgs(component: string): string[] {
  const value = process.env[`KESTREL_EXTRA_ARGS_${component.toUpperCase().replace(/-/g, "_")}`];
  return value ? value.trim().split(/\s+/) : [];
}

/**
 * Stops every recorded process by PID, dependents first, so nothing reconnects to a dying store;
 * then removes what the real node left on the host (containers, bridge, rules, mounts, cgroups).
 */
async function stopAll(info: ClusterInfo | undefined): Promise<void> {
  if (!info) return;
  for (const p of [...info.processes].reverse()) await stopProcess(p);
  await releaseRealNode(info.state);
  await portsClosed(Object.values(info.ports));
}

/**
 * Waits (up to 5 s) until the kernel has closed the cluster's listening sockets: an exited
 * process's sockets can outlive it by a moment while its last threads are torn down.
 */
async function portsClosed(ports: number[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const open = ports.filter((port) => listeningPorts().has(port));
    if (open.length === 0) return;
    if (Date.now() > deadline) {
      log(
        `ports still listening after every process stopped (another program may hold them): ${open.join(", ")}`,
      );
      return;
    }
    await sleep(100);
  }
}

/** Stops the cluster and removes its state folder; a no-op when nothing runs. */
export async function clusterDown(state = stateDir()): Promise<void> {
  const info = readClusterInfo(state);
  if (!info && !fs.existsSync(state)) {
    log(`no cluster state in ${state}; nothing to stop`);
    return;
  }
  await phase("stopping the cluster", async () => {
    await stopDemo(state);
    await stopAll(info);
    fs.rmSync(state, { recursive: true, force: true });
  });
}

/** Prints each component's state; true when the cluster is healthy. */
export async function clusterStatus(state = stateDir()): Promise<boolean> {
  const info = readClusterInfo(state);
  if (!info) {
    log(`no cluster in ${state} (run npm run cluster:up)`);
    return false;
  }
  for (const p of info.processes)
    log(`${p.name.padEnd(24)} pid ${p.pid} ${isOurs(p) ? "running" : "NOT RUNNING"}`);
  const healthy = await isHealthy(info);
  log(`api server ${info.apiserver}: ${healthy ? "ready" : "NOT READY"}`);
  log(
    info.realNode
      ? `real node ${nodeName}: cgroup ${info.realNode.cgroupRoot}, kubelet port ${info.realNode.ports.kubelet}`
      : "real node: none (kwok nodes only)",
  );
  log(`prometheus ${info.prometheus}`);
  log(
    info.gateway
      ? `gateway ${info.gateway.url} (Gateway ${info.gateway.namespace}/${info.gateway.name}, class ${info.gateway.className})`
      : "gateway: none",
  );
  log(`kubeconfig ${info.kubeconfig}`);
  return healthy;
}
