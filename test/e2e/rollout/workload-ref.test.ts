import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { images } from "../../cluster/node/images.js";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { answeredBy } from "../support/real-traffic.js";
import { apply, revisions, runsOf, waitForPhase, type RevisionView } from "../support/rollouts.js";
import { createService, sampleAppTemplate, startLoadGenerator, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** Waits until only the ReplicaSet of `hash` has pods, all 3 available. */
async function servingOnly(ns: string, hash: string, timeoutMs = 90_000): Promise<RevisionView[]> {
  return waitFor(
    `web to run 3 available pods of ${hash} only`,
    async () => {
      const revs = await revisions(ns, "web");
      const running = revs.filter((r) => r.replicas > 0);
      return running.length === 1 && running[0]!.hash === hash && running[0]!.available === 3
        ? revs
        : undefined;
    },
    { timeoutMs },
  );
}

async function deploymentOf(ns: string): Promise<k8s.V1Deployment> {
  return testCluster()
    .kc.makeApiClient(k8s.AppsV1Api)
    .readNamespacedDeployment({ name: "web", namespace: ns });
}

describe("spec.workloadRef: a team keeps its Deployment, and plain kubectl drives the Rollout", () => {
  useRealNode();
  const ns = useNamespace("workload-ref");
  useController(ns);

  it("set image starts a canary; set env to a bad build is rolled back by analysis into the Deployment; rollout history lists it; rollout undo --to-revision=1 takes the emergency path", async function () {
    this.timeout(300_000);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
    const labels = { app: "web" };
    await apply(ns(), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: sampleAppTemplate({ labels }) },
    });
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web" },
      spec: {
        replicas: 3,
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web", scaleDown: "onsuccess" },
        strategy: {
          canary: {
            steps: [{ setWeight: 34 }, { pause: { duration: "15s" } }],
            analysis: {
              templates: [{ templateName: "pod-success-rate" }],
              args: [
                { name: "namespace", value: ns() },
                { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
              ],
            },
            onFailure: { action: "undo" },
          },
        },
      },
    });
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const [first] = await revisions(ns(), "web");
    await waitFor("scaleDown onsuccess: the Deployment at 0", async () =>
      (await deploymentOf(ns())).spec?.replicas === 0 ? true : undefined,
    );
    const loadIp = await startLoadGenerator(ns(), "load", await createService(ns(), "web", labels), 40);

    // kubectl set image on the Deployment is a new revision, delivered by the canary's steps.
    const setImage = await kubectl([
      "-n",
      ns(),
      "set",
      "image",
      "deployment/web",
      `app=${images.sampleAppAlias}`,
    ]);
    assert.equal(setImage.code, 0, setImage.stderr);
    const second = await waitFor("the second revision", async () => (await revisions(ns(), "web"))[1]);
    assert.equal(second.image, images.sampleAppAlias);
    await servingOnly(ns(), second.hash, 120_000);
    await waitForPhase(ns(), "web", "Healthy", 60_000);

    // A bad build (30% errors): the analysis fails and onFailure undo writes revision 2 back to the Deployment.
    const setEnv = await kubectl([
      "-n",
      ns(),
      "set",
      "env",
      "deployment/web",
      "VERSION=v3",
      "ERROR_RATE=0.3",
    ]);
    assert.equal(setEnv.code, 0, setEnv.stderr);
    await waitFor("the bad revision", async () => (await revisions(ns(), "web"))[2]);
    await servingOnly(ns(), second.hash, 120_000);
    const deployment = await deploymentOf(ns());
    const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    assert.equal(
      env.find((e) => e.name === "ERROR_RATE")?.value,
      "0",
      "the Deployment holds revision 2's template again",
    );
    assert.equal(deployment.spec?.template.spec?.containers[0]?.image, images.sampleAppAlias);
    const ro = await waitForPhase(ns(), "web", "Healthy", 60_000);
    assert.equal(ro.spec.template, undefined, "the Rollout's own spec.template stays unset");

    // kubectl rollout history on the Deployment lists its revisions.
    const history = await kubectl(["-n", ns(), "rollout", "history", "deployment/web"]);
    assert.equal(history.code, 0, history.stderr);
    const listed = history.stdout.split("\n").filter((l) => /^\d+\s/.test(l));
    assert.ok(listed.length >= 3, `three or more revisions listed:\n${history.stdout}`);

    // kubectl rollout undo --to-revision=1: revision 1 once completed, so it comes back at once.
    const before = await answeredBy(loadIp);
    const runsBefore = (await runsOf(ns(), "web")).length;
    const started = Date.now();
    const undo = await kubectl(["-n", ns(), "rollout", "undo", "deployment/web", "--to-revision=1"]);
    assert.equal(undo.code, 0, undo.stderr);
    await servingOnly(ns(), first!.hash, 60_000);
    console.log(
      `      kubectl rollout undo deployment/web --to-revision=1: revision 1 serving after ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    assert.equal((await runsOf(ns(), "web")).length, runsBefore, "the emergency path runs no analysis");
    const answered = await waitFor("100 more answers", async () => {
      const now = await answeredBy(loadIp);
      return now.total >= before.total + 100 ? now : undefined;
    });
    assert.ok((answered.byVersion.v1 ?? 0) > (before.byVersion.v1 ?? 0), "revision 1 (v1) serves again");
    assert.equal(answered.byVersion.v3 ?? 0, before.byVersion.v3 ?? 0, "the bad build serves nothing");
  });

  it("a workloadRef naming a missing Deployment is InvalidSpec naming the field and the Deployment", async function () {
    this.timeout(60_000);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "orphan" },
      spec: {
        replicas: 1,
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nowhere" },
        strategy: { canary: { steps: [{ setWeight: 50 }] } },
      },
    });
    const ro = await waitForPhase(ns(), "orphan", "Degraded");
    assert.match(ro.status?.message ?? "", /spec\.workloadRef\.name: Deployment "nowhere" not found/);
  });

  it("the API server refuses workloadRef together with spec.template, naming both", async () => {
    const r = await kubectl(["-n", ns(), "apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "kestrel.dev/v1alpha1",
        kind: "Rollout",
        metadata: { name: "both" },
        spec: {
          selector: { matchLabels: { app: "both" } },
          template: sampleAppTemplate({ labels: { app: "both" } }),
          workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
          strategy: { canary: { steps: [{ setWeight: 50 }] } },
        },
      }),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /set either spec\.workloadRef .* or spec\.selector and spec\.template, not both/);
  });
});
