import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import { onRealNode } from "../../cluster/node/config.js";
import { images } from "../../cluster/node/images.js";
import { nodeName } from "../../cluster/node/network.js";
import { testCluster } from "../support/cluster.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  createService,
  podMetric,
  sampleAppTemplate,
  startLoadGenerator,
  useRealNode,
} from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** The host PIDs whose environment says they are the sample app of this pod (POD_NAME from the template). */
function processesOfPod(pod: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`POD_NAME=${pod}`))
        pids.push(Number(pid));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

describe("smoke: the real node runs pods that serve real requests", () => {
  useRealNode();
  const ns = useNamespace("real-node");
  const labels = { app: "hello" };
  let core: k8s.CoreV1Api;
  let pods: k8s.V1Pod[] = [];

  before(async function () {
    this.timeout(120_000);
    core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: ns(),
      body: {
        metadata: { name: "hello" },
        spec: { replicas: 3, selector: { matchLabels: labels }, template: sampleAppTemplate({ labels }) },
      },
    });
    await waitFor(
      "the Deployment to have 3 available replicas",
      async () => {
        const d = await apps.readNamespacedDeployment({ namespace: ns(), name: "hello" });
        return d.status?.availableReplicas === 3 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    pods = (await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=hello" })).items;
  });

  it("a Deployment becomes Ready on the real node through its HTTP readiness probe", async function () {
    this.timeout(90_000);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.spec?.nodeName, nodeName, `${p.metadata?.name} runs on the real node`);
      assert.ok(p.status?.podIP?.startsWith("10.245.0."), `${p.metadata?.name} has a pod-range IP`);
    }
    // The probe is real: a template whose readiness path answers 404 never becomes Ready.
    await core.createNamespacedPod({
      namespace: ns(),
      body: {
        metadata: { name: "never-ready" },
        spec: sampleAppTemplate({ labels: { app: "never-ready" }, readinessPath: "/missing" }).spec!,
      },
    });
    const notReady = await waitFor("the never-ready pod's container to run and be probed", async () => {
      const p = await core.readNamespacedPod({ namespace: ns(), name: "never-ready" });
      const status = p.status?.containerStatuses?.[0];
      return status?.state?.running && p.status?.conditions?.some((c) => c.type === "Ready") ? p : undefined;
    });
    const events = await waitFor("a readiness probe failure event for never-ready", async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns(),
        fieldSelector: "involvedObject.name=never-ready",
      });
      const failed = list.items.filter(
        (e) =>
          e.reason === "Unhealthy" &&
          /Readiness probe failed: HTTP probe failed with statuscode: 404/.test(e.message ?? ""),
      );
      return failed.length > 0 ? failed : undefined;
    });
    assert.ok(events.length > 0);
    const again = await core.readNamespacedPod({ namespace: ns(), name: "never-ready" });
    assert.equal(
      again.status?.conditions?.find((c) => c.type === "Ready")?.status,
      "False",
      `${notReady.metadata?.name} is not Ready`,
    );
  });

  it("requests through the Service reach every pod", async function () {
    this.timeout(90_000);
    const clusterIp = await createService(ns(), "hello", labels);
    const loadIp = await startLoadGenerator(ns(), "load", clusterIp, 30);
    const names = pods.map((p) => p.metadata!.name!).sort();
    const servedBy = await waitFor("every pod to have served the load generator", async () => {
      const samples = await podMetric(loadIp, "loadgen_responses_total");
      const seen = [
        ...new Set(
          samples.filter((s) => s.labels.code === "200" && s.value > 0).map((s) => s.labels.served_by!),
        ),
      ].sort();
      return names.every((n) => seen.includes(n)) ? seen : undefined;
    });
    assert.deepEqual(servedBy, names);
  });

  it("kubectl logs shows what the pod's process wrote", async function () {
    this.timeout(30_000);
    const name = pods[0]!.metadata!.name!;
    const res = await kubectl(["logs", "-n", ns(), name]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`serve v1 listening on 8080 as ${name}`));
  });

  it("deleting a pod ends its process", async function () {
    this.timeout(60_000);
    const name = pods[1]!.metadata!.name!;
    const before = processesOfPod(name);
    assert.equal(before.length, 1, `one process of ${name} runs on the host`);
    await core.deleteNamespacedPod({ namespace: ns(), name });
    await waitFor(`${name} to be gone from the API`, async () =>
      core.readNamespacedPod({ namespace: ns(), name }).then(
        () => undefined,
        (err: unknown) => (err instanceof k8s.ApiException && err.code === 404 ? true : undefined),
      ),
    );
    assert.deepEqual(processesOfPod(name), [], `no process of ${name} is left`);
    assert.equal(fs.existsSync(`/proc/${before[0]}`), false, `pid ${before[0]} has exited`);
  });
});

describe("smoke: Jobs on the real node end with their container's exit code", () => {
  useRealNode();
  const ns = useNamespace("real-jobs");

  for (const [code, condition] of [
    [1, "Failed"],
    [0, "Complete"],
  ] as const) {
    it(`sh -c "exit ${code}" ends ${condition}${code ? " with exit code 1" : ""}`, async function () {
      this.timeout(90_000);
      const batch = testCluster().kc.makeApiClient(k8s.BatchV1Api);
      const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
      const name = `exit-${code}`;
      await batch.createNamespacedJob({
        namespace: ns(),
        body: {
          metadata: { name },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                ...onRealNode,
                restartPolicy: "Never",
                containers: [
                  {
                    name: "main",
                    image: images.busybox,
                    imagePullPolicy: "IfNotPresent",
                    command: ["sh", "-c", `exit ${code}`],
                  },
                ],
              },
            },
          },
        },
      });
      const job = await waitFor(
        `Job ${name} to end`,
        async () => {
          const j = await batch.readNamespacedJob({ namespace: ns(), name });
          return j.status?.conditions?.some(
            (c) => (c.type === "Failed" || c.type === "Complete") && c.status === "True",
          )
            ? j
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const ended = job.status!.conditions!.filter((c) => c.status === "True").map((c) => c.type);
      assert.ok(ended.includes(condition), `conditions: ${ended.join(", ")}`);
      const jobPods = await core.listNamespacedPod({ namespace: ns(), labelSelector: `job-name=${name}` });
      assert.equal(jobPods.items.length, 1);
      const pod = jobPods.items[0]!;
      assert.equal(pod.spec?.nodeName, nodeName);
      assert.equal(pod.status?.phase, code ? "Failed" : "Succeeded");
      assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, code);
    });
  }
});
