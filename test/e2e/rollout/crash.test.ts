import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import {
  annotate,
  apply,
  getRollout,
  revisions,
  rolloutEvents,
  rolloutManifest,
  setImage,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

const v1 = "example.com/app:1";
const v2 = "example.com/app:2";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
    // Every scaling either controller did is an Event "scaled up|down ReplicaSet X (revision N)
    // from A to B". No extra scaling means: per ReplicaSet the steps chain (each starts where the
    // last ended), go one way only, and none repeats (a repeat would raise an Event's count).
    const scalings = (await rolloutEvents(ns(), "after-scale")).filter(
      (e) => e.reason === "ScalingReplicaSet",
    );
    for (const r of final) {
      // Events carry second-precision times, so chain them by value rather than sort by time. The
      // same step can be reported twice (a re-plan on a cache that had not yet seen the patch
      // re-sends the same, idempotent replica count); a real extra scaling is a new pair.
      const pairs = scalings
        .filter((e) => e.message?.includes(`ReplicaSet ${r.name} `))
        .map((e) =>
          /from (\d+) to (\d+)/
            .exec(e.message ?? "")!
            .slice(1)
            .join(","),
        );
      const steps = [...new Set(pairs)].map((p) => p.split(",").map(Number) as [number, number]);
      let at = r.image === v1 ? 10 : 2;
      const left = [...steps];
      while (left.length > 0) {
        const i = left.findIndex(([from]) => from === at);
        assert.ok(i >= 0, `${r.image}: no scaling continues from ${at}: ${JSON.stringify(steps)}`);
        const [from, to] = left.splice(i, 1)[0]!;
        assert.ok(
          r.image === v1 ? to < from : to > from,
          `${r.image} only moves one way: ${JSON.stringify(steps)}`,
        );
        at = to;
      }
      assert.equal(at, 5);
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
});
