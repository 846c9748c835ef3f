import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { templateOf } from "../../../controller/rollout/plan.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { waitFor, waitForReasons } from "../support/wait.js";
import {
  annotate,
  apply,
  getRollout,
  revisions,
  rolloutEvents,
  rolloutManifest,
  setImage,
  split,
  v1,
  v2,
  v3,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

describe("Rollout: canary steps on the real cluster", () => {
  const ns = useNamespace("canary");
  useController(ns);

  it("walks 10 replicas through 8/2, 5/5, waits for promote, then 0/10 with the new ReplicaSet stable", async function () {
    this.timeout(120_000);
    await apply(ns(), rolloutManifest("steps"));
    await waitForPhase(ns(), "steps", "Healthy");
    await waitForSplit(ns(), "steps", { [v1]: 10 });

    await setImage(ns(), "steps", v2);
    await waitForSplit(ns(), "steps", { [v1]: 8, [v2]: 2 });
    await waitForSplit(ns(), "steps", { [v1]: 5, [v2]: 5 }, { timeoutMs: 20_000 });
    const paused = await waitForPhase(ns(), "steps", "Paused");
    assert.equal(paused.status?.currentStepIndex, 3);
    assert.match(paused.status?.message ?? "", /step 4\/5: weight 50, paused until promoted/);
    await sleep(3_000);
    assert.deepEqual(await split(ns(), "steps"), { [v1]: 5, [v2]: 5 }, "an indefinite pause holds");

    await annotate(ns(), "steps", "kestrel.dev/promote=step");
    const [old, current] = await waitForSplit(ns(), "steps", { [v1]: 0, [v2]: 10 });
    const done = await waitForPhase(ns(), "steps", "Healthy");
    assert.equal(done.status?.stableRS, current!.hash);
    assert.deepEqual([old!.revision, current!.revision], [1, 2]);
    assert.equal(done.metadata.annotations?.["kestrel.dev/promote"], undefined, "the trigger was consumed");
    await waitForReasons("an Event for each decision", () => rolloutEvents(ns(), "steps"), [
      "NewReplicaSetCreated",
      "RolloutPaused",
      "RolloutPromoted",
      "RolloutCompleted",
    ]);
    const printed = await kubectl(["get", "ro", "steps", "-n", ns()]);
    assert.match(
      printed.stdout,
      /NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+STEP\s+WEIGHT\s+PHASE\s+AGE/,
    );
    assert.match(printed.stdout, /steps\s+10\s+10\s+10\s+10\s+5\s+0\s+Healthy/);
  });

  it("aborts mid-canary back to 10/0 on stable, and retry starts again from step 0", async function () {
    this.timeout(120_000);
    await apply(
      ns(),
      rolloutManifest("abort", {
        steps: [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
      }),
    );
    await waitForPhase(ns(), "abort", "Healthy");
    await setImage(ns(), "abort", v2);
    await waitForSplit(ns(), "abort", { [v1]: 7, [v2]: 3 });
    await annotate(ns(), "abort", "kestrel.dev/promote=step");
    await waitForSplit(ns(), "abort", { [v1]: 4, [v2]: 6 });

    await annotate(ns(), "abort", "kestrel.dev/abort=true");
    await waitForSplit(ns(), "abort", { [v1]: 10, [v2]: 0 });
    const aborted = await waitForPhase(ns(), "abort", "Degraded");
    assert.equal(aborted.status?.abort, true);
    assert.match(aborted.status?.message ?? "", /aborted by user/);
    assert.equal(aborted.spec.template.spec?.containers[0]?.image, v2, "abort leaves the spec untouched");

    await annotate(ns(), "abort", "kestrel.dev/retry=true");
    await waitForSplit(ns(), "abort", { [v1]: 7, [v2]: 3 });
    const retried = await waitForPhase(ns(), "abort", "Paused");
    assert.equal(retried.status?.currentStepIndex, 1);
    assert.equal(retried.status?.abort, undefined);
  });

  it("keeps the current weight when scaled mid-rollout with kubectl scale", async function () {
    this.timeout(120_000);
    await apply(ns(), rolloutManifest("scale", { steps: [{ setWeight: 20 }, { pause: {} }] }));
    await waitForPhase(ns(), "scale", "Healthy");
    await setImage(ns(), "scale", v2);
    await waitForSplit(ns(), "scale", { [v1]: 8, [v2]: 2 });
    const scaled = await kubectl(["scale", "rollout", "scale", "-n", ns(), "--replicas=20"]);
    assert.equal(scaled.code, 0, scaled.stderr);
    await waitForSplit(ns(), "scale", { [v1]: 16, [v2]: 4 });
  });

  it("takes a new image at zero replicas, as a Deployment scaled to zero does, and is Healthy on it", async function () {
    this.timeout(60_000);
    await apply(ns(), rolloutManifest("zero", { replicas: 0, steps: [{ setWeight: 50 }] }));
    await waitForPhase(ns(), "zero", "Healthy");
    await setImage(ns(), "zero", v2);
    const ro = await waitFor("zero to be Healthy with revision 2 stable", async () => {
      const next = (await revisions(ns(), "zero")).find((r) => r.image === v2);
      const r = await getRollout(ns(), "zero");
      return next?.completed && r.status?.phase === "Healthy" && r.status.stableRS === next.hash
        ? r
        : undefined;
    });
    assert.equal(ro.status?.observedGeneration, ro.metadata.generation);
  });

  it("starts a fresh canary from stable when the template changes mid-canary", async function () {
    this.timeout(120_000);
    await apply(ns(), rolloutManifest("restart", { steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "restart", "Healthy");
    await setImage(ns(), "restart", v2);
    await waitForSplit(ns(), "restart", { [v1]: 5, [v2]: 5 });
    await setImage(ns(), "restart", v3);
    await waitForSplit(ns(), "restart", { [v1]: 5, [v2]: 0, [v3]: 5 });
    assert.deepEqual(
      (await revisions(ns(), "restart")).map((r) => r.revision),
      [1, 2, 3],
    );
  });
});

describe("Rollout: revisions and undo on the real cluster", () => {
  const ns = useNamespace("undo");
  useController(ns);

  /** Three completed revisions: v1, v2, v3 (stable). */
  async function threeRevisions(name: string): Promise<void> {
    await apply(ns(), rolloutManifest(name, { replicas: 4, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), name, "Healthy");
    for (const image of [v2, v3]) {
      await setImage(ns(), name, image);
      await waitForPhase(ns(), name, "Paused");
      await annotate(ns(), name, "kestrel.dev/promote=full");
      await waitForSplit(ns(), name, { [image]: 4 });
      await waitForPhase(ns(), name, "Healthy");
    }
  }

  it("undo to the previous revision restores its template at max+1, straight to full scale", async function () {
    this.timeout(180_000);
    await threeRevisions("prev");
    const before = await revisions(ns(), "prev");
    const v2rs = before.find((r) => r.image === v2)!;
    const res = await kubectl([
      "patch",
      "rollout",
      "prev",
      "-n",
      ns(),
      "--type",
      "merge",
      "-p",
      '{"spec":{"rollbackTo":{"revision":0}}}',
    ]);
    assert.equal(res.code, 0, res.stderr);

    // Sample the split while it moves: an undo to a completed revision has no canary step in between.
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const s = await split(ns(), "prev");
      seen.add(`${s[v2] ?? 0}/${s[v3] ?? 0}`);
      if (s[v2] === 4 && s[v3] === 0) break;
      assert.ok(Date.now() < deadline, `undo did not finish: ${[...seen].join(" ")}`);
      await sleep(50);
    }
    for (const state of seen) {
      assert.ok(
        ["0/4", "4/4", "4/0"].includes(state),
        `only full-scale states, saw v2/v3 = ${[...seen].join(", ")}`,
      );
    }
    const after = await waitForPhase(ns(), "prev", "Healthy");
    const revs = await revisions(ns(), "prev");
    const moved = revs.find((r) => r.image === v2)!;
    assert.equal(moved.name, v2rs.name, "the old ReplicaSet is reused, not copied");
    assert.equal(moved.revision, 4, "kubectl's rule: an undone-to revision becomes max+1");
    assert.equal(after.spec.template.spec?.containers[0]?.image, v2);
    assert.equal(after.spec.rollbackTo, undefined, "the request is cleared once acted upon");
    assert.equal(after.status?.stableRS, moved.hash);
  });

  it("undo to a named revision N leaves exactly that revision's pod template", async function () {
    this.timeout(180_000);
    await threeRevisions("named");
    const res = await kubectl([
      "patch",
      "rollout",
      "named",
      "-n",
      ns(),
      "--type",
      "merge",
      "-p",
      '{"spec":{"rollbackTo":{"revision":1}}}',
    ]);
    assert.equal(res.code, 0, res.stderr);
    await waitForSplit(ns(), "named", { [v1]: 4 });
    const after = await waitForPhase(ns(), "named", "Healthy");
    const revs = await revisions(ns(), "named");
    assert.deepEqual(
      revs.map((r) => [r.image, r.revision]),
      [
        [v2, 2],
        [v3, 3],
        [v1, 4],
      ],
    );
    // Exactly the template the revision's ReplicaSet carries (with the API server's defaults, as
    // `kubectl rollout undo` leaves a Deployment), less the hash label Kestrel adds.
    const rs = await testCluster()
      .kc.makeApiClient(k8s.AppsV1Api)
      .readNamespacedReplicaSet({ name: revs.find((r) => r.image === v1)!.name, namespace: ns() });
    assert.deepEqual(after.spec.template, templateOf(rs));
    assert.equal(after.spec.template.spec?.containers[0]?.image, v1);
  });

  it("reports an unknown revision as an Event and leaves everything as it was", async function () {
    this.timeout(60_000);
    await apply(ns(), rolloutManifest("unknown", { replicas: 2 }));
    await waitForPhase(ns(), "unknown", "Healthy");
    await kubectl([
      "patch",
      "rollout",
      "unknown",
      "-n",
      ns(),
      "--type",
      "merge",
      "-p",
      '{"spec":{"rollbackTo":{"revision":7}}}',
    ]);
    const ev = await (async () => {
      for (let i = 0; i < 100; i++) {
        const e = (await rolloutEvents(ns(), "unknown")).find((x) => x.reason === "UndoFailed");
        if (e) return e;
        await sleep(200);
      }
      return undefined;
    })();
    assert.match(ev?.message ?? "", /revision 7 not found; known revisions: 1/);
    // The Event is recorded before the request is cleared; wait for the clear rather than race it.
    await waitFor("the undo request to be cleared", async () =>
      (await getRollout(ns(), "unknown")).spec.rollbackTo === undefined ? true : undefined,
    );
    assert.deepEqual(await split(ns(), "unknown"), { [v1]: 2 });
  });
});
