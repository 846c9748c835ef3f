import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { readClusterInfo, type ClusterInfo } from "../../cluster/cluster.js";
import { httpGet } from "../../cluster/net.js";
import { restartComponent, startComponent, waitForClusterHealthy } from "../../cluster/restart.js";
import { testCluster } from "./cluster.js";
import type { ControllerProcess } from "./controller.js";

/** Helpers shared by the fault drills (test/e2e/drills/). */

/**
 * The drills that stop cluster components need the embedded local cluster, whose processes are
 * recorded in its state folder; on KESTREL_CLUSTER=existing they are skipped, saying why.
 */
export function localClusterInfo(ctx: Mocha.Context): ClusterInfo {
  const info = process.env.KESTREL_CLUSTER === "existing" ? undefined : readClusterInfo();
  if (!info) {
    process.stdout.write("      (skipped: this drill restarts components of the embedded local cluster)\n");
    ctx.skip();
  }
  return info!;
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

/** The value of one sample of the controller's /metrics, 0 when the series does not exist yet. */
export async function controllerMetric(
  controller: ControllerProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await httpGet(`http://127.0.0.1:${controller.port}/metrics`);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of res.body.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.split(" ").at(-1));
  }
  return 0;
}

export interface ReplicaHistory {
  /** ReplicaSet name -> every distinct spec.replicas seen, in order. */
  replicas: Map<string, number[]>;
  /** ReplicaSet name -> the last metadata.generation seen. */
  generations: Map<string, number>;
  /** How many times the watch had to be established again (after the API server went away). */
  reconnects: number;
}

/**
 * Like replica-history.ts, but survives an API server restart: when the watch ends it resumes
 * from the last resourceVersion seen, or lists again if that is too old (410 Gone). What it
 * records is a subsequence of the true history (a relist shows only the current value), so
 * "moved one way only" judged on it can never fail for a change it missed; pair it with the
 * ReplicaSets' metadata.generation, which counts every write of the spec.
 */
export function watchReplicaHistoryAcrossRestarts(namespace: string): {
  /** Resolves once the first list is recorded: changes after it are all seen. */
  synced: Promise<void>;
  peek(): ReplicaHistory;
  stop(): ReplicaHistory;
} {
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((r) => (markSynced = r));
  const kc = testCluster().kc;
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const watch = new k8s.Watch(kc);
  const state: ReplicaHistory = { replicas: new Map(), generations: new Map(), reconnects: -1 };
  let stopped = false;
  let request: AbortController | undefined;
  let resourceVersion = "";

  const record = (rs: k8s.V1ReplicaSet): void => {
    const name = rs.metadata?.name ?? "";
    const seq = state.replicas.get(name) ?? [];
    const n = rs.spec?.replicas ?? 0;
    if (seq.at(-1) !== n) seq.push(n);
    state.replicas.set(name, seq);
    state.generations.set(name, rs.metadata?.generation ?? 0);
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      state.reconnects++;
      try {
        if (!resourceVersion) {
          const list = await apps.listNamespacedReplicaSet({ namespace });
          list.items.forEach(record);
          resourceVersion = list.metadata?.resourceVersion ?? "";
          markSynced();
        }
        await new Promise<void>((resolve) => {
          watch
            .watch(
              `/apis/apps/v1/namespaces/${namespace}/replicasets`,
              { resourceVersion, allowWatchBookmarks: true },
              (type: string, obj: k8s.V1ReplicaSet & { code?: number }) => {
                if (type === "ERROR") {
                  if (obj.code === 410) resourceVersion = "";
                  return;
                }
                if (type !== "BOOKMARK") record(obj);
                resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
              },
              (err: unknown) => {
                if ((err as { statusCode?: number } | null)?.statusCode === 410) resourceVersion = "";
                resolve();
              },
            )
            .then(
              (c) => {
                request = c;
                if (stopped) c.abort();
              },
              () => resolve(),
            );
        });
      } catch {
        // The API server is away: try again shortly.
      }
      if (!stopped) await sleep(200);
    }
  };
  void loop();
  const snapshot = (): ReplicaHistory => ({
    replicas: new Map([...state.replicas].map(([k, v]) => [k, [...v]])),
    generations: new Map(state.generations),
    reconnects: Math.max(0, state.reconnects),
  });
  return {
    synced,
    peek: snapshot,
    stop() {
      stopped = true;
      request?.abort();
      return snapshot();
    },
  };
}
