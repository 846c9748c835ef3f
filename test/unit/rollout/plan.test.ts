import assert from "node:assert/strict";
import { getCondition } from "../../../controller/rollout/conditions.js";
import {
  completedAnnotation,
  revisionAnnotation,
  undoToAnnotation,
} from "../../../controller/rollout/labels.js";
import { planInvalidSpec, planRollout, templateHash, templateOf } from "../../../controller/rollout/plan.js";
import { maxRolloutNameLength } from "../../../controller/api/crds.js";
import { rollout, World } from "./world.js";

/** A Rollout at revision 1, healthy, then given image web:2. */
function inCanary(
  spec: Parameters<typeof rollout>[0] = {},
  canary: Parameters<typeof rollout>[1] = {},
): World {
  const w = new World(rollout(spec, canary));
  w.settle();
  w.setImage("web:2");
  return w;
}

describe("planRollout: the canary engine", () => {
  it("takes the first version straight to full scale and marks it completed", () => {
    const w = new World(rollout());
    const first = w.reconcile();
    assert.deepEqual(
      first.actions
        .filter((a) => a.kind === "createReplicaSet")
        .map((a) => a.kind === "createReplicaSet" && a.replicaSet.spec?.replicas),
      [10],
    );
    w.settle();
    assert.deepEqual(w.split(), { r1: 10 });
    assert.equal(w.rollout.status?.phase, "Healthy");
    const rs = [...w.replicaSets.values()][0]!;
    assert.equal(rs.metadata?.annotations?.[completedAnnotation], "true");
    assert.equal(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash);
  });

  it("walks setWeight 20, pause 5s, setWeight 50, pause {}, setWeight 100 as 8/2, 5/5, wait, 0/10", () => {
    const w = inCanary();
    w.settle();
    assert.deepEqual(w.split(), { r1: 8, r2: 2 });
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.equal(w.rollout.status?.currentStepIndex, 1);
    assert.equal(w.lastPlan?.requeueAfterMs, 5_000, "the timed pause asks to be woken when it ends");

    w.advance(5_000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 });
    assert.equal(w.rollout.status?.currentStepIndex, 3);
    assert.match(w.rollout.status?.message ?? "", /step 4\/5: weight 50, paused until promoted/);

    w.advance(3_600_000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 }, "an indefinite pause waits for promote however long");

    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.equal(
      w.rollout.metadata.annotations?.["kestrel.dev/promote"],
      undefined,
      "the trigger is consumed",
    );
    const r2 = [...w.replicaSets.values()].find(
      (rs) => rs.metadata?.annotations?.[revisionAnnotation] === "2",
    )!;
    assert.equal(w.rollout.status?.stableRS, r2.metadata?.labels?.["rollouts-pod-template-hash"]);
  });

  it("honours maxSurge and maxUnavailable while shifting: stable shrinks only as canary pods become available", () => {
    const w = inCanary({}, { maxSurge: 1, maxUnavailable: 0 });
    w.slow = true;
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 10, r2: 1 }, "one surge pod, no stable pod removed yet");
    w.makeAvailable();
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 9, r2: 1 });
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 9, r2: 2 });
    w.makeAvailable();
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 8, r2: 2 });
  });

  it("acts on a promote once, even if the controller dies before removing the annotation", () => {
    const w = inCanary({}, { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] });
    w.settle();
    w.annotate("kestrel.dev/promote", "step");
    w.reconcile({ crashBeforeRolloutUpdate: true });
    assert.deepEqual(w.rollout.status?.handledTriggers, ["kestrel.dev/promote"]);
    assert.ok(w.rollout.metadata.annotations?.["kestrel.dev/promote"], "the annotation survived the crash");
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 });
    assert.equal(w.rollout.status?.currentStepIndex, 3, "promoted past one pause, not two");
    assert.equal(w.rollout.metadata.annotations?.["kestrel.dev/promote"], undefined);
    assert.equal(w.rollout.status?.handledTriggers, undefined);
  });

  it("promote full skips every remaining step", () => {
    const w = inCanary();
    w.settle();
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("aborts back to 10/0 on the stable ReplicaSet, Degraded, and retry starts again from step 0", () => {
    const w = inCanary();
    w.settle();
    w.advance(5_000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 });
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.equal(w.rollout.status?.abort, true);
    assert.match(w.rollout.status?.message ?? "", /aborted by user/);
    assert.ok(w.events.some((e) => e.reason === "RolloutAborted"));

    w.annotate("kestrel.dev/retry", "true");
    w.settle();
    assert.deepEqual(w.split(), { r1: 8, r2: 2 });
    assert.equal(w.rollout.status?.currentStepIndex, 1);
    assert.equal(w.rollout.status?.abort, undefined);
  });

  it("delivers a new template to a Rollout scaled to zero: creates the ReplicaSet before marking it stable", () => {
    const w = new World(rollout({ replicas: 0 }, { steps: [] }));
    w.settle();
    w.setImage("web:2");
    const plan = w.plan();
    // In plan order, as the shell applies it: a ReplicaSet is touched only after it exists.
    const exists = new Set(w.replicaSets.keys());
    for (const a of plan.actions) {
      if (a.kind === "createReplicaSet") exists.add(a.replicaSet.metadata!.name!);
      if (a.kind === "annotateReplicaSet" || a.kind === "scaleReplicaSet")
        assert.ok(exists.has(a.name), `${a.kind} of ${a.name} before it exists`);
    }
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.equal(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash);
    assert.deepEqual(w.split(), { r1: 0, r2: 0 });
  });

  it("keeps the current weight when scaled mid-rollout", () => {
    const w = inCanary();
    w.settle();
    w.rollout.spec.replicas = 20;
    w.settle();
    assert.deepEqual(w.split(), { r1: 16, r2: 4 });
  });

  it("starts a fresh canary from stable when the template changes mid-canary", () => {
    const w = inCanary();
    w.settle();
    w.advance(5_000);
    w.settle();
    w.setImage("web:3");
    w.settle();
    assert.deepEqual(w.split(), { r1: 8, r2: 0, r3: 2 });
    assert.equal(w.rollout.status?.currentStepIndex, 1);
  });

  it("does not step while spec.paused, and resumes when it is cleared", () => {
    const w = new World(rollout());
    w.settle();
    w.rollout.spec.paused = true;
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
    w.rollout.spec.paused = false;
    w.settle();
    assert.deepEqual(w.split(), { r1: 8, r2: 2 });
  });

  it("sizes the canary by setCanaryScale until matchTrafficWeight", () => {
    const w = inCanary(
      {},
      { steps: [{ setCanaryScale: { replicas: 3 } }, { setWeight: 10 }, { pause: {} }] },
    );
    w.settle();
    assert.deepEqual(w.split(), { r1: 9, r2: 3 });
  });

  it("marks progress deadline exceeded, and aborts when progressDeadlineAbort is set", () => {
    const w = inCanary({ progressDeadlineSeconds: 30, progressDeadlineAbort: true });
    w.slow = true;
    w.reconcile();
    w.reconcile(); // the canary's pods exist but never become available: no more progress
    w.advance(31_000);
    w.reconcile();
    w.reconcile();
    assert.equal(getCondition(w.rollout.status?.conditions, "Progressing")?.reason, "RolloutAborted");
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.match(w.rollout.status?.message ?? "", /progress deadline of 30s exceeded/);
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
  });

  it("without progressDeadlineAbort only reports the exceeded deadline", () => {
    const w = inCanary({ progressDeadlineSeconds: 30 });
    w.slow = true;
    w.reconcile();
    w.reconcile();
    w.advance(29_000);
    w.reconcile();
    assert.equal(getCondition(w.rollout.status?.conditions, "Progressing")?.reason, "ReplicaSetUpdated");
    assert.equal(w.lastPlan?.requeueAfterMs, 1_000, "it asks to be woken when the deadline passes");
    w.advance(1_000);
    w.reconcile();
    assert.equal(
      getCondition(w.rollout.status?.conditions, "Progressing")?.reason,
      "ProgressDeadlineExceeded",
    );
    assert.notEqual(w.rollout.status?.phase, "Degraded");
  });

  describe("revisions and undo", () => {
    function threeRevisions(): World {
      const w = new World(rollout());
      w.settle();
      for (const image of ["web:2", "web:3"]) {
        w.setImage(image);
        w.annotate("kestrel.dev/promote", "full");
        w.settle();
      }
      assert.deepEqual(w.split(), { r1: 0, r2: 0, r3: 10 });
      return w;
    }

    it("undo to the previous revision rewrites spec.template, moves it to max+1, and goes straight to full scale", () => {
      const w = threeRevisions();
      w.rollout.spec.rollbackTo = { revision: 0 };
      const plan = w.reconcile();
      const update = plan.actions.find((a) => a.kind === "updateRollout");
      assert.ok(update && update.kind === "updateRollout" && update.template && update.clearRollbackTo);
      assert.equal(plan.status, undefined, "the status waits for the rewritten spec");
      assert.equal(w.resolved.spec.template.spec?.containers[0]?.image, "web:2");
      assert.ok(w.rollout.metadata.annotations?.[undoToAnnotation]);

      const steps: Record<string, number>[] = [];
      for (let i = 0; i < 5; i++) {
        w.reconcile();
        steps.push(w.split());
      }
      assert.deepEqual(w.split(), { r4: 10, r3: 0, r1: 0 });
      assert.ok(
        steps.every((s) => Object.values(s).every((n) => n === 0 || n === 10)),
        `no canary step in between: ${JSON.stringify(steps)}`,
      );
      assert.equal(w.rollout.status?.phase, "Healthy");
      assert.equal(w.rollout.metadata.annotations?.[undoToAnnotation], undefined);
    });

    it("undo to a named revision lands on that revision's template", () => {
      const w = threeRevisions();
      w.rollout.spec.rollbackTo = { revision: 1 };
      w.settle();
      assert.equal(w.resolved.spec.template.spec?.containers[0]?.image, "web:1");
      assert.deepEqual(w.split(), { r2: 0, r3: 0, r4: 10 });
    });

    it("replays the canary steps on undo when undoReplaysSteps is set", () => {
      const w = threeRevisions();
      w.rollout.spec.undoReplaysSteps = true;
      w.rollout.spec.rollbackTo = { revision: 2 };
      w.settle();
      assert.deepEqual(w.split(), { r1: 0, r3: 8, r4: 2 });
    });

    it("reports an unknown revision and clears the request", () => {
      const w = threeRevisions();
      w.rollout.spec.rollbackTo = { revision: 9 };
      w.reconcile();
      assert.equal(w.rollout.spec.rollbackTo, undefined);
      const failed = w.events.find((e) => e.reason === "UndoFailed");
      assert.match(failed?.message ?? "", /revision 9 not found; known revisions: 1, 2, 3/);
    });

    it("deletes revisions beyond revisionHistoryLimit, oldest first, never the stable one", () => {
      const w = new World(rollout({ revisionHistoryLimit: 1 }));
      w.settle();
      for (const image of ["web:2", "web:3", "web:4"]) {
        w.setImage(image);
        w.annotate("kestrel.dev/promote", "full");
        w.settle();
      }
      assert.deepEqual(w.split(), { r3: 0, r4: 10 });
    });

    it("carries kubernetes.io/change-cause onto the revision", () => {
      const w = new World(rollout());
      w.annotate("kubernetes.io/change-cause", "first deploy");
      w.settle();
      const rs = [...w.replicaSets.values()][0]!;
      assert.equal(rs.metadata?.annotations?.["kubernetes.io/change-cause"], "first deploy");
    });

    it("recognises a revision whose template the API server defaulted", () => {
      const w = new World(rollout());
      w.settle();
      const rs = [...w.replicaSets.values()][0]!;
      const defaulted = structuredClone(rs);
      defaulted.spec!.template!.spec!.restartPolicy = "Always";
      defaulted.spec!.template!.metadata!.creationTimestamp = null as unknown as Date;
      assert.equal(
        templateHash(templateOf(defaulted), [defaulted]),
        rs.metadata?.labels?.["rollouts-pod-template-hash"],
      );
    });
  });

  describe("invalid specs", () => {
    const cases: { name: string; mutate: (r: ReturnType<typeof rollout>) => void; field: RegExp }[] = [
      {
        name: "a pause duration that does not parse",
        mutate: (r) => (r.spec.strategy.canary!.steps = [{ pause: { duration: "soon" } }]),
        field: /steps\[0\]\.pause\.duration/,
      },
      {
        name: "maxSurge and maxUnavailable both zero",
        mutate: (r) => Object.assign(r.spec.strategy.canary!, { maxSurge: 0, maxUnavailable: 0 }),
        field: /maxSurge/,
      },
      {
        name: "a template with no containers",
        mutate: (r) => (r.spec.template.spec!.containers = []),
        field: /template\.spec\.containers/,
      },
      {
        name: "setCanaryScale above spec.replicas",
        mutate: (r) => (r.spec.strategy.canary!.steps = [{ setCanaryScale: { replicas: 50 } }]),
        field: /setCanaryScale\.replicas/,
      },
    ];
    it("planInvalidSpec (the API server refused the template's ReplicaSet): Degraded, InvalidSpec naming the field, one Warning", () => {
      const w = new World(rollout());
      w.settle();
      w.setImage("Bad Image");
      const refusal = {
        field: "spec.template",
        message:
          'the API server refuses its ReplicaSet: spec.template.spec.containers[0].image: Invalid value: "Bad Image"',
      };
      const now = new Date(w.now);
      const first = planInvalidSpec(w.rollout, [refusal], now);
      assert.deepEqual(
        first.actions.map((a) => a.kind === "event" && [a.type, a.reason]),
        [["Warning", "InvalidSpec"]],
      );
      assert.equal(first.status?.phase, "Degraded");
      assert.equal(first.status?.observedGeneration, w.rollout.metadata.generation);
      assert.match(
        first.status?.message ?? "",
        /^invalid spec: spec\.template: the API server refuses its ReplicaSet: spec\.template\.spec\.containers\[0\]\.image/,
      );
      assert.equal(first.status?.stableRS, w.rollout.status?.stableRS, "the stable revision is kept");
      assert.match(
        getCondition(first.status?.conditions, "InvalidSpec")?.message ?? "",
        /containers\[0\]\.image/,
      );
      // The same refusal again: no second Event, and the very same status (so no status write).
      const again = planInvalidSpec(
        { ...w.rollout, status: first.status },
        [refusal],
        new Date(w.now + 60_000),
      );
      assert.deepEqual(again.actions, []);
      assert.deepEqual(again.status, first.status);
      // Once the template is fixed, the planner drops the condition and goes on.
      w.rollout.status = first.status;
      w.setImage("web:3");
      const fixed = w.reconcile();
      assert.equal(getCondition(fixed.status?.conditions, "InvalidSpec"), undefined);
      assert.notEqual(fixed.status?.phase, "Degraded");
    });

    for (const c of cases) {
      it(`marks InvalidSpec for ${c.name}, touching no ReplicaSet`, () => {
        const r = rollout();
        c.mutate(r);
        const w = new World(r);
        const plan = w.reconcile();
        assert.deepEqual(
          plan.actions.map((a) => a.kind),
          ["event"],
        );
        assert.equal(plan.actions[0]?.kind === "event" && plan.actions[0].type, "Warning");
        const cond = getCondition(plan.status?.conditions, "InvalidSpec");
        assert.equal(cond?.status, "True");
        assert.match(cond?.message ?? "", c.field);
        assert.equal(w.reconcile().actions.length, 0, "the same problem is not reported twice");
      });
    }
  });
});

describe("planRollout: AnalysisRun history", () => {
  it("deletes finished runs beyond the successful and unsuccessful limits, oldest first", () => {
    const w = new World(
      rollout({ analysis: { successfulRunHistoryLimit: 2, unsuccessfulRunHistoryLimit: 1 } }),
    );
    w.settle();
    const run = (name: string, phase: string, minute: number) => ({
      metadata: { name, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)) },
      spec: { metrics: [] },
      status: { phase },
    });
    const runs = [
      run("ok-1", "Successful", 1),
      run("ok-2", "Successful", 2),
      run("ok-3", "Successful", 3),
      run("bad-1", "Failed", 4),
      run("bad-2", "Error", 5),
      run("live", "Running", 6),
    ];
    const plan = planRollout({
      rollout: w.rollout,
      replicaSets: [...w.replicaSets.values()],
      analysisRuns: runs as never,
      now: new Date(w.now),
    });
    const deleted = plan.actions
      .filter((a) => a.kind === "deleteAnalysisRun")
      .map((a) => a.kind === "deleteAnalysisRun" && a.name);
    assert.deepEqual(deleted.sort(), ["bad-1", "ok-1"]);
  });
});

describe("planRollout: spec.restartAt", () => {
  it("replaces pods created before restartAt one at a time while all are available, then records it", () => {
    const w = new World(rollout({ replicas: 3 }));
    w.settle();
    const rs = [...w.replicaSets.values()][0]!;
    const pod = (name: string, minute: number) => ({
      metadata: {
        name,
        creationTimestamp: new Date(Date.UTC(2025, 11, 31, 23, minute)),
        ownerReferences: [{ uid: rs.metadata?.uid }],
      },
    });
    w.rollout.spec.restartAt = new Date(w.now - 1000).toISOString();
    const old = [pod("a", 1), pod("b", 2), pod("c", 3)];
    const first = planRollout({
      rollout: w.rollout,
      replicaSets: [...w.replicaSets.values()],
      pods: old as never,
      now: new Date(w.now),
    });
    assert.deepEqual(
      first.actions.filter((a) => a.kind === "deletePod").map((a) => a.kind === "deletePod" && a.name),
      ["a"],
    );
    const done = planRollout({
      rollout: w.rollout,
      replicaSets: [...w.replicaSets.values()],
      pods: [],
      now: new Date(w.now),
    });
    assert.equal(done.status?.restartedAt, w.rollout.spec.restartAt);
  });
});

describe("planRollout: names of what a Rollout creates", () => {
  it("a Rollout with the longest name the CRD accepts makes valid ReplicaSet and AnalysisRun names and labels", () => {
    const name = "r".repeat(maxRolloutNameLength);
    const ro = rollout(
      {},
      {
        steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: "ok" }] } }],
        analysis: { templates: [{ templateName: "ok" }] },
      },
    );
    ro.metadata.name = name;
    const w = new World(ro);
    w.templates = {
      namespaced: new Map([
        ["ok", { metrics: [{ name: "m", provider: { prometheus: { address: "http://p", query: "q" } } }] }],
      ]),
      cluster: new Map(),
    };
    w.settle();
    w.setImage("web:2");
    const plan = w.reconcile();
    const runs = plan.actions.flatMap((a) => (a.kind === "createAnalysisRun" ? [a.run] : []));
    assert.ok(runs.length > 0, "the plan creates an AnalysisRun");
    const objects = [...w.replicaSets.values(), ...runs];
    const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
    const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
    for (const o of objects) {
      assert.match(o.metadata!.name!, dnsSubdomain);
      for (const [k, v] of Object.entries(o.metadata!.labels ?? {})) assert.match(v, labelValue, k);
    }
    assert.ok(runs.some((r) => r.metadata.labels?.["kestrel.dev/rollout"] === name));
  });
});
