import assert from "node:assert/strict";
import { World, rollout } from "./world.js";

/** User triggers: what a retry and an idle promote say and leave behind, written from the rules. */

const said = (w: World, reason: string): string[] =>
  w.events.filter((e) => e.reason === reason).map((e) => `${e.type} ${e.message}`);

describe("triggers: retry and an idle promote", () => {
  it("a retry after an abort at a pause: one Event, no pause left, back at step 1", () => {
    const w = new World(rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused");
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Degraded");
    w.events = [];
    w.annotate("kestrel.dev/retry", "true");
    w.reconcile();
    assert.deepEqual(said(w, "RolloutRetried"), ["Normal retrying the canary from step 1"]);
    assert.deepEqual(w.rollout.status?.pauseConditions ?? [], []);
    assert.equal(w.rollout.status?.currentStepIndex, 0);
  });

  it("a promote on a Healthy Rollout is dropped with an Event saying why", () => {
    const w = new World(rollout({ replicas: 2 }));
    w.settle();
    w.events = [];
    w.annotate("kestrel.dev/promote", "step");
    w.reconcile();
    assert.deepEqual(said(w, "PromoteIgnored"), [
      "Normal nothing to promote (Healthy): healthy: revision 1 at full scale (2/2 available)",
    ]);
    assert.equal(w.rollout.metadata.annotations?.["kestrel.dev/promote"], undefined);
  });
});
