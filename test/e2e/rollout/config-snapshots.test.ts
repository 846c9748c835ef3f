import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { appConfig, appSecret, configuredRollout } from "../support/config-app.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { answeredBy } from "../support/real-traffic.js";
import { annotate, apply, getRollout, revisions, waitForPhase } from "../support/rollouts.js";
import { createService, startLoadGenerator, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** The next `n` answers through the Service, counted by the version (configuration) that served them. */
async function nextAnswers(loadIp: string, n: number): Promise<Record<string, number>> {
  const start = await answeredBy(loadIp);
  const end = await waitFor(
    `${n} more answers`,
    async () => {
      const now = await answeredBy(loadIp);
      return now.total >= start.total + n ? now : undefined;
    },
    { timeoutMs: 60_000 },
  );
  const delta: Record<string, number> = {};
  for (const [v, count] of Object.entries(end.byVersion)) {
    const d = count - (start.byVersion[v] ?? 0);
    if (d > 0) delta[v] = d;
  }
  return delta;
}

describe("Config snapshots on real pods: a revision is its code and its configuration", () => {
  useRealNode();
  const ns = useNamespace("config-snapshots");
  useController(ns);

  it("a ConfigMap-only change is a canary that fails analysis and rolls back to the old value; undo --to-revision brings back revision 1's value while the source says otherwise", async function () {
    this.timeout(420_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
    await apply(ns(), appConfig("blue", "0"));
    await apply(ns(), appSecret("s1"));
    await apply(ns(), configuredRollout(ns()));
    await waitForPhase(ns(), "web", "Healthy", 120_000);
    const [r1] = await revisions(ns(), "web");

    // Revision 1's copies: immutable, owned by its ReplicaSet, named after source and content.
    const copies = await core.listNamespacedConfigMap({
      namespace: ns(),
      labelSelector: "kestrel.dev/config-snapshot",
    });
    assert.equal(copies.items.length, 1);
    const copy = copies.items[0]!;
    assert.match(copy.metadata?.name ?? "", /^app-config-[a-z2-9]{10}$/);
    assert.equal(copy.immutable, true);
    assert.deepEqual(copy.data, { setting: "blue", errorRate: "0" });
    assert.deepEqual(
      copy.metadata?.ownerReferences?.map((o) => o.name),
      [r1!.name],
    );
    assert.equal(copy.metadata?.labels?.["kestrel.dev/config-source"], "app-config");
    const secrets = await core.listNamespacedSecret({
      namespace: ns(),
      labelSelector: "kestrel.dev/config-snapshot",
    });
    assert.equal(secrets.items.length, 1);
    assert.equal(secrets.items[0]?.immutable, true);

    const clusterIp = await createService(ns(), "web", { app: "web" });
    const loadIp = await startLoadGenerator(ns(), "load", clusterIp, 40);
    assert.deepEqual(Object.keys(await nextAnswers(loadIp, 100)), ["blue-s1"]);

    // Only the ConfigMap changes: a new revision, a canary, whose pods serve 30% errors.
    await apply(ns(), appConfig("red", "0.3"));
    await waitFor("revision 2", async () => ((await revisions(ns(), "web")).length === 2 ? true : undefined));
    const degraded = await waitForPhase(ns(), "web", "Degraded", 180_000);
    assert.match(degraded.status?.message ?? "", /aborted by analysis/);
    await waitFor(
      "stable 5/5 and the canary at 0",
      async () => {
        const [stable, canary] = await revisions(ns(), "web");
        return stable?.available === 5 && canary?.replicas === 0 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const [, r2] = await revisions(ns(), "web");
    await waitFor(
      "revision 2's pods gone",
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns(),
          labelSelector: `rollouts-pod-template-hash=${r2!.hash}`,
        });
        return pods.items.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      Object.keys(await nextAnswers(loadIp, 200)),
      ["blue-s1"],
      "every serving pod reports the old value",
    );

    // Fixed configuration: revision 3, promoted to full; then undo to revision 1.
    await apply(ns(), appConfig("green", "0"));
    await waitFor("revision 3", async () => ((await revisions(ns(), "web")).length === 3 ? true : undefined));
    await annotate(ns(), "web", "kestrel.dev/promote=full");
    await waitFor(
      "revision 3 healthy at full",
      async () => {
        const [ro, revs] = await Promise.all([getRollout(ns(), "web"), revisions(ns(), "web")]);
        return ro.status?.phase === "Healthy" &&
          revs[2]?.available === 5 &&
          ro.status.stableRS === revs[2].hash
          ? true
          : undefined;
      },
      { timeoutMs: 120_000 },
    );
    assert.deepEqual(Object.keys(await nextAnswers(loadIp, 200)).includes("green-s1"), true);

    const undo = await kubectl([
      "patch",
      "rollout",
      "web",
      "-n",
      ns(),
      "--type=merge",
      "-p",
      '{"spec":{"rollbackTo":{"revision":1}}}',
    ]);
    assert.equal(undo.code, 0, undo.stderr);
    const back = await waitFor(
      "revision 1's ReplicaSet serving alone",
      async () => {
        const [ro, revs] = await Promise.all([getRollout(ns(), "web"), revisions(ns(), "web")]);
        const r1Now = revs.find((r) => r.hash === r1!.hash);
        const others = revs.filter((r) => r.hash !== r1!.hash).every((r) => r.replicas === 0);
        return ro.status?.phase === "Healthy" &&
          ro.status.currentPodHash === r1!.hash &&
          r1Now?.available === 5 &&
          others
          ? ro
          : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const env = back.spec.template.spec?.containers[0]?.env ?? [];
    assert.equal(
      env[0]?.valueFrom?.configMapKeyRef?.name,
      "app-config",
      "spec.template names the source, not a copy",
    );
    await waitFor(
      "revision 3's pods gone",
      async () => {
        const pods = await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" });
        return pods.items.every((p) => p.metadata?.labels?.["rollouts-pod-template-hash"] === r1!.hash)
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      Object.keys(await nextAnswers(loadIp, 200)),
      ["blue-s1"],
      "revision 1's configuration, although app-config now says green",
    );
    const source = await core.readNamespacedConfigMap({ name: "app-config", namespace: ns() });
    assert.equal(source.data?.setting, "green", "the user's ConfigMap is never rewritten");
  });
});
