import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { useNamespace } from "../support/namespace.js";
import { waitFor } from "../support/wait.js";

describe("smoke: the local cluster runs workloads", () => {
  const ns = useNamespace("smoke-deploy");
  const labels = { app: "web" };

  it("makes a Deployment of 3 replicas 3/3 available on kwok nodes", async function () {
    this.timeout(90_000);
    const { kc } = testCluster();
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: ns(),
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "web", image: "example.com/web:1" }] },
          },
        },
      },
    });
    const available = await waitFor("3 available replicas", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns() });
      return d.status?.availableReplicas === 3 ? d : undefined;
    });
    assert.equal(available.status?.readyReplicas, 3);
    const pods = await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.match(
        pod.spec?.nodeName ?? "",
        /^kwok-node-/,
        `pod ${pod.metadata?.name} is scheduled on a kwok node`,
      );
      assert.equal(pod.status?.phase, "Running");
      assert.ok(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    }
  });

  it("garbage-collects the ReplicaSet and pods when the Deployment is deleted", async function () {
    this.timeout(90_000);
    const { kc } = testCluster();
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const before = await apps.listNamespacedReplicaSet({ namespace: ns(), labelSelector: "app=web" });
    assert.equal(before.items.length, 1, "the Deployment owns one ReplicaSet");
    await apps.deleteNamespacedDeployment({ name: "web", namespace: ns(), propagationPolicy: "Background" });
    await waitFor("the ReplicaSet and pods to be garbage-collected", async () => {
      const rs = await apps.listNamespacedReplicaSet({ namespace: ns(), labelSelector: "app=web" });
      const pods = await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" });
      return rs.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
  });
});
