import assert from "node:assert/strict";
import type { BlueGreenStrategy } from "../../../controller/api/rollout.js";
import { checkRef, checkTemplates, rollout, service, World } from "./world.js";

/** Blue-green edges the pass-by-pass tests leave out; expected values from Argo's rules. */

const hashLabel = "rollouts-pod-template-hash";

function world(bg: Partial<BlueGreenStrategy> = {}): World {
  const ro = rollout({ replicas: 3 });
  ro.spec.strategy = { blueGreen: { activeService: "web-active", previewService: "web-preview", ...bg } };
  const w = new World(ro);
  for (const name of ["web-active", "web-preview"]) w.services.set(name, service(name));
  w.templates = checkTemplates();
  return w;
}

describe("blue-green edges", () => {
  it("Services created with no selector at all (spec: {}) are switched like any other", () => {
    const w = world();
    for (const name of ["web-active", "web-preview"]) w.services.get(name)!.spec = {};
    w.settle();
    const hash = w.rollout.status!.currentPodHash!;
    assert.equal(w.services.get("web-active")!.spec!.selector![hashLabel], hash);
    assert.equal(w.services.get("web-preview")!.spec!.selector![hashLabel], hash);
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("replicas 0: each revision is Healthy with both Services on it, and stays so (0 of 0 is all there is)", () => {
    const w = world();
    w.rollout.spec.replicas = 0;
    for (const image of ["web:1", "web:2"]) {
      if (image !== "web:1") w.setImage(image);
      w.settle();
      const phases = [w.reconcile(), w.reconcile()].map(() => w.rollout.status?.phase);
      const hash = w.rollout.status!.currentPodHash!;
      assert.deepEqual(phases, ["Healthy", "Healthy"], `${image}: ${w.rollout.status?.message}`);
      assert.equal(w.services.get("web-active")!.spec!.selector![hashLabel], hash, image);
      assert.equal(w.services.get("web-preview")!.spec!.selector![hashLabel], hash, image);
      assert.deepEqual(
        Object.values(w.split()),
        Object.values(w.split()).map(() => 0),
        image,
      );
    }
  });

  it("an Inconclusive prePromotionAnalysis with no message says 'no verdict'", () => {
    const w = world({ prePromotionAnalysis: checkRef });
    w.settle();
    w.setImage("web:2");
    w.reconcile();
    w.reconcile();
    const [name, run] = [...w.analysisRuns.entries()][0]!;
    run.status = { phase: "Inconclusive" };
    w.reconcile();
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.match(
      w.rollout.status?.message ?? "",
      new RegExp(`prePromotionAnalysis ${name} inconclusive \\(no verdict\\), paused until promoted$`),
    );
  });

  it("a run with no status yet is waited for as Pending", () => {
    const w = world({ prePromotionAnalysis: checkRef });
    w.settle();
    w.setImage("web:2");
    w.reconcile();
    w.reconcile();
    const [name] = [...w.analysisRuns.keys()];
    w.reconcile();
    assert.match(
      w.rollout.status?.message ?? "",
      new RegExp(`waiting for prePromotionAnalysis ${name} \\(Pending\\)$`),
    );
  });
});
