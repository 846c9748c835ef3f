import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { parseMetrics, sumOf } from "../../../bench/lib/prom-text.js";
import { readClusterInfo, type ClusterInfo } from "../../cluster/cluster.js";
import { httpGet } from "../../cluster/net.js";
import { restartComponent, startComponent, waitForClusterHealthy } from "../../cluster/restart.js";
import { testCluster } from "./cluster.js";
import type { ControllerProcess } from "./controller.js";

/** Helpers shared by the fault drills (test/e2e/drills/). */

/**
 * The drills that stop cluster components need the embedded local cluster, whose processes are
 * recorded in its state folder (test/e2e/.mocharc.cjs leaves them out on KESTREL_CLUSTER=existing).
 */
export function localClusterInfo(): ClusterInfo {
  const info = readClusterInfo();
  if (!info)
    throw new Error("this drill restarts components of the embedded local cluster, and none is recorded");
  return info;
}

/**
 * Registers an `after` hook that leaves the shared cluster as it found it, whatever the test
 * did: each named component running (started again if a drill left it stopped), the API
 * server's /readyz ok, every node Ready, and the control plane doing its job (see
 * ensureControlPlaneWorks). Register it before useNamespace, so it runs first and the namespace
 * can then be deleted.
 */
export function keepClusterHealthy(components: string[]): void {
  after(async function () {
    this.timeout(300_000);
    if (process.env.KESTREL_CLUSTER === "existing" || !readClusterInfo()) return;
    for (const name of components) await startComponent(name);
    await waitForClusterHealthy();
    await ensureControlPlaneWorks();
  });
}

/** Whether a one-pod ReplicaSet becomes available: the controller manager, scheduler and kwok at work. */
async function podsComeUp(timeoutMs: number): Promise<boolean> {
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  const name = `kestrel-drill-probe-${Math.random().toString(36).slice(2, 8)}`;
  const labels = { app: name };
  await apps.createNamespacedReplicaSet({
    namespace: "default",
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "probe", image: "example.com/probe:1" }] },
        },
      },
    },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rs = await apps.readNamespacedReplicaSet({ name, namespace: "default" });
      if ((rs.status?.availableReplicas ?? 0) >= 1) return true;
      await sleep(250);
    }
    return false;
  } finally {
    await apps.deleteNamespacedReplicaSet({ name, namespace: "default" }).catch(() => undefined);
  }
}

/** The cluster's own API clients: what leader election would restart when the API server goes away. */
export const controlPlaneClients = ["kube-controller-manager", "kube-scheduler", "kwok"];

/**
 * Makes sure the control plane still does its job after a fault, not only that /readyz says ok:
 * a one-pod ReplicaSet must become available. After a kube-apiserver restart, a client's watch
 * opened while the API server was still starting can miss events or stay silently dead
 * (kube-apiserver's watch cache, not ours); kube-controller-manager, kube-scheduler and kwok run
 * here without leader election, which in a real control plane would restart them once they lose
 * the API server. So when the probe fails, or `restart` asks for it outright, they are restarted
 * (by recorded PID) and probed again. Returns what it restarted.
 */
export async function ensureControlPlaneWorks({ restart = false } = {}): Promise<string[]> {
  if (!restart && (await podsComeUp(20_000))) return [];
  if (!restart) process.stdout.write("      (the control plane made no pod after the fault)\n");
  const started = Date.now();
  await Promise.all(controlPlaneClients.map((name) => restartComponent(name, { graceMs: 5_000 })));
  process.stdout.write(`      (restarted ${controlPlaneClients.join(", ")} in ${Date.now() - started} ms)\n`);
  await waitForClusterHealthy();
  if (!(await podsComeUp(60_000)))
    throw new Error(
      `the control plane makes no pods, even after restarting ${controlPlaneClients.join(", ")}`,
    );
  return controlPlaneClients;
}

/** The controller's /metrics value for a series (summed over the ones matching `labels`), 0 when none exists yet. */
export async function controllerMetric(
  controller: ControllerProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await httpGet(`http://127.0.0.1:${controller.port}/metrics`);
  return sumOf(parseMetrics(res.body), name, labels);
}
