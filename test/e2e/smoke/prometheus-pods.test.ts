import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { promQuery } from "../support/metrics-app.js";
import { useNamespace } from "../support/namespace.js";
import { createService, sampleAppTemplate, startLoadGenerator, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

describe("smoke: Prometheus discovers pods through the API server (kubernetes_sd)", () => {
  useRealNode();
  const ns = useNamespace("prom-pods");

  it("returns per-pod request rates labelled with each pod's rollouts-pod-template-hash", async function () {
    this.timeout(120_000);
    const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    // Two "revisions" as a Rollout labels them, behind one Service.
    for (const [name, hash] of [
      ["stable", "5d8f7c9b4"],
      ["canary", "7b6c5d4f3"],
    ] as const) {
      const labels = { app: "web", "rollouts-pod-template-hash": hash };
      await apps.createNamespacedDeployment({
        namespace: ns(),
        body: {
          metadata: { name },
          spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: sampleAppTemplate({ labels, version: name }),
          },
        },
      });
    }
    const clusterIp = await createService(ns(), "web", { app: "web" });
    await startLoadGenerator(ns(), "load", clusterIp, 40);
    const pods = (await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" })).items;
    const expected = pods
      .map((p) => `${p.metadata!.name} ${p.metadata!.labels!["rollouts-pod-template-hash"]}`)
      .sort();

    const query = `sum by (pod, rollouts_pod_template_hash) (rate(app_requests_total{namespace="${ns()}"}[5s]))`;
    const series = await waitFor(
      "a request rate for each of the 4 pods",
      async () => {
        const r = await promQuery(query);
        const live = r.filter((s) => Number(s.value[1]) > 0);
        return live.length === 4 ? live : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const seen = series.map((s) => `${s.metric.pod} ${s.metric.rollouts_pod_template_hash}`).sort();
    assert.deepEqual(seen, expected);
  });
});
