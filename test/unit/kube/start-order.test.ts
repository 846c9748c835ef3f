import assert from "node:assert/strict";
import type { StoredRollout } from "../../../controller/api/rollout.js";
import { atRest, awaitsReaction } from "../../../controller/kube/start-order.js";

/** A Rollout at generation 3 whose status saw generation 3 and left it Healthy, changed by `edit`. */
function rollout(edit: (r: { metadata: Record<string, unknown>; status?: Record<string, unknown> }) => void) {
  const r = {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "ns", generation: 3, annotations: { "kestrel.dev/revision": "2" } },
    spec: { selector: { matchLabels: { app: "web" } }, template: {} },
    status: { phase: "Healthy", observedGeneration: 3 },
  };
  edit(r as never);
  return r as unknown as StoredRollout;
}

describe("atRest: which Rollouts a restart may reconcile after the others", () => {
  const cases: [string, Parameters<typeof rollout>[0], boolean][] = [
    ["Healthy, spec observed, no trigger", () => {}, true],
    [
      "spec changed while the controller was down (generation ahead of the status)",
      (r) => (r.metadata.generation = 4),
      false,
    ],
    ["never reconciled (no status)", (r) => delete r.status, false],
    ["status without observedGeneration", (r) => delete r.status!.observedGeneration, false],
    ["Progressing (a step or pause in flight)", (r) => (r.status!.phase = "Progressing"), false],
    ["Paused", (r) => (r.status!.phase = "Paused"), false],
    ["Degraded", (r) => (r.status!.phase = "Degraded"), false],
    ["a promote waits", (r) => (r.metadata.annotations = { "kestrel.dev/promote": "step" }), false],
    ["an abort waits", (r) => (r.metadata.annotations = { "kestrel.dev/abort": "true" }), false],
    ["a retry waits", (r) => (r.metadata.annotations = { "kestrel.dev/retry": "true" }), false],
    ["an undo is half-done", (r) => (r.metadata.annotations = { "kestrel.dev/undo-to": "abc" }), false],
    ["no annotations at all", (r) => delete r.metadata.annotations, true],
    ["no generation (not from the API server)", (r) => delete r.metadata.generation, false],
  ];
  for (const [name, edit, expected] of cases) {
    it(`${name}: ${expected ? "can wait" : "goes first"}`, () => {
      assert.equal(atRest(rollout(edit)), expected);
    });
  }
});

describe("awaitsReaction: which Rollout events go ahead of the controller's own follow-ups", () => {
  const cases: [string, Parameters<typeof rollout>[0], boolean][] = [
    ["spec observed, no trigger (an echo of our own write)", () => {}, false],
    ["the same while Progressing", (r) => (r.status!.phase = "Progressing"), false],
    ["a new spec (generation ahead of the status)", (r) => (r.metadata.generation = 4), true],
    ["never reconciled (no status)", (r) => delete r.status, true],
    ["a promote waits", (r) => (r.metadata.annotations = { "kestrel.dev/promote": "step" }), true],
    ["an abort waits", (r) => (r.metadata.annotations = { "kestrel.dev/abort": "true" }), true],
    ["an undo waits", (r) => (r.metadata.annotations = { "kestrel.dev/undo-to": "abc" }), true],
    ["an unrelated annotation", (r) => (r.metadata.annotations = { team: "shop" }), false],
  ];
  for (const [name, edit, expected] of cases) {
    it(`${name}: ${expected ? "ahead" : "in turn"}`, () => {
      assert.equal(awaitsReaction(rollout(edit)), expected);
    });
  }
});
