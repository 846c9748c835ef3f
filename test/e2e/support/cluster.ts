import * as k8s from "@kubernetes/client-node";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { clusterDown, clusterUp, readClusterInfo } from "../../cluster/cluster.js";
import { prometheusBinary, prometheusArgs, targetsDir } from "../../cluster/prometheus.js";
import { freePorts, httpGet } from "../../cluster/net.js";
import { startDetached, stopProcess, type RecordedProcess } from "../../cluster/proc.js";
import { stateDir } from "../../cluster/paths.js";
import type { GatewayInfo } from "../../cluster/gateway.js";

/** What every e2e test needs to reach the cluster and the Prometheus that analysis talks to. */
export interface TestCluster {
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
  prometheusUrl: string;
  prometheusTargets: string;
  /** The local cluster's Gateway API data plane (absent on another cluster, or with KESTREL_GATEWAY=0). */
  gateway?: GatewayInfo;
}

let current: TestCluster | undefined;
let startedByUs = false;
let ownPrometheus: { proc: RecordedProcess; dir: string } | undefined;

/**
 * KESTREL_CLUSTER=existing uses the cluster KUBECONFIG names (a Prometheus is still started
 * locally for analysis tests); otherwise the embedded local cluster is brought up, or reused
 * when one is already running, and only what this run started is torn down.
 */
export async function setUpTestCluster(): Promise<void> {
  if (process.env.KESTREL_CLUSTER === "existing") {
    const kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    const kubeconfigPath = process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
    const prom = await startStandalonePrometheus();
    current = { kubeconfigPath, kc, prometheusUrl: prom.url, prometheusTargets: prom.targets };
    return;
  }
  const before = readClusterInfo();
  const info = await clusterUp();
  startedByUs = before?.startedAt !== info.startedAt;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  current = {
    kubeconfigPath: info.kubeconfig,
    kc,
    prometheusUrl: info.prometheus,
    prometheusTargets: info.prometheusTargets,
    gateway: info.gateway,
  };
}

export async function tearDownTestCluster(): Promise<void> {
  if (ownPrometheus) {
    await stopProcess(ownPrometheus.proc);
    fs.rmSync(ownPrometheus.dir, { recursive: true, force: true });
  }
  if (startedByUs && process.env.KESTREL_KEEP_CLUSTER !== "1") await clusterDown(stateDir());
}

export function testCluster(): TestCluster {
  if (!current) throw new Error("the e2e root hook has not set up a cluster (run through npm run test:e2e)");
  return current;
}

async function startStandalonePrometheus(): Promise<{ url: string; targets: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-prometheus-"));
  const [port] = await freePorts(1);
  const proc = startDetached(
    "prometheus",
    prometheusBinary(),
    prometheusArgs(dir, port!),
    path.join(dir, "log"),
  );
  ownPrometheus = { proc, dir };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await httpGet(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { url, targets: targetsDir(dir) };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`prometheus did not become ready at ${url}; see ${path.join(dir, "log")}`);
}
