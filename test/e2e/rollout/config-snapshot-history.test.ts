import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { appConfig, appSecret, configuredRollout } from "../support/config-app.js";
import { useController } from "../support/controller.js";
import { kestrelPlugin as kestrel } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, getRollout, revisions, rolloutEvents } from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** Two real pods of the configured app; no steps, one old revision kept. */
function rollout(namespace: string): Rollout {
  const ro = configuredRollout(namespace, []);
  ro.spec.replicas = 2;
  ro.spec.revisionHistoryLimit = 1;
  delete ro.spec.strategy.canary!.analysis;
  return ro;
}

/** The ConfigMaps and Secrets a pod's env names. */
const referenced = (p: k8s.V1Pod): string[] =>
  (p.spec?.containers ?? []).flatMap((c) =>
    (c.env ?? []).flatMap((e) => [
      ...(e.valueFrom?.configMapKeyRef ? [`ConfigMap/${e.valueFrom.configMapKeyRef.name}`] : []),
      ...(e.valueFrom?.secretKeyRef ? [`Secret/${e.valueFrom.secretKeyRef.name}`] : []),
    ]),
  );

describe("Config snapshots: history and garbage collection with revisionHistoryLimit", () => {
  useRealNode();
  const ns = useNamespace("config-history");
  useController(ns);

  it("revisionHistoryLimit 1 over 3 revisions deletes the oldest copies and keeps the current ones, never a copy a pod uses; history shows digests and changed keys only", async function () {
    this.timeout(360_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await apply(ns(), appConfig("one"));
    await apply(ns(), appSecret("s1"));

    // Watches the whole run: any pod (terminating ones too) naming a copy that does not exist.
    const violations: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [pods, cms, secrets] = await Promise.all([
          core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" }),
          core.listNamespacedConfigMap({ namespace: ns() }),
          core.listNamespacedSecret({ namespace: ns() }),
        ]);
        const exists = new Set([
          ...cms.items.map((c) => `ConfigMap/${c.metadata?.name}`),
          ...secrets.items.map((s) => `Secret/${s.metadata?.name}`),
        ]);
        for (const p of pods.items)
          for (const ref of referenced(p))
            if (!exists.has(ref)) violations.push(`pod ${p.metadata?.name} uses ${ref}, which is gone`);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const copiesOf = async (): Promise<string[]> =>
      (
        await core.listNamespacedConfigMap({ namespace: ns(), labelSelector: "kestrel.dev/config-snapshot" })
      ).items
        .map((c) => c.metadata?.name ?? "")
        .sort();
    const serving = async (n: number): Promise<string[]> =>
      waitFor(
        `revision ${n} serving at full`,
        async () => {
          const [ro, revs] = await Promise.all([getRollout(ns(), "web"), revisions(ns(), "web")]);
          const last = revs.at(-1);
          return ro.status?.phase === "Healthy" &&
            last?.revision === n &&
            ro.status.stableRS === last.hash &&
            last.available === 2
            ? copiesOf()
            : undefined;
        },
        { timeoutMs: 120_000 },
      );

    await apply(ns(), rollout(ns()));
    const [c1] = await serving(1);
    await apply(ns(), appConfig("two"));
    const afterTwo = await serving(2);
    const c2 = afterTwo.find((c) => c !== c1)!;
    await apply(ns(), appConfig("three"));
    await serving(3);
    const c3 = (await copiesOf()).find((c) => c !== c1 && c !== c2)!;
    assert.ok(c1 && c2 && c3, "three distinct copies were made");

    // revisionHistoryLimit 1: revision 1's ReplicaSet goes, and its copy with it (garbage collector).
    await waitFor(
      "revision 1's ReplicaSet and copy gone",
      async () => {
        const revs = await revisions(ns(), "web");
        const copies = await copiesOf();
        return revs.length === 2 && !copies.includes(c1!) ? copies : undefined;
      },
      { timeoutMs: 120_000 },
    );
    assert.deepEqual(await copiesOf(), [c2, c3].sort(), "revision 2's and 3's copies remain");
    const secretCopies = await core.listNamespacedSecret({
      namespace: ns(),
      labelSelector: "kestrel.dev/config-snapshot",
    });
    assert.equal(secretCopies.items.length, 1, "the Secret copy, shared by revisions 2 and 3, remains");
    watching = false;
    await watcher;
    assert.deepEqual(violations, [], "no copy a pod uses was ever deleted");

    // An Event per copy made: three ConfigMap copies and one Secret copy.
    const created = (await rolloutEvents(ns(), "web")).filter((e) => e.reason === "ConfigSnapshotCreated");
    for (const c of [c1, c2, c3])
      assert.ok(
        created.some((e) => e.message?.includes(`created ConfigMap ${c}, an immutable copy of app-config`)),
        `an Event for ${c}: ${created.map((e) => e.message).join(" | ")}`,
      );
    assert.ok(created.some((e) => e.message?.includes("created Secret app-secret-")));

    const h = await kestrel(["history", "web", "-n", ns()]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /REVISION\s+IMAGES\s+CONFIG\s+CHANGE-CAUSE/);
    const d3 = c3.slice("app-config-".length);
    assert.match(
      h.stdout,
      new RegExp(`\\n3\\s+\\S+\\s+ConfigMap/app-config@${d3},Secret/app-secret@[a-z2-9]{10}\\s`),
    );
    const one = await kestrel(["history", "web", "-n", ns(), "--revision=3"]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(
      one.stdout,
      /config changes against revision 2:\n {2}ConfigMap app-config changed: changed setting\n {2}Secret app-secret unchanged/,
    );
    assert.doesNotMatch(one.stdout, /three|two|s1/, "no value is printed");
  });
});
