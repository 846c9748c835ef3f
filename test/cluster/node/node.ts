import * as k8s from "@kubernetes/client-node";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import type { ComponentSpec } from "../components.js";
import { writeKubeconfig } from "../kubeconfig.js";
import { freePorts } from "../net.js";
import { isOurs, type RecordedProcess } from "../proc.js";
import { log } from "../progress.js";
import { binary } from "../versions.js";
import {
  containerdConfig,
  hostDirs,
  kubeletConfig,
  kubeProxyConfig,
  nodePaths,
  realNodeLabel,
  type KubeletPorts,
} from "./config.js";
import {
  assertHostReady,
  chooseCgroupRoot,
  cniBinDir,
  createCgroups,
  setUpHost,
  tearDownHost,
} from "./host.js";
import { ensureImages } from "./images.js";
import { cniConfig, nodeIp, nodeName } from "./network.js";

/**
 * The real node: containerd, a kubelet and kube-proxy on this machine, beside the kwok nodes.
 * One per machine: the bridge, kube-proxy's nftables table and the pod range are machine-wide, so
 * the first cluster to start takes the node and records itself in /run/kestrel-node/owner.json;
 * another cluster on the same machine (another worktree, the lifecycle test) starts with kwok
 * nodes only and says so, unless KESTREL_REAL_NODE=1 asks it to fail instead.
 */

/** What the cluster records about its real node (in cluster.json). */
export interface RealNodeInfo {
  cgroupRoot: string;
  ports: KubeletPorts;
}

interface Owner {
  state: string;
  cgroupRoot: string;
}

export type RealNodeMode = "auto" | "required" | "off";

export function realNodeMode(value = process.env.KESTREL_REAL_NODE): RealNodeMode {
  if (value === undefined || value === "" || value === "auto") return "auto";
  if (value === "1" || value === "true") return "required";
  if (value === "0" || value === "false") return "off";
  throw new Error(`KESTREL_REAL_NODE=${value}: expected 1 (required), 0 (off) or auto (the default)`);
}

function readOwner(): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(nodePaths.owner, "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

/** What a component spec of the node needs from the cluster around it. */
export interface NodeContext {
  state: string;
  pki: string;
  apiserver: string;
  caFile: string;
  tokens: { kubelet: string; "kube-proxy": string };
  /** Starts a component and waits for its health URL (the cluster's startAndWait). */
  start(spec: ComponentSpec): Promise<void>;
  /** Whether another cluster's recorded processes are still running (its kubelet, say). */
  ownerAlive(state: string): boolean;
  kubeconfig: string;
}

/** Starts the node; returns what to record, or undefined when this cluster goes without one. */
export async function startRealNode(ctx: NodeContext, timeoutMs: number): Promise<RealNodeInfo | undefined> {
  const mode = realNodeMode();
  if (mode === "off") return undefined;
  const owner = readOwner();
  if (owner && owner.state !== ctx.state && ctx.ownerAlive(owner.state)) {
    const why = `the real node of this machine belongs to the running cluster in ${owner.state}`;
    if (mode === "required")
      throw new Error(
        `${why} (KESTREL_REAL_NODE=1): stop that one first (KESTREL_CLUSTER_STATE=${owner.state} npm run cluster:down)`,
      );
    log(`${why}; this cluster has kwok nodes only (pods that tolerate the real node's taint stay Pending)`);
    return undefined;
  }
  assertHostReady();
  // What a killed cluster left behind goes first.
  if (owner) log(`cleaning up what the real node of ${owner.state} left on the host`);
  await tearDownHost(owner?.cgroupRoot);

  const archives = ensureImages(log);
  const cgroupRoot = chooseCgroupRoot(fs.readFileSync("/proc/self/cgroup", "utf8"));
  const [kubelet, kubeletHealthz, proxyHealthz, proxyMetrics] = await freePorts(4);
  const ports: KubeletPorts = {
    kubelet: kubelet!,
    kubeletHealthz: kubeletHealthz!,
    proxyHealthz: proxyHealthz!,
    proxyMetrics: proxyMetrics!,
  };
  createCgroups(cgroupRoot);
  fs.mkdirSync(hostDirs.run, { recursive: true });
  fs.writeFileSync(nodePaths.owner, JSON.stringify({ state: ctx.state, cgroupRoot } satisfies Owner) + "\n");
  setUpHost(cniConfig(nodePaths.cniIpamDir));

  const dir = path.join(ctx.state, "node");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(nodePaths.containerdConfig, containerdConfig(cniBinDir));
  await ctx.start({
    name: "containerd",
    command: "/usr/bin/containerd",
    args: ["--config", nodePaths.containerdConfig],
  });
  await waitForContainerd(timeoutMs);
  for (const archive of archives) ctr(["images", "import", archive]);

  const kubeletKc = path.join(ctx.pki, "kubelet.kubeconfig");
  const proxyKc = path.join(ctx.pki, "kube-proxy.kubeconfig");
  writeKubeconfig(kubeletKc, ctx.apiserver, ctx.caFile, ctx.tokens.kubelet);
  writeKubeconfig(proxyKc, ctx.apiserver, ctx.caFile, ctx.tokens["kube-proxy"]);
  const kubeletYaml = path.join(dir, "kubelet.yaml");
  const proxyYaml = path.join(dir, "kube-proxy.yaml");
  fs.writeFileSync(kubeletYaml, stringify(kubeletConfig(ports, cgroupRoot)));
  fs.writeFileSync(proxyYaml, stringify(kubeProxyConfig(ports, proxyKc)));
  await ctx.start({
    name: "kubelet",
    command: binary("kubelet"),
    args: [
      `--config=${kubeletYaml}`,
      `--kubeconfig=${kubeletKc}`,
      `--root-dir=${nodePaths.kubeletRoot}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${nodeIp}`,
      `--node-labels=${realNodeLabel.key}=${realNodeLabel.value}`,
      "--v=1",
    ],
    healthUrl: `http://127.0.0.1:${ports.kubeletHealthz}/healthz`,
  });
  await ctx.start({
    name: "kube-proxy",
    command: binary("kube-proxy"),
    args: [`--config=${proxyYaml}`, "--v=1"],
    healthUrl: `http://127.0.0.1:${ports.proxyHealthz}/healthz`,
  });
  await waitForNodeReady(ctx.kubeconfig, timeoutMs);
  return { cgroupRoot, ports };
}

/**
 * After the cluster's processes have stopped: when this cluster owns the real node (even one
 * whose start failed half-way), removes its containers, host objects and the lock.
 */
export async function releaseRealNode(state: string): Promise<void> {
  const owner = readOwner();
  if (owner?.state === state) await tearDownHost(owner.cgroupRoot);
}

/** True when a recorded process list has a live kubelet: the node of that cluster is in use. */
export function hasLiveKubelet(processes: readonly RecordedProcess[]): boolean {
  return processes.some((p) => p.name === "kubelet" && isOurs(p));
}

function ctr(args: string[]): string {
  try {
    return execFileSync("ctr", ["--address", nodePaths.containerdSocket, "--namespace", "k8s.io", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ctr ${args.join(" ")}: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

async function waitForContainerd(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      ctr(["version"]);
      return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(
    `containerd did not answer on ${nodePaths.containerdSocket} within ${timeoutMs / 1000}s (last: ${last}); see logs/containerd.log`,
  );
}

async function waitForNodeReady(kubeconfig: string, timeoutMs: number): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = "not registered yet";
  while (Date.now() < deadline) {
    try {
      const node = await api.readNode({ name: nodeName });
      const ready = node.status?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status === "True") return;
      last = `Ready=${ready?.status ?? "unknown"}: ${ready?.message ?? ""}`;
    } catch (err) {
      if (!(err instanceof k8s.ApiException && err.code === 404))
        last = err instanceof Error ? err.message : String(err);
    }
    await sleep(250);
  }
  throw new Error(
    `the real node ${nodeName} did not become Ready within ${timeoutMs / 1000}s (last: ${last}); see logs/kubelet.log`,
  );
}
