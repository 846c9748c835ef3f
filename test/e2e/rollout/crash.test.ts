import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { watchReplicaHistory } from "../support/replica-history.js";
import { waitFor } from "../support/wait.js";
import {
  annotate,
  apply,
  getRollout,
  revisions,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

/** name -> [spec.replicas, metadata.generation, resourceVersion] of each of the Rollout's ReplicaSets. */
async function replicaSetState(
  namespace: string,
  rollout: string,
): Promise<Record<string, [number, number, string]>> {
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({ namespace });
  return Object.fromEntries(
    list.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.name === rollout))
      .map((rs) => [
        rs.metadata!.name!,
        [rs.spec?.replicas ?? 0, rs.metadata?.generation ?? 0, rs.metadata?.resourceVersion ?? ""],
      ]),
  );
}

describe("Rollout: a SIGKILLed controller resumes where it was", () => {
  const ns = useNamespace("crash");
  let controller: ControllerProcess;
  beforeEach(async function () {
    this.timeout(60_000);
    controller = new ControllerProcess([ns()]);
    await controller.start();
  });
  afterEach(async function () {
    this.timeout(30_000);
    if (this.currentTest?.state === "failed")
      process.stderr.write(`--- controller log ---\n${controller.tail(60)}\n`);
    await controller.stop();
  });

  async function restart(): Promise<void> {
    await controller.kill();
    if (process.env.KESTREL_DEBUG_CRASH)
      process.stderr.write(`killed controller log: ${controller.logFile}\n`);
    controller = new ControllerProcess([ns()]);
    await controller.start();
  }

  it("killed at a pause: same step after restart, and not one ReplicaSet write", async function () {
    this.timeout(120_000);
    await apply(
      ns(),
      rolloutManifest("at-pause", {
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
      }),
    );
    await waitForPhase(ns(), "at-pause", "Healthy");
    await setImage(ns(), "at-pause", v2);
    await waitForSplit(ns(), "at-pause", { [v1]: 8, [v2]: 2 });
    const paused = await waitForPhase(ns(), "at-pause", "Paused");
    const before = await replicaSetState(ns(), "at-pause");

    await restart();
    await sleep(3_000); // the new controller has listed, resynced and reconciled by now
    assert.deepEqual(
      await replicaSetState(ns(), "at-pause"),
      before,
      "no ReplicaSet was created, scaled or touched",
    );
    const after = await getRollout(ns(), "at-pause");
    assert.equal(after.status?.currentStepIndex, paused.status?.currentStepIndex);
    assert.equal(after.status?.phase, "Paused");

    await annotate(ns(), "at-pause", "kestrel.dev/promote=step");
    await waitForSplit(ns(), "at-pause", { [v1]: 4, [v2]: 6 });
  });

  it("killed right after a weight change: continues to the same step with no duplicate ReplicaSet and no extra scaling", async function () {
    this.timeout(120_000);
    await apply(
      ns(),
      rolloutManifest("after-scale", {
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      }),
    );
    await waitForPhase(ns(), "after-scale", "Healthy");
    await setImage(ns(), "after-scale", v2);
    await waitForSplit(ns(), "after-scale", { [v1]: 8, [v2]: 2 });
    await waitForPhase(ns(), "after-scale", "Paused");

    const replicas = watchReplicaHistory(ns());
    await replicas.synced;
    await annotate(ns(), "after-scale", "kestrel.dev/promote=step");
    // Kill the moment the canary's scale-up lands, before the stable side follows.
    for (;;) {
      const s = await revisions(ns(), "after-scale");
      if (s.find((r) => r.image === v2)?.replicas === 5) break;
      await sleep(5);
    }
    await restart();
    const final = await waitForSplit(ns(), "after-scale", { [v1]: 5, [v2]: 5 });
    assert.equal(final.length, 2, "no duplicate ReplicaSet");
    // The watch may deliver the last change a moment after the poll above saw it.
    await waitFor(
      "the watch to catch up",
      async () => (final.every((r) => replicas.peek().replicas.get(r.name)?.at(-1) === 5) ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const history = replicas.stop().replicas;
    // No extra scaling: the stable only ever went down and the canary only up, ending at 5/5
    // (the stable may pass through 7 when canary pods become available in two batches).
    for (const r of final) {
      const seq = history.get(r.name) ?? [];
      const sorted = [...seq].sort((a, b) => (r.image === v1 ? b - a : a - b));
      assert.deepEqual(seq, sorted, `${r.image} moved one way only: ${seq.join(" -> ")}`);
      assert.equal(seq.at(-1), 5);
    }
    const ro = await waitForPhase(ns(), "after-scale", "Paused");
    assert.equal(ro.status?.currentStepIndex, 3);
  });

  it("killed again and again at random moments (status writes included): finishes with two ReplicaSets and monotone scaling", async function () {
    this.timeout(240_000);
    const steps = [
      { setWeight: 10 },
      { pause: { duration: "1s" } },
      { setWeight: 30 },
      { pause: { duration: "1s" } },
      { setWeight: 60 },
      { pause: { duration: "1s" } },
    ];
    await apply(ns(), rolloutManifest("chaos", { steps }));
    await waitForPhase(ns(), "chaos", "Healthy");
    await setImage(ns(), "chaos", v2);

    const canaryHistory: number[] = [];
    const stableHistory: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const revs = await revisions(ns(), "chaos");
        const c = revs.find((r) => r.image === v2)?.replicas;
        const s = revs.find((r) => r.image === v1)?.replicas;
        if (c !== undefined && c !== canaryHistory.at(-1)) canaryHistory.push(c);
        if (s !== undefined && s !== stableHistory.at(-1)) stableHistory.push(s);
        await sleep(20);
      }
    })();
    for (let i = 0; i < 6; i++) {
      await sleep(100 + Math.floor(Math.random() * 500));
      await restart();
    }
    await waitForSplit(ns(), "chaos", { [v1]: 0, [v2]: 10 }, { timeoutMs: 90_000 });
    await waitForPhase(ns(), "chaos", "Healthy");
    sampling = false;
    await sampler;
    assert.equal((await revisions(ns(), "chaos")).length, 2, "no duplicate ReplicaSet");
    const sortedUp = [...canaryHistory].sort((a, b) => a - b);
    const sortedDown = [...stableHistory].sort((a, b) => b - a);
    assert.deepEqual(canaryHistory, sortedUp, `the canary only ever grew: ${canaryHistory.join(" -> ")}`);
    assert.deepEqual(stableHistory, sortedDown, `the stable only ever shrank: ${stableHistory.join(" -> ")}`);
  });

  it("blue-green killed again and again around the switch: activeService goes v1 -> v2 once, ends Healthy with v1 scaled down", async function () {
    this.timeout(240_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    for (const name of ["bg-active", "bg-preview"])
      await core.createNamespacedService({
        namespace: ns(),
        body: { metadata: { name }, spec: { selector: { app: "bg" }, ports: [{ port: 80 }] } },
      });
    const manifest = rolloutManifest("bg");
    manifest.spec.strategy = {
      blueGreen: { activeService: "bg-active", previewService: "bg-preview", scaleDownDelaySeconds: 3 },
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "bg", "Healthy");
    const h1 = (await revisions(ns(), "bg"))[0]!.hash;
    const selectors: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const svc = await core.readNamespacedService({ namespace: ns(), name: "bg-active" });
        const hash = svc.spec?.selector?.["rollouts-pod-template-hash"] ?? "";
        if (hash !== selectors.at(-1)) selectors.push(hash);
        await sleep(20);
      }
    })();
    await setImage(ns(), "bg", v2);
    for (let i = 0; i < 6; i++) {
      await sleep(100 + Math.floor(Math.random() * 500));
      await restart();
    }
    const h2 = await waitFor("the v2 ReplicaSet", async () => (await revisions(ns(), "bg"))[1]?.hash);
    await waitForSplit(ns(), "bg", { [v1]: 0, [v2]: 10 }, { timeoutMs: 90_000 });
    const ro = await waitForPhase(ns(), "bg", "Healthy");
    sampling = false;
    await sampler;
    assert.equal(ro.status?.stableRS, h2);
    assert.deepEqual(selectors, [h1, h2], "activeService switched once, never back and forth");
    assert.equal((await revisions(ns(), "bg")).length, 2, "no duplicate ReplicaSet");
  });
});
