import * as k8s from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { kwokNodeAnnotation } from "./components.js";

const podsPerNode = process.env.KESTREL_NODE_PODS ?? "1000";

function coreApi(kubeconfig: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(k8s.CoreV1Api);
}

export const kwokNodeName = (i: number): string => `kwok-node-${i}`;

/** Registers fake nodes that kwok will run: generous capacity so scale tests are bounded by us, not them. */
export async function createKwokNodes(kubeconfig: string, count: number): Promise<void> {
  const api = coreApi(kubeconfig);
  const capacity = { cpu: "64", memory: "512Gi", pods: podsPerNode };
  for (let i = 0; i < count; i++) {
    const name = kwokNodeName(i);
    await api.createNode({
      body: {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          labels: {
            type: "kwok",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
          },
          annotations: { [kwokNodeAnnotation.key]: kwokNodeAnnotation.value },
        },
        status: { capacity, allocatable: capacity },
      },
    });
  }
}

export async function waitForNodesReady(kubeconfig: string, count: number, timeoutMs: number): Promise<void> {
  const api = coreApi(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  let ready = 0;
  while (Date.now() < deadline) {
    const nodes = await api.listNode();
    ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    ).length;
    if (ready >= count) return;
    await sleep(250);
  }
  throw new Error(
    `kwok: only ${ready}/${count} nodes became Ready within ${timeoutMs / 1000}s (see logs/kwok.log)`,
  );
}

/** Pods are refused until the ServiceAccount controller has created the namespace's `default` account. */
export async function waitForDefaultServiceAccount(
  kubeconfig: string,
  timeoutMs: number,
  namespace = "default",
): Promise<void> {
  const api = coreApi(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await api.readNamespacedServiceAccount({ name: "default", namespace });
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(
    `kube-controller-manager: no default ServiceAccount in ${namespace} within ${timeoutMs / 1000}s (see logs/kube-controller-manager.log)`,
  );
}
