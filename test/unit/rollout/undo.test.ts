import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { CanaryStrategy } from "../../../controller/api/rollout.js";
import { templateOf } from "../../../controller/rollout/plan.js";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

describe("templateOf: the template an undo writes back", () => {
  it("is the ReplicaSet's pod template without the hash label Kestrel added, leaving the ReplicaSet untouched", () => {
    const rs: V1ReplicaSet = {
      metadata: { name: "web-abc" },
      spec: {
        selector: { matchLabels: { app: "web", "rollouts-pod-template-hash": "abc" } },
        template: {
          metadata: { labels: { app: "web", "rollouts-pod-template-hash": "abc", tier: "front" } },
          spec: { containers: [{ name: "web", image: "web:1" }] },
        },
      },
    };
    assert.deepEqual(templateOf(rs), {
      metadata: { labels: { app: "web", tier: "front" } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    });
    assert.equal(
      rs.spec?.template?.metadata?.labels?.["rollouts-pod-template-hash"],
      "abc",
      "a cached object is never changed",
    );
  });
});

describe("planRollout: onFailure when the analysis fails", () => {
  const check = checkRef;

  /** v1 then v2 released (v2 stable), then v3 whose step analysis ends Failed. */
  function failingThirdRelease(onFailure?: CanaryStrategy["onFailure"]): World {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { analysis: check }], onFailure }),
    );
    w.templates = checkTemplates();
    w.settle();
    for (const image of ["web:2", "web:3"]) {
      w.setImage(image);
      w.settle();
      const run = [...w.analysisRuns.keys()].find(
        (n) => !["Successful"].includes(w.analysisRuns.get(n)?.status?.phase ?? ""),
      );
      assert.ok(run, `a step analysis runs for ${image}`);
      w.setRunPhase(run, image === "web:2" ? "Successful" : "Failed");
      if (image === "web:2") w.settle();
    }
    return w;
  }

  const image = (w: World): string | undefined => w.resolved.spec.template.spec?.containers[0]?.image;

  it("abort (the default): back on the stable v2, Degraded, spec untouched", () => {
    const w = failingThirdRelease();
    w.settle();
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.equal(image(w), "web:3");
    assert.deepEqual(w.split(), { r1: 0, r2: 4, r3: 0 });
  });

  it("undo without toRevision: the template goes back to the stable v2", () => {
    const w = failingThirdRelease({ action: "undo" });
    w.reconcile();
    assert.equal(image(w), "web:2");
  });

  it("undo with toRevision 1: the template goes back to v1, not to the stable v2", () => {
    const w = failingThirdRelease({ action: "undo", toRevision: 1 });
    w.reconcile();
    assert.equal(image(w), "web:1");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r2: 0, r3: 0, r4: 4 }, "revision 1 came back as revision 4");
  });

  it("undo to a revision that does not exist falls back to abort", () => {
    const w = failingThirdRelease({ action: "undo", toRevision: 9 });
    w.settle();
    assert.equal(image(w), "web:3");
    assert.equal(w.rollout.status?.phase, "Degraded");
  });
});

describe("planUndo: the outcomes of an undo request", () => {
  /** v1, v2 and v3 released in turn (v3 stable). */
  function threeReleases(): World {
    const w = new World(rollout({ replicas: 2 }, { steps: [] }));
    w.settle();
    for (const image of ["web:2", "web:3"]) {
      w.setImage(image);
      w.settle();
    }
    w.events = [];
    return w;
  }
  const rsName = (w: World, revision: number): string =>
    [...w.replicaSets.values()].find(
      (r) => r.metadata?.annotations?.["kestrel.dev/revision"] === String(revision),
    )!.metadata!.name!;

  it("to revision 1: spec.template becomes revision 1's, marked for the emergency path, the request cleared", () => {
    const w = threeReleases();
    w.rollout.spec.rollbackTo = { revision: 1 };
    const plan = w.plan();
    const target = w.replicaSets.get(rsName(w, 1))!;
    assert.deepEqual(plan.actions, [
      {
        kind: "event",
        type: "Normal",
        reason: "Undo",
        message: `undoing to revision 1 (ReplicaSet ${rsName(w, 1)})`,
      },
      {
        kind: "updateRollout",
        template: templateOf(target),
        clearRollbackTo: true,
        annotations: { "kestrel.dev/undo-to": target.metadata!.labels!["rollouts-pod-template-hash"] },
      },
    ]);
    assert.equal(plan.status, undefined, "the next pass, on the rewritten spec, writes the status");
  });

  it("to an unknown revision: a Warning naming the known ones, the request cleared, nothing else", () => {
    const w = threeReleases();
    w.rollout.spec.rollbackTo = { revision: 7 };
    assert.deepEqual(w.plan().actions, [
      {
        kind: "event",
        type: "Warning",
        reason: "UndoFailed",
        message: "undo to revision 7: revision 7 not found; known revisions: 1, 2, 3",
      },
      { kind: "updateRollout", clearRollbackTo: true },
    ]);
  });

  it("to the previous revision with none: says so", () => {
    const w = new World(rollout());
    w.settle();
    w.rollout.spec.rollbackTo = { revision: 0 };
    assert.deepEqual(w.plan().actions, [
      {
        kind: "event",
        type: "Warning",
        reason: "UndoFailed",
        message: "undo to the previous revision: no earlier revision to undo to",
      },
      { kind: "updateRollout", clearRollbackTo: true },
    ]);
  });

  it("to the revision already current: skipped, the request cleared", () => {
    const w = threeReleases();
    w.rollout.spec.rollbackTo = { revision: 3 };
    assert.deepEqual(w.plan().actions, [
      {
        kind: "event",
        type: "Normal",
        reason: "UndoSkipped",
        message: "revision 3 is already the current template",
      },
      { kind: "updateRollout", clearRollbackTo: true },
    ]);
  });
});

describe("the analysis verdict's Events and status", () => {
  const check = checkRef;
  function failing(onFailure?: CanaryStrategy["onFailure"]): { w: World; run: string } {
    const w = new World(
      rollout({ replicas: 2 }, { steps: [{ setWeight: 50 }, { analysis: check }], onFailure }),
    );
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.settle();
    const run = [...w.analysisRuns.keys()][0]!;
    w.analysisRuns.get(run)!.status = { phase: "Failed", message: 'metric "m" failed 1 of 1 (limit 0): 0.5' };
    w.events = [];
    return { w, run };
  }

  it("abort: which run, its phase and message, in the Events, the status and the Progressing condition", () => {
    const { w, run } = failing();
    w.reconcile();
    const verdict = `analysis run ${run} Failed: metric "m" failed 1 of 1 (limit 0): 0.5`;
    assert.deepEqual(
      w.events.slice(0, 2).map((e) => `${e.type} ${e.reason}: ${e.message}`),
      [
        `Warning AnalysisFailed: ${verdict}`,
        `Warning RolloutAborted: aborted by analysis: ${verdict}; scaling the stable ReplicaSet back to full and the canary to 0`,
      ],
    );
    assert.equal(
      w.rollout.status?.message,
      `aborted by analysis: ${verdict}: all traffic back on stable revision 1 (1/2 available); retry with the kestrel.dev/retry annotation`,
    );
    assert.equal(w.rollout.status?.conditions?.[0]?.message, `aborted by analysis: ${verdict}`);
  });

  it("undo: the verdict Event, then the undo to the stable revision, without a rollbackTo to clear", () => {
    const { w, run } = failing({ action: "undo" });
    const plan = w.plan();
    assert.deepEqual(
      plan.actions.map((a) =>
        a.kind === "event"
          ? `${a.reason}: ${a.message}`
          : `${a.kind} clearRollbackTo=${String(a.kind === "updateRollout" && a.clearRollbackTo)}`,
      ),
      [
        `AnalysisFailed: analysis run ${run} Failed: metric "m" failed 1 of 1 (limit 0): 0.5`,
        `Undo: undoing to revision 1 (ReplicaSet ${[...w.replicaSets.keys()][0]})`,
        "updateRollout clearRollbackTo=false",
      ],
    );
  });
});
