import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { parseRecords } from "../../../controller/config/snapshot.js";
import { testCluster } from "../support/cluster.js";
import { appConfig, appSecret, configuredRollout } from "../support/config-app.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { annotate, apply, getRollout, revisions } from "../support/rollouts.js";
import { podMetric, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** Two real pods of the configured app; a 50% step, then a pause. */
function rollout(namespace: string): Rollout {
  const ro = configuredRollout(namespace, [{ setWeight: 50 }, { pause: {} }]);
  ro.spec.replicas = 2;
  delete ro.spec.strategy.canary!.analysis;
  return ro;
}

interface Served {
  pod: string;
  hash: string;
  /** What the pod reports (its metrics' version label): read from the real process. */
  reports: string;
  /** What its revision's copies hold, read from the copy its ReplicaSet records. */
  expected: string;
}

/** Every running, non-terminating pod: what it reports and what its own revision's snapshot says. */
async function servedNow(namespace: string): Promise<Served[]> {
  const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  const [pods, rss] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector: "app=web" }),
    apps.listNamespacedReplicaSet({ namespace }),
  ]);
  const out: Served[] = [];
  for (const p of pods.items) {
    if (p.metadata?.deletionTimestamp || p.status?.phase !== "Running" || !p.status.podIP) continue;
    const hash = p.metadata?.labels?.["rollouts-pod-template-hash"] ?? "";
    const rs = rss.items.find((r) => r.metadata?.labels?.["rollouts-pod-template-hash"] === hash);
    const copy = parseRecords(rs?.metadata?.annotations?.["kestrel.dev/config-snapshots"]).find(
      (r) => r.kind === "ConfigMap",
    );
    const cm = copy && (await core.readNamespacedConfigMap({ name: copy.name, namespace }));
    const samples = await podMetric(p.status.podIP, "app_requests_total").catch(() => []);
    out.push({
      pod: p.metadata?.name ?? "",
      hash,
      reports: samples[0]?.labels.version ?? "",
      expected: `${cm?.data?.setting ?? "?"}-s1`,
    });
  }
  return out;
}

describe("Config snapshots: editing the source ConfigMap during a canary", () => {
  useRealNode();
  const ns = useNamespace("config-canary-edit");
  useController(ns);

  it("the canary's pods keep their copy, the edit is a further revision, and each serving pod reports its own revision's value", async function () {
    this.timeout(360_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await apply(ns(), appConfig("one"));
    await apply(ns(), appSecret("s1"));
    await apply(ns(), rollout(ns()));
    const paused = (n: number) =>
      waitFor(
        `revision ${n} paused as the canary with one pod available`,
        async () => {
          const [ro, revs] = await Promise.all([getRollout(ns(), "web"), revisions(ns(), "web")]);
          const last = revs.at(-1);
          return last?.revision === n && last.available === 1 && ro.status?.phase === "Paused"
            ? revs
            : undefined;
        },
        { timeoutMs: 120_000 },
      );
    await waitFor(
      "revision 1 healthy",
      async () => ((await getRollout(ns(), "web")).status?.phase === "Healthy" ? true : undefined),
      { timeoutMs: 120_000 },
    );

    await apply(ns(), appConfig("two"));
    const [r1, r2] = await paused(2);
    const during = await waitFor(
      "both revisions' pods answering",
      async () => {
        const s = await servedNow(ns());
        return s.length === 2 && s.every((x) => x.reports !== "") ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      during.map((s) => [s.hash, s.reports]).sort(),
      [
        [r1!.hash, "one-s1"],
        [r2!.hash, "two-s1"],
      ].sort(),
    );
    const r2Copy = parseRecords(
      (
        await testCluster()
          .kc.makeApiClient(k8s.AppsV1Api)
          .readNamespacedReplicaSet({ name: r2!.name, namespace: ns() })
      ).metadata?.annotations?.["kestrel.dev/config-snapshots"],
    ).find((r) => r.kind === "ConfigMap")!;

    // The edit during the canary: a further revision, never a change under revision 2's pods.
    await apply(ns(), appConfig("three"));
    const revs = await paused(3);
    assert.equal(revs.length, 3, "the edit is revision 3");
    const kept = await core.readNamespacedConfigMap({ name: r2Copy.name, namespace: ns() });
    assert.equal(kept.data?.setting, "two", "revision 2's copy still holds what its pods were tested with");
    const after = await waitFor(
      "revision 1 and 3 serving, revision 2's pods gone",
      async () => {
        const s = await servedNow(ns());
        return s.length === 2 && s.every((x) => x.reports !== "" && x.hash !== r2!.hash) ? s : undefined;
      },
      { timeoutMs: 90_000 },
    );
    for (const s of after)
      assert.equal(s.reports, s.expected, `pod ${s.pod} reports its own revision's value`);
    assert.deepEqual(after.map((s) => s.reports).sort(), ["one-s1", "three-s1"]);

    await annotate(ns(), "web", "kestrel.dev/promote=full");
    const full = await waitFor(
      "revision 3 alone",
      async () => {
        const s = await servedNow(ns());
        return s.length === 2 && s.every((x) => x.reports === "three-s1") ? s : undefined;
      },
      { timeoutMs: 120_000 },
    );
    for (const s of full) assert.equal(s.reports, s.expected);
  });
});
