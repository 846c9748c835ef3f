import assert from "node:assert/strict";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { answeredBy, sampleRollout } from "../support/real-traffic.js";
import { annotate, apply, revisions, waitForPhase, type RevisionView } from "../support/rollouts.js";
import { createService, startLoadGenerator, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** Waits until exactly one ReplicaSet has pods, all 5 available, and returns the list. */
async function settledOn(ns: string, name: string, hash: string): Promise<RevisionView[]> {
  return waitFor(
    `${name} to run 5 available pods of ${hash} only`,
    async () => {
      const revs = await revisions(ns, name);
      const running = revs.filter((r) => r.replicas > 0);
      const ok = running.length === 1 && running[0]!.hash === hash && running[0]!.available === 5;
      return ok ? revs : undefined;
    },
    { timeoutMs: 90_000 },
  );
}

describe("Analysis on real traffic: onFailure undo to a named revision", () => {
  useRealNode();
  const ns = useNamespace("real-undo");
  useController(ns);

  it("v3's errors undo the Rollout to revision 1: spec back on v1, v1's pods serve every request afterwards", async function () {
    this.timeout(240_000);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
    const undoToOne = { onFailure: { action: "undo", toRevision: 1 } };
    const rollout = (version: string, errorRate: number) =>
      sampleRollout("web", version, errorRate, ns(), [{ setWeight: 20 }, { pause: {} }], undoToOne);

    await apply(ns(), rollout("v1", 0));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const [first] = await revisions(ns(), "web");
    const clusterIp = await createService(ns(), "web", { app: "web" });
    const loadIp = await startLoadGenerator(ns(), "load", clusterIp, 40);

    // Revision 2 goes out healthy and is promoted at once, so revision 1 is scaled away.
    await apply(ns(), rollout("v2", 0));
    const second = await waitFor("the v2 ReplicaSet", async () => (await revisions(ns(), "web"))[1]);
    await annotate(ns(), "web", "kestrel.dev/promote=full");
    await settledOn(ns(), "web", second.hash);
    await waitForPhase(ns(), "web", "Healthy", 60_000);

    await apply(ns(), rollout("v3", 0.3));
    const third = await waitFor("the v3 ReplicaSet", async () => (await revisions(ns(), "web"))[2]);
    const revs = await settledOn(ns(), "web", first!.hash);
    const ro = await waitForPhase(ns(), "web", "Healthy", 60_000);

    const env = ro.spec.template.spec?.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === "VERSION")?.value, "v1", "spec.template is revision 1's again");
    assert.equal(ro.status?.stableRS, first!.hash);
    assert.deepEqual(
      revs.map((r) => [r.hash, r.revision]),
      [
        [second.hash, 2],
        [third.hash, 3],
        [first!.hash, 4],
      ],
      "revision 1's ReplicaSet is reused as revision 4",
    );
    const atUndo = await answeredBy(loadIp);
    assert.ok((atUndo.byVersion.v3 ?? 0) > 0, "v3's pods served requests before the undo");
    const after = await waitFor(
      "200 more answers",
      async () => {
        const now = await answeredBy(loadIp);
        return now.total >= atUndo.total + 200 ? now : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(after.byVersion.v3 ?? 0, atUndo.byVersion.v3, "no request reached a v3 pod after the undo");
    assert.equal(after.byVersion.v2 ?? 0, atUndo.byVersion.v2 ?? 0, "none reached a v2 pod either");
    assert.ok(after.byVersion.v1! > atUndo.byVersion.v1!, "v1's pods served the requests after the undo");
  });
});
