import assert from "node:assert/strict";
import { instanceSelector } from "../../../controller/rollout/labels.js";
import { controllerRef } from "../../../controller/rollout/owner.js";
import { World, rollout } from "./world.js";

/** Small helpers of the core and one rule of history, with expected values written by hand. */

describe("core helpers", () => {
  it("instanceSelector: a controller with an id selects its label, one without selects Rollouts lacking it", () => {
    assert.equal(instanceSelector("blue"), "kestrel.dev/controller-instance-id=blue");
    assert.equal(instanceSelector(undefined), "!kestrel.dev/controller-instance-id");
    assert.equal(instanceSelector(""), "!kestrel.dev/controller-instance-id");
  });

  it("controllerRef: the Rollout's own apiVersion, else Kestrel's; the controller and blocking flags set", () => {
    const ro = rollout();
    assert.deepEqual(controllerRef(ro), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "Rollout",
      name: "web",
      uid: "uid-1",
      controller: true,
      blockOwnerDeletion: true,
    });
    const bare = { ...ro, apiVersion: undefined, metadata: {} } as unknown as typeof ro;
    assert.deepEqual(controllerRef(bare), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "Rollout",
      name: "",
      uid: "",
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.equal(
      controllerRef({ ...ro, apiVersion: "argoproj.io/v1alpha1" } as never).apiVersion,
      "argoproj.io/v1alpha1",
    );
  });

  it("revisionHistoryLimit 0 never deletes the stable or the current ReplicaSet, even at 0 replicas", () => {
    const w = new World(rollout({ replicas: 0, revisionHistoryLimit: 0 }));
    w.settle();
    w.setImage("web:2");
    const first = w.reconcile();
    assert.deepEqual(
      first.actions.filter((a) => a.kind === "deleteReplicaSet"),
      [],
      "revision 1 is still the stable one",
    );
    w.settle();
    assert.deepEqual(Object.keys(w.split()), ["r1", "r2"], "paused at a step: both kept");
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(Object.keys(w.split()), ["r2"]);
    const deleted = w.events.filter((e) => e.reason === "RevisionDeleted").map((e) => e.message);
    assert.equal(deleted.length, 1);
    assert.match(
      deleted[0]!,
      /^deleted ReplicaSet web-[a-z0-9]+ \(revision 1\) beyond revisionHistoryLimit$/,
    );
  });
});
