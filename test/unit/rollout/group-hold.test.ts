import assert from "node:assert/strict";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

describe("planRollout: a RolloutGroup member is held until its group releases its revision", () => {
  const steps = [{ setWeight: 20 }, { setWeight: 50 }];

  it("holds the new revision at weight 0 while another revision is released, then moves once released", () => {
    const w = new World(rollout({}, { steps }));
    w.settle();
    const stable = w.rollout.status?.currentPodHash ?? "";
    w.annotate("kestrel.dev/group", "shop");
    w.annotate("kestrel.dev/group-released", stable);
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 0 }, "no pod of the held revision");
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.match(w.rollout.status?.message ?? "", /held by RolloutGroup shop/);

    w.annotate("kestrel.dev/group-released", w.rollout.status?.currentPodHash ?? "");
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 }, "released: the canary runs its steps to the end");
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("a Rollout in no group is not held", () => {
    const w = new World(rollout({}, { steps }));
    w.settle();
    w.annotate("kestrel.dev/group-released", "someotherhash");
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
  });

  it("a member of a group that was deleted is not held: it delivers as a Rollout of its own", () => {
    const w = new World(rollout({}, { steps }));
    w.settle();
    w.annotate("kestrel.dev/group", "shop");
    w.annotate("kestrel.dev/group-released", w.rollout.status?.currentPodHash ?? "");
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused", "held while the group exists");
    w.groupExists = false;
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("a held revision starts no background analysis: it has no pods to measure; released, it does", () => {
    const w = new World(rollout({}, { steps, analysis: checkRef }));
    w.templates = checkTemplates();
    w.settle();
    w.annotate("kestrel.dev/group", "shop");
    w.annotate("kestrel.dev/group-released", w.rollout.status?.currentPodHash ?? "");
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.equal(w.analysisRuns.size, 0, "no AnalysisRun while held");
    w.annotate("kestrel.dev/group-released", w.rollout.status?.currentPodHash ?? "");
    w.reconcile();
    assert.equal(w.analysisRuns.size, 1, "released: its background analysis starts");
  });
});
