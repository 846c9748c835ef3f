import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { gatewayRollout, routeHost, routeWeights } from "../../traffic/gateway-rollout.js";
import { startRequestLoop, type Answer } from "../../traffic/request-loop.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { setUpGatewayApp } from "../support/gateway-app.js";
import { readRoute, useGateway } from "../support/gateway.js";
import { useNamespace } from "../support/namespace.js";
import { annotate, apply, getRollout, revisions, waitForPhase } from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/**
 * dynamicStableScale and scaleDownDelaySeconds on the real node's pods behind the local cluster's
 * Gateway (Traefik), with real requests through it: the stable is sized for its share and scaled
 * back up before traffic returns to it; the previous stable keeps its pods for the delay after a
 * promotion. Every request sent meanwhile must be answered 200 (no request reaches a pod that is gone).
 */

const deadlineAnnotation = "kestrel.dev/scale-down-deadline";
const apps = (): k8s.AppsV1Api => testCluster().kc.makeApiClient(k8s.AppsV1Api);
const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

const failuresOf = (answers: readonly Answer[]): Answer[] => answers.filter((a) => a.status !== 200);

describe("Rollout: dynamicStableScale through the real Gateway", () => {
  useRealNode();
  const gateway = useGateway();
  const ns = useNamespace("traffic-dynamic");
  useController(ns);

  it("the stable is sized (100 - weight)%; on abort it is back to full before traffic returns to it, every request answered", async function () {
    this.timeout(300_000);
    const rollout = (version: string): object =>
      gatewayRollout("dyn", {
        replicas: 4,
        version,
        steps: [{ setWeight: 50 }, { pause: {} }],
        abortScaleDownDelaySeconds: 2,
        canary: { dynamicStableScale: true },
      });
    await setUpGatewayApp(ns(), "dyn", rollout("v1"));
    await apply(ns(), rollout("v2"));
    await waitFor(
      "the route at 50/50 and the Rollout paused",
      async () => {
        const r = await getRollout(ns(), "dyn");
        const w = routeWeights(await readRoute(ns(), "dyn"));
        return r.status?.phase === "Paused" && w.join() === "50,50" ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const [stable, canary] = await waitFor("the stable at 2 of 4 replicas (ceil(50% of 4))", async () => {
      const revs = await revisions(ns(), "dyn");
      return revs[0]?.replicas === 2 && revs[1]?.available === 2 ? revs : undefined;
    });
    assert.equal(canary!.replicas, 2, "the canary sized ceil(50% of 4)");

    // The two stable pods scaled away leave its Service as any scale-down does (the sample app
    // does not drain on SIGTERM): start measuring once they are gone and the data plane answers.
    await waitFor("the stable's surplus pods gone", async () => {
      const pods = await core().listNamespacedPod({
        namespace: ns(),
        labelSelector: `rollouts-pod-template-hash=${stable!.hash}`,
      });
      return pods.items.length === 2 ? true : undefined;
    });
    const loop = startRequestLoop(gateway().url, routeHost("dyn", ns()));
    await waitFor("100 answers in a row with 200 before the abort", async () => {
      const last = loop.answers.slice(-100);
      return last.length === 100 && last.every((a) => a.status === 200) ? true : undefined;
    });
    const fromAbort = loop.answers.length;
    // Through the abort: each read of the route, then of the stable ReplicaSet just after. Its
    // available pods only grow during an abort, so any read weight the stable could not serve
    // yet (fewer than ceil((100 - w)% of 4) available) means traffic moved back too early.
    const samples: { canaryWeight: number; stableAvailable: number }[] = [];
    try {
      await annotate(ns(), "dyn", "kestrel.dev/abort=true");
      await waitFor(
        "the route all on stable with the stable at 4 available",
        async () => {
          const w = routeWeights(await readRoute(ns(), "dyn"));
          const rs = await apps().readNamespacedReplicaSet({ namespace: ns(), name: stable!.name });
          samples.push({ canaryWeight: w[1]!, stableAvailable: rs.status?.availableReplicas ?? 0 });
          return w[1] === 0 && (rs.status?.availableReplicas ?? 0) === 4 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 50 },
      );
      // Traefik applies the last route a moment after it is written: keep sending a while.
      const mark = loop.answers.length;
      await waitFor("200 more answers", async () => (loop.answers.length >= mark + 200 ? true : undefined));
    } finally {
      await loop.stop();
    }
    const early = samples.filter(
      (x) => x.canaryWeight < 50 && x.stableAvailable < Math.ceil(((100 - x.canaryWeight) * 4) / 100),
    );
    assert.deepEqual(early, [], "no weight moved to stable before its pods were available");
    assert.ok(
      samples.some((x) => x.canaryWeight === 50 && x.stableAvailable < 4),
      "the stable was seen scaling back up while the canary still had 50",
    );
    const throughAbort = loop.answers.slice(fromAbort);
    assert.deepEqual(
      failuresOf(throughAbort),
      [],
      `all ${throughAbort.length} requests through the abort answered 200`,
    );
    assert.ok(
      loop.answers.some((a) => a.version === "v2"),
      "the canary served before the abort moved traffic off it",
    );
  });
});

describe("Rollout: scaleDownDelaySeconds through the real Gateway", () => {
  useRealNode();
  const gateway = useGateway();
  const ns = useNamespace("traffic-delay");
  useController(ns);

  it("after promotion the previous stable keeps its pods, annotated, for the whole delay, then goes; every request answered", async function () {
    this.timeout(300_000);
    const delaySeconds = 8;
    const rollout = (version: string): object =>
      gatewayRollout("late", {
        replicas: 2,
        version,
        steps: [{ setWeight: 50 }],
        canary: { scaleDownDelaySeconds: delaySeconds },
      });
    await setUpGatewayApp(ns(), "late", rollout("v1"));
    const loop = startRequestLoop(gateway().url, routeHost("late", ns()));
    let deadline: number;
    let old = "";
    try {
      await apply(ns(), rollout("v2"));
      const annotated = await waitFor(
        "the previous stable annotated with its scale-down deadline",
        async () => {
          const revs = await revisions(ns(), "late");
          if (revs.length < 2) return undefined;
          const rs = await apps().readNamespacedReplicaSet({ namespace: ns(), name: revs[0]!.name });
          const at = rs.metadata?.annotations?.[deadlineAnnotation];
          return at ? { name: revs[0]!.name, at: Date.parse(at) } : undefined;
        },
        { timeoutMs: 120_000 },
      );
      old = annotated.name;
      deadline = annotated.at;
      const r = await waitForPhase(ns(), "late", "Healthy", 30_000);
      assert.match(r.status?.message ?? "", /scaleDownDelaySeconds: revision 1 kept \d+s more/);
      // The whole window up to a second before the deadline: its two pods stay.
      while (Date.now() < deadline - 1000) {
        const rs = await apps().readNamespacedReplicaSet({ namespace: ns(), name: old });
        assert.equal(
          rs.spec?.replicas,
          2,
          `the previous stable still has its pods ${deadline - Date.now()} ms before the deadline`,
        );
        await new Promise((res) => setTimeout(res, 200));
      }
      const gone = await waitFor(
        "the previous stable scaled down and its deadline removed",
        async () => {
          const rs = await apps().readNamespacedReplicaSet({ namespace: ns(), name: old });
          const down =
            rs.spec?.replicas === 0 && rs.metadata?.annotations?.[deadlineAnnotation] === undefined;
          return down ? Date.now() : undefined;
        },
        { timeoutMs: 30_000 },
      );
      assert.ok(gone >= deadline, `scaled down ${gone - deadline} ms after the deadline, not before it`);
    } finally {
      await loop.stop();
    }
    assert.deepEqual(failuresOf(loop.answers), [], `all ${loop.answers.length} requests answered 200`);
    assert.ok(loop.answers.at(-1)?.version === "v2", "v2 serves at the end");
    const ro = await getRollout(ns(), "late");
    assert.equal(ro.status?.phase, "Healthy");
  });
});
