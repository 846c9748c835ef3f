import assert from "node:assert/strict";
import type { RolloutStatus } from "../../../controller/api/rollout.js";
import { selectorString } from "../../../controller/rollout/plan.js";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

/**
 * The status a user reads (kubectl get/describe, Argo-style tools), written out whole by hand for
 * the states that matter: what each condition says, the weights, the counts.
 */
type Brief = Pick<NonNullable<RolloutStatus["conditions"]>[number], "type" | "status" | "reason" | "message">;
const brief = (s: RolloutStatus | undefined): Brief[] =>
  (s?.conditions ?? []).map(({ type, status, reason, message }) => ({ type, status, reason, message }));

describe("planRollout: the status it writes", () => {
  it("Healthy: the first revision at full scale", () => {
    const w = new World(rollout());
    w.settle();
    const s = w.rollout.status!;
    assert.equal(s.phase, "Healthy");
    assert.equal(s.message, "healthy: revision 1 at full scale (10/10 available)");
    assert.deepEqual(brief(s), [
      {
        type: "Progressing",
        status: "True",
        reason: "NewReplicaSetAvailable",
        message: "revision 1 is stable",
      },
      { type: "Available", status: "True", reason: "AvailableReplicas", message: "10/10 available" },
      { type: "Paused", status: "False", reason: "RolloutRunning", message: undefined },
      { type: "Healthy", status: "True", reason: "RolloutHealthy", message: undefined },
    ]);
    assert.deepEqual(
      [s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.selector],
      [10, 10, 10, 10, "app=web"],
    );
    assert.deepEqual(s.canary?.weights, {
      canary: { weight: 0, podTemplateHash: s.currentPodHash },
      stable: { weight: 100, podTemplateHash: s.currentPodHash },
    });
    assert.equal(s.stableRS, s.currentPodHash);
    assert.equal(s.pauseConditions, undefined);
    assert.equal(s.abort, undefined);
  });

  it("Paused at a timed pause of a canary at weight 20", () => {
    const w = new World(rollout());
    w.settle();
    const stable = w.rollout.status!.currentPodHash;
    w.setImage("web:2");
    w.settle();
    const s = w.rollout.status!;
    assert.equal(s.phase, "Paused");
    assert.equal(s.message, "step 2/5: weight 20, paused 5s more");
    assert.equal(s.currentStepIndex, 1);
    assert.deepEqual(brief(s), [
      {
        type: "Progressing",
        status: "Unknown",
        reason: "RolloutPaused",
        message: "step 2/5: weight 20, paused 5s more",
      },
      { type: "Available", status: "True", reason: "AvailableReplicas", message: "10/10 available" },
      { type: "Paused", status: "True", reason: "RolloutPaused", message: undefined },
      { type: "Healthy", status: "False", reason: "Paused", message: undefined },
    ]);
    assert.deepEqual(s.canary?.weights, {
      canary: { weight: 20, podTemplateHash: s.currentPodHash },
      stable: { weight: 80, podTemplateHash: stable },
    });
    assert.deepEqual(s.pauseConditions, [
      { reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00.000Z" },
    ]);
    assert.equal(s.updatedReplicas, 2, "the canary's pods");
    assert.equal(w.lastPlan?.requeueAfterMs, 5_000, "looks again when the pause runs out");
  });

  it("Degraded after an abort: Progressing False with the reason, Healthy False", () => {
    const w = new World(rollout());
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    const s = w.rollout.status!;
    assert.equal(s.phase, "Degraded");
    assert.equal(
      s.message,
      "aborted by user: all traffic back on stable revision 1 (10/10 available); retry with the kestrel.dev/retry annotation",
    );
    assert.deepEqual(brief(s)[0], {
      type: "Progressing",
      status: "False",
      reason: "RolloutAborted",
      message: "aborted by user",
    });
    assert.deepEqual(brief(s)[3], {
      type: "Healthy",
      status: "False",
      reason: "Degraded",
      message: undefined,
    });
    assert.equal(s.abort, true);
    assert.equal(s.abortedAt, "2026-01-01T00:00:00.000Z");
    assert.equal(s.canary?.weights?.canary?.weight, 0);
    assert.equal(s.canary?.weights?.stable?.weight, 100);
  });

  it("Progressing while pods are not yet available: Available False below replicas - maxUnavailable", () => {
    const w = new World(rollout({}, { maxUnavailable: 2 }));
    w.slow = true;
    w.reconcile();
    w.reconcile();
    const s = w.rollout.status!;
    assert.equal(s.phase, "Progressing");
    assert.equal(s.message, "first revision: scaling to 10 (0/10 available)");
    assert.deepEqual(brief(s)[0], {
      type: "Progressing",
      status: "True",
      reason: "ReplicaSetUpdated",
      message: "first revision: scaling to 10 (0/10 available)",
    });
    assert.deepEqual(brief(s)[1], {
      type: "Available",
      status: "False",
      reason: "AvailableReplicas",
      message: "0/10 available",
    });
    for (const rs of w.replicaSets.values()) rs.status!.availableReplicas = 8;
    w.reconcile();
    assert.equal(
      brief(w.rollout.status)[1]?.status,
      "True",
      "8 of 10 with 2 allowed unavailable is available",
    );
    for (const rs of w.replicaSets.values()) rs.status!.availableReplicas = 7;
    w.reconcile();
    assert.equal(brief(w.rollout.status)[1]?.status, "False", "7 of 10 is not");
  });

  it("a step analysis run is shown by name and phase, Pending before it has a status", () => {
    const check = checkRef;
    const w = new World(rollout({}, { steps: [{ setWeight: 20 }, { analysis: check }] }));
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.settle();
    const name = [...w.analysisRuns.keys()][0]!;
    assert.deepEqual(w.rollout.status?.canary?.currentStepAnalysisRunStatus, { name, status: "Pending" });
    assert.equal(w.rollout.status?.message, `step 2/2: weight 20, analysis ${name} pending`);
    w.setRunPhase(name, "Running");
    w.reconcile();
    assert.deepEqual(w.rollout.status?.canary?.currentStepAnalysisRunStatus, {
      name,
      status: "Running",
      message: "Running (set by the test)",
    });
  });

  const selectors: [string, Parameters<typeof selectorString>[0], string][] = [
    ["labels only", { matchLabels: { app: "web", tier: "front" } }, "app=web,tier=front"],
    [
      "every expression operator",
      {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "zone", operator: "In", values: ["a", "b"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "canary", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
        ],
      },
      "app=web,zone in (a,b),env notin (dev),canary,!legacy",
    ],
    ["nothing", {}, ""],
  ];
  for (const [name, selector, expected] of selectors) {
    it(`status.selector for ${name} is "${expected}" (what kubectl scale and an HPA read)`, () => {
      assert.equal(selectorString(selector), expected);
    });
  }
});
