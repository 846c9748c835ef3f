import * as k8s from "@kubernetes/client-node";
import { onRealNode, realNodeLabel } from "../../cluster/node/config.js";
import { images } from "../../cluster/node/images.js";
import { httpGet } from "../../cluster/net.js";
import { appPort, appService, loadGeneratorPod, parseSamples } from "../../cluster/node/workloads.js";
import { testCluster } from "./cluster.js";
import { waitFor } from "./wait.js";

/**
 * Real workloads on the real node: the sample app (test/apps/sample-app.ts) behind a Service, its
 * load generator, and one-off pods whose exit code and log a test reads.
 */

export { appPort, sampleAppTemplate } from "../../cluster/node/workloads.js";

const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

export async function createService(
  namespace: string,
  name: string,
  selector: Record<string, string>,
): Promise<string> {
  const svc = await core().createNamespacedService({ namespace, body: appService(name, selector) });
  return svc.spec!.clusterIP!;
}

/** A pod of the load generator sending `rps` requests a second to the Service's ClusterIP; returns the pod's IP. */
export async function startLoadGenerator(
  namespace: string,
  name: string,
  clusterIp: string,
  rps = 20,
): Promise<string> {
  await core().createNamespacedPod({ namespace, body: loadGeneratorPod(name, clusterIp, rps) });
  return waitForPodIp(namespace, name);
}

export async function waitForPodIp(namespace: string, name: string): Promise<string> {
  return waitFor(`pod ${namespace}/${name} to be Ready with an IP`, async () => {
    const p = await core().readNamespacedPod({ namespace, name });
    const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    return ready ? p.status?.podIP : undefined;
  });
}

/** One metric's samples from a pod's /metrics, read over the bridge by pod IP as the host does. */
export async function podMetric(
  podIp: string,
  metric: string,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const res = await httpGet(`http://${podIp}:${appPort}/metrics`);
  return parseSamples(res.body, metric);
}

export interface Finished {
  exitCode: number;
  log: string;
}

/** Runs a one-off pod on the real node to its end; returns its container's exit code and its log. */
export async function runToCompletion(
  namespace: string,
  name: string,
  container: Partial<k8s.V1Container>,
  timeoutMs = 60_000,
): Promise<Finished> {
  await core().createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        ...onRealNode,
        restartPolicy: "Never",
        containers: [{ name: "main", image: images.busybox, imagePullPolicy: "IfNotPresent", ...container }],
      },
    },
  });
  const exitCode = await waitFor(
    `pod ${namespace}/${name} to finish`,
    async () => {
      const p = await core().readNamespacedPod({ namespace, name });
      return p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
    },
    { timeoutMs },
  );
  const log = await core().readNamespacedPodLog({ namespace, name, container: "main" });
  return { exitCode, log };
}

/**
 * For a describe block whose pods must run: fails at once, saying why, when the cluster has no
 * Ready real node (another cluster on this machine owns it, KESTREL_REAL_NODE=0, or a cluster of
 * your own without one), instead of waiting out a Pending pod.
 */
export function useRealNode(): void {
  before(async function () {
    this.timeout(30_000);
    const nodes = await core().listNode({ labelSelector: `${realNodeLabel.key}=${realNodeLabel.value}` });
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (ready.length === 0)
      throw new Error(
        `these tests run real pods and the cluster has no Ready node labelled ${realNodeLabel.key}=${realNodeLabel.value}: ` +
          "the local cluster starts one unless another cluster on this machine owns it (see cluster:up's output) or KESTREL_REAL_NODE=0",
      );
  });
}
