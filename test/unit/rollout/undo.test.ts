import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { CanaryStrategy } from "../../../controller/api/rollout.js";
import { templateOf } from "../../../controller/rollout/plan.js";
import { World, rollout } from "./world.js";

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
  const check = { templates: [{ templateName: "check" }] };

  /** v1 then v2 released (v2 stable), then v3 whose step analysis ends Failed. */
  function failingThirdRelease(onFailure?: CanaryStrategy["onFailure"]): World {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { analysis: check }], onFailure }),
    );
    w.templates = {
      namespaced: new Map([
        [
          "check",
          { metrics: [{ name: "m", provider: { prometheus: { address: "http://p", query: "q" } } }] },
        ],
      ]),
      cluster: new Map(),
    };
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

  const image = (w: World): string | undefined => w.rollout.spec.template.spec?.containers[0]?.image;

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
