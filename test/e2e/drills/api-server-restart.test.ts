import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { restartComponent } from "../../cluster/restart.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { ensureControlPlaneWorks, keepClusterHealthy, localClusterInfo } from "../support/drills.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { watchReplicaHistory } from "../support/replica-history.js";
import {
  annotate,
  apply,
  getRollout,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * SIGTERM, then SIGKILL after this long: kube-apiserver closes its listener at once but holds
 * its open watches until killed (a kubelet would wait terminationGracePeriodSeconds). Either way
 * new requests are refused while established watches linger, which is the harder case.
 */
const graceMs = 5_000;

interface RsState {
  uid: string;
  image: string;
  replicas: number;
  generation: number;
}

/** The Rollout's ReplicaSets by name, as the API server has them. */
async function replicaSets(namespace: string, rollout: string): Promise<Map<string, RsState>> {
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({ namespace });
  return new Map(
    list.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Rollout" && o.name === rollout))
      .map((rs) => [
        rs.metadata!.name!,
        {
          uid: rs.metadata?.uid ?? "",
          image: rs.spec?.template?.spec?.containers[0]?.image ?? "",
          replicas: rs.spec?.replicas ?? 0,
          generation: rs.metadata?.generation ?? 0,
        },
      ]),
  );
}

/**
 * Fault drill (issue 7): kube-apiserver is stopped and started again while a canary is in
 * flight. The controller's watches must come back by themselves (its resync is set to an hour,
 * so only a recovered watch can make it act in time), the rollout must continue from the step
 * it was at, and nothing may be duplicated: the same two ReplicaSets, each scaled one way only,
 * with no more spec writes than a straight walk needs.
 */
describe("Drill: the API server restarts mid-canary", () => {
  keepClusterHealthy(["kube-apiserver"]);
  const ns = useNamespace("drill-apiserver");
  // Resync an hour away: only a watch can make it act in time. Watches are re-opened every 5-10s
  // (the production default is 5-10 minutes), so a watch the restarted API server left silently
  // dead is recovered within the test's waits.
  const controller = useController(ns, ["--resync-seconds=3600", "--watch-timeout-seconds=5"]);

  afterEach(async function () {
    if (this.currentTest?.state !== "failed" || !ns()) return;
    const state = await kubectl(["get", "rollouts,replicasets,pods", "-n", ns(), "-o", "wide"]);
    process.stderr.write(`--- objects in ${ns()} ---\n${state.stdout}${state.stderr}\n`);
  });

  it("watches recover, the rollout continues from its step, nothing is duplicated", async function () {
    this.timeout(300_000);
    localClusterInfo();
    const name = "web";
    await apply(
      ns(),
      rolloutManifest(name, {
        replicas: 4,
        steps: [
          { setWeight: 25 },
          { pause: {} },
          { setWeight: 50 },
          { pause: { duration: "2s" } },
          { setWeight: 75 },
          { pause: { duration: "2s" } },
        ],
      }),
    );
    await waitForPhase(ns(), name, "Healthy");
    const history = watchReplicaHistory(ns());
    try {
      await history.synced;
      await setImage(ns(), name, v2);
      await waitForSplit(ns(), name, { [v1]: 3, [v2]: 1 });
      const paused = await waitForPhase(ns(), name, "Paused");
      assert.equal(paused.status?.currentStepIndex, 1);
      const atPause = await replicaSets(ns(), name);
      const stableName = [...atPause].find(([, s]) => s.image === v1)![0];
      const stableGenerationBefore = atPause.get(stableName)!.generation;

      // 1. Restart while the canary waits at an indefinite pause, watching the controller's
      // /readyz, which reports its informers' watches.
      let sampling = true;
      const readiness: boolean[] = [];
      const sampler = (async () => {
        while (sampling) {
          readiness.push(await controller().ready());
          await sleep(100);
        }
      })();
      const first = await restartComponent("kube-apiserver", { graceMs }).finally(() => {
        sampling = false;
      });
      await sampler;
      process.stdout.write(
        `      kube-apiserver restarted at the pause: ${first.totalMs} ms from SIGTERM to ready (${first.downMs} ms with no process)\n`,
      );
      // The cluster's own clients get fresh watches, as leader election would give them (they run
      // here without it); the controller under test gets no such help.
      await ensureControlPlaneWorks({ restart: true });
      assert.ok(controller().alive(), "the controller survived the API server's absence");
      assert.ok(
        readiness.includes(false),
        `/readyz reported the broken watches while the API server was away (${readiness.length} samples)`,
      );
      await waitFor("the controller's /readyz: every watch re-established", async () =>
        (await controller().ready()) ? true : undefined,
      );
      // A restarted controller or a relisting cache must not act again on what is done.
      await sleep(3_000);
      assert.deepEqual(
        await replicaSets(ns(), name),
        atPause,
        "no ReplicaSet was created, scaled or touched",
      );
      const afterFirst = await getRollout(ns(), name);
      assert.equal(afterFirst.status?.phase, "Paused", afterFirst.status?.message);
      assert.equal(afterFirst.status?.currentStepIndex, 1, "still at the same step");

      // The promote reaches the controller only through a recovered watch (resync is an hour).
      const promotedAt = Date.now();
      await annotate(ns(), name, "kestrel.dev/promote=step");
      await waitForSplit(ns(), name, { [v1]: 2, [v2]: 2 }, { timeoutMs: 60_000 });
      process.stdout.write(`      the promote took effect after ${Date.now() - promotedAt} ms\n`);

      // 2. Restart again while the steps run on timers.
      const second = await restartComponent("kube-apiserver", { graceMs });
      process.stdout.write(
        `      kube-apiserver restarted while stepping: ${second.totalMs} ms from SIGTERM to ready (${second.downMs} ms with no process)\n`,
      );
      assert.ok(controller().alive(), "the controller survived the second restart");
      await ensureControlPlaneWorks({ restart: true });

      const resumedFrom = Date.now();
      const final = await waitForSplit(ns(), name, { [v2]: 4 }, { timeoutMs: 120_000 });
      process.stdout.write(
        `      the remaining steps completed ${Date.now() - resumedFrom} ms after the restart\n`,
      );
      const ro = await waitForPhase(ns(), name, "Healthy", 60_000);
      assert.equal(ro.status?.currentStepIndex, 6);
      assert.equal(ro.status?.stableRS, ro.status?.currentPodHash);
      assert.equal(ro.status?.observedGeneration, ro.metadata.generation);
      assert.equal(ro.metadata.annotations?.["kestrel.dev/promote"], undefined, "the trigger was removed");

      // Nothing duplicated: the same two ReplicaSets (same objects) as at the pause.
      const end = await replicaSets(ns(), name);
      assert.deepEqual(
        [...end.keys()].sort(),
        [...atPause.keys()].sort(),
        `exactly the two ReplicaSets from before the restarts (saw ${final.map((r) => r.name).join(", ")})`,
      );
      for (const [rsName, s] of end)
        assert.equal(s.uid, atPause.get(rsName)!.uid, `${rsName} was not recreated`);

      // No extra scaling: each ReplicaSet moved one way only, and its generation (one per spec
      // write) grew by no more than the distance it travelled.
      await waitFor(
        "the history watch to catch up",
        async () =>
          [...end].every(([rsName, s]) => history.peek().replicas.get(rsName)?.at(-1) === s.replicas) ||
          undefined,
        { timeoutMs: 30_000 },
      );
      const seen = history.stop();
      assert.ok(seen.reconnects >= 1, "the history watch itself saw the API server go away");
      for (const [rsName, s] of end) {
        const seq = seen.replicas.get(rsName) ?? [];
        const up = s.image === v2;
        const sorted = [...seq].sort((a, b) => (up ? a - b : b - a));
        assert.deepEqual(seq, sorted, `${s.image} moved one way only: ${seq.join(" -> ")}`);
      }
      const canary = [...end].find(([, s]) => s.image === v2)!;
      const canaryFirst = seen.replicas.get(canary[0])?.[0] ?? 0;
      assert.ok(
        canary[1].generation - 1 <= 4 - canaryFirst,
        `the canary was written ${canary[1].generation - 1} times after creation to travel ${canaryFirst} -> 4`,
      );
      const stable = end.get(stableName)!;
      assert.ok(
        stable.generation - stableGenerationBefore <= 3,
        `the stable was written ${stable.generation - stableGenerationBefore} times to travel 3 -> 0`,
      );

      // The controller really lost its watches, and really got them back by itself.
      const restarts = controller()
        .logLines()
        .filter((l) => l.message === "watch stopped with an error; restarting");
      assert.ok(restarts.length > 0, "the controller's watches broke while the API server was away");
    } finally {
      history.stop();
    }
  });
});
