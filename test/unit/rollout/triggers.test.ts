import assert from "node:assert/strict";
import { World, rollout } from "./world.js";

describe("planRollout: trigger annotations with nothing to act on", () => {
  it("a promote on a Healthy Rollout is removed with an Event, and the next release still stops at its pause", () => {
    const w = new World(rollout({}, { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] }));
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.equal(
      w.rollout.metadata.annotations?.["kestrel.dev/promote"],
      undefined,
      "the annotation is gone",
    );
    const ignored = w.events.filter((e) => e.reason === "PromoteIgnored");
    assert.equal(ignored.length, 1, JSON.stringify(w.events));
    assert.match(ignored[0]!.message, /nothing to promote \(Healthy\)/);

    w.setImage("web:2");
    w.settle();
    assert.deepEqual(
      w.split(),
      { r1: 8, r2: 2 },
      "waits at pause {} instead of being promoted by the old annotation",
    );
    assert.equal(w.rollout.status?.phase, "Paused");
  });

  it("a promote on an aborted Rollout is removed and does not resume the canary", () => {
    const w = new World(rollout({}, { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Degraded");
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    assert.equal(w.rollout.metadata.annotations?.["kestrel.dev/promote"], undefined);
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
    assert.equal(w.rollout.status?.phase, "Degraded");
  });
});
