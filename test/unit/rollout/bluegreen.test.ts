import assert from "node:assert/strict";
import type { BlueGreenStrategy, Rollout } from "../../../controller/api/rollout.js";
import { revisionOf } from "../../../controller/rollout/revisions.js";
import { checkRef, checkTemplates, rollout, service, World } from "./world.js";

/**
 * Blue-green through the whole planner, pass by pass, with Services whose selectors the world
 * patches as the API server would. Expected values are written by hand from Argo's semantics:
 * the new revision beside the active one, activeService switched only to a fully available
 * ReplicaSet, the previous one kept for the scale-down delay, and every way back a switch.
 */

const hashLabel = "rollouts-pod-template-hash";

function blueGreen(bg: Partial<BlueGreenStrategy> = {}): Rollout {
  const ro = rollout({ replicas: 3 });
  ro.spec.strategy = {
    blueGreen: { activeService: "web-active", previewService: "web-preview", ...bg },
  };
  return ro;
}

function world(bg: Partial<BlueGreenStrategy> = {}): World {
  const w = new World(blueGreen(bg));
  for (const name of ["web-active", "web-preview"]) w.services.set(name, service(name));
  w.templates = checkTemplates();
  w.settle();
  return w;
}

/** The pod template hash of revision n. */
function hashOf(w: World, revision: number): string {
  const rs = [...w.replicaSets.values()].find((r) => revisionOf(r) === revision);
  assert.ok(rs, `revision ${revision} exists`);
  return rs.metadata!.labels![hashLabel]!;
}

const selects = (w: World, svc: string): string | undefined =>
  w.services.get(svc)?.spec?.selector?.[hashLabel];
const reasons = (w: World): string[] => w.events.map((e) => e.reason);
const activeSwitches = (w: World): number =>
  (w.lastPlan?.actions ?? []).filter((a) => a.kind === "patchServiceSelector" && a.service === "web-active")
    .length;

/** Reconciles `passes` times, `stepMs` apart, asserting after each that activeService still selects `hash`. */
function holdsActive(w: World, hash: string, passes: number, stepMs: number): void {
  for (let i = 0; i < passes; i++) {
    w.advance(stepMs);
    w.reconcile();
    assert.equal(selects(w, "web-active"), hash, `pass ${i + 1}: activeService still on ${hash}`);
  }
}

describe("blue-green strategy", () => {
  it("first version: both Services select it, Healthy", () => {
    const w = world();
    const v1 = hashOf(w, 1);
    assert.deepEqual(w.split(), { r1: 3 });
    assert.equal(selects(w, "web-active"), v1);
    assert.equal(selects(w, "web-preview"), v1);
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.equal(w.rollout.status?.blueGreen?.activeSelector, v1);
  });

  it("auto-promotion: the new revision comes up beside the active one; the switch waits for 3/3 available; the old one stays 30s", () => {
    const w = world();
    const v1 = hashOf(w, 1);
    w.slow = true;
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    assert.deepEqual(w.split(), { r1: 3, r2: 3 });
    w.replicaSets.get(`web-${v2}`)!.status!.availableReplicas = 2;
    holdsActive(w, v1, 3, 1000);
    assert.equal(selects(w, "web-preview"), v1, "preview waits for 3/3 too");
    assert.match(w.rollout.status?.message ?? "", /2\/3 available behind previewService/);

    w.makeAvailable();
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2, "switched once fully available");
    assert.equal(selects(w, "web-preview"), v2);
    assert.ok(reasons(w).includes("RolloutPromoted"));
    w.reconcile();
    assert.equal(w.rollout.status?.stableRS, v2);
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r1: 3, r2: 3 }, "the previous revision is kept warm");
    w.advance(29_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 3 }, "still within scaleDownDelaySeconds (30 by default)");
    w.advance(1_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 0, r2: 3 });
  });

  it("scaleDownDelayRevisionLimit 0: the previous revision is kept while activeService selects it, then goes to zero at once instead of 30s later", () => {
    const w = world({ scaleDownDelayRevisionLimit: 0 });
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    for (let pass = 1; selects(w, "web-active") === v1; pass++) {
      assert.ok(pass < 10, "activeService switches within 10 passes");
      w.reconcile();
      assert.equal(w.split().r1, 3, `pass ${pass}: r1 kept while activeService selected it before this pass`);
    }
    assert.equal(selects(w, "web-active"), v2);
    w.reconcile();
    assert.equal(w.rollout.status?.stableRS, v2);
    assert.deepEqual(w.split(), { r1: 0, r2: 3 }, "no wait for scaleDownDelaySeconds");
    const limited = w.events.filter((e) => e.reason === "ScaleDownDelayRevisionLimit");
    assert.equal(limited.length, 1);
    assert.match(limited[0]!.message, /revision 1 .*scaleDownDelayRevisionLimit 0/);
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("scaleDownDelayRevisionLimit 0, undo to revision 1: revision 2 keeps its pods until activeService has left it", () => {
    const w = world({ scaleDownDelayRevisionLimit: 0 });
    w.setImage("web:2");
    w.settle();
    const v2 = hashOf(w, 2);
    assert.deepEqual(w.split(), { r1: 0, r2: 3 }, "limit 0: revision 1 went at once");
    w.rollout.spec.rollbackTo = { revision: 0 };
    for (let pass = 1; selects(w, "web-active") === v2; pass++) {
      assert.ok(pass < 10, "activeService switches within 10 passes");
      w.reconcile();
      const r2 = [...w.replicaSets.values()].find((r) => hashOf(w, 2) === r.metadata?.labels?.[hashLabel]);
      assert.equal(r2?.spec?.replicas, 3, `pass ${pass}: revision 2 kept while activeService selected it`);
    }
    w.reconcile();
    assert.deepEqual(w.split(), { r2: 0, r3: 3 }, "then at once, without scaleDownDelaySeconds");
  });

  for (const { limit, r1 } of [
    { limit: 1, r1: 0 },
    { limit: 2, r1: 3 },
    { limit: undefined, r1: 3 },
  ]) {
    it(`scaleDownDelayRevisionLimit ${limit ?? "unset"}, two previous revisions up when revision 3 takes activeService: r2 waits 30s, r1 ${r1 === 0 ? "goes at once" : "waits too"}`, () => {
      const w = world(limit === undefined ? {} : { scaleDownDelayRevisionLimit: limit });
      w.setImage("web:2");
      w.settle();
      w.setImage("web:3");
      w.reconcile();
      const v3 = hashOf(w, 3);
      while (selects(w, "web-active") !== v3) w.reconcile();
      // Revision 1 is up again beside revision 2 (scaled by hand), both left by activeService.
      const r1rs = [...w.replicaSets.values()].find((r) => revisionOf(r) === 1)!;
      r1rs.spec!.replicas = 3;
      r1rs.status = { ...r1rs.status, replicas: 3, availableReplicas: 3 };
      w.reconcile();
      assert.equal(w.rollout.status?.stableRS, v3);
      assert.deepEqual(w.split(), { r1, r2: 3, r3: 3 });
      assert.equal(
        w.events.some((e) => e.reason === "ScaleDownDelayRevisionLimit"),
        r1 === 0,
        "an Event says why a revision went without its delay",
      );
      w.advance(30_000);
      w.reconcile();
      assert.deepEqual(w.split(), { r1: 0, r2: 0, r3: 3 }, "the delay over, only the active revision is up");
    });
  }

  it("previewReplicaCount 1 and autoPromotionEnabled false: 1 preview pod, paused until promote, then 3 before the switch", () => {
    const w = world({ previewReplicaCount: 1, autoPromotionEnabled: false });
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 1 });
    assert.equal(selects(w, "web-preview"), v2, "the preview Service serves the new revision");
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.deepEqual(
      w.rollout.status?.pauseConditions?.map((p) => p.reason),
      ["BlueGreenPause"],
    );
    holdsActive(w, v1, 10, 60_000);
    assert.deepEqual(w.split(), { r1: 3, r2: 1 });

    w.slow = true;
    w.annotate("kestrel.dev/promote", "full");
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 3 }, "full count before the switch");
    assert.equal(selects(w, "web-active"), v1, "not yet: 1/3 available");
    w.makeAvailable();
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
    assert.equal(w.rollout.metadata.annotations?.["kestrel.dev/promote"], undefined, "trigger removed");
  });

  it("a promote given while the preview comes up is kept, and consumed once the preview is ready", () => {
    const w = world({ autoPromotionEnabled: false });
    const v1 = hashOf(w, 1);
    w.slow = true;
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.annotate("kestrel.dev/promote", "full");
    holdsActive(w, v1, 2, 1000);
    assert.equal(w.rollout.metadata.annotations?.["kestrel.dev/promote"], "full", "not dropped");
    assert.ok(!reasons(w).includes("PromoteIgnored"));
    w.makeAvailable();
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
  });

  it("autoPromotionSeconds 20: paused 20s after the preview is ready, then promotes by itself", () => {
    const w = world({ autoPromotionSeconds: 20 });
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.reconcile(); // preview ready: the pause starts now
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.equal(w.lastPlan?.requeueAfterMs, 20_000);
    holdsActive(w, v1, 1, 19_000);
    w.advance(1_000);
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
  });

  it("autoPromotionSeconds with previewReplicaCount 1: a status write lost after the promotion (a 409) does not scale the preview back down", () => {
    const w = world({ autoPromotionSeconds: 5, previewReplicaCount: 1 });
    w.setImage("web:2");
    w.reconcile();
    w.reconcile(); // preview ready: the pause starts now
    assert.deepEqual(w.split(), { r1: 3, r2: 1 });
    w.advance(5_000);
    w.slow = true;
    const before = structuredClone(w.rollout.status);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 3 }, "promoted: full count");
    // The status write met a conflict (or the cache had not caught up): the next pass starts from
    // the old status, and the ReplicaSet controller has not yet observed the scale-up.
    w.rollout.status = before;
    const r2 = [...w.replicaSets.values()].find((r) => revisionOf(r) === 2)!;
    r2.metadata!.generation = (r2.status!.observedGeneration ?? 1) + 1;
    for (let pass = 1; pass <= 3; pass++) {
      w.reconcile();
      assert.deepEqual(w.split(), { r1: 3, r2: 3 }, `pass ${pass}: never back to the preview count`);
    }
    r2.status!.observedGeneration = r2.metadata!.generation;
    w.makeAvailable();
    w.reconcile();
    assert.equal(selects(w, "web-active"), hashOf(w, 2));
  });

  it("prePromotionAnalysis gates promotion; its failure aborts with activeService untouched, the preview scaled down after abortScaleDownDelaySeconds", () => {
    const w = world({ prePromotionAnalysis: checkRef, abortScaleDownDelaySeconds: 10 });
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    holdsActive(w, v1, 3, 5_000);
    const pre = `web-${v2}-0-pre`;
    assert.ok(w.analysisRuns.has(pre), "the pre-promotion run was started");
    w.setRunPhase(pre, "Failed");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v1);
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.equal(w.rollout.status?.abort, true);
    assert.ok(reasons(w).includes("AnalysisFailed") && reasons(w).includes("RolloutAborted"));
    assert.equal(selects(w, "web-preview"), v1, "preview back on stable, so it never points at nothing");
    assert.deepEqual(w.split(), { r1: 3, r2: 3 });
    w.advance(9_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 3 });
    w.advance(1_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 0 });
  });

  it("retry after a failed prePromotionAnalysis: a new run (attempt 1) and, once it passes, promotion", () => {
    const w = world({ prePromotionAnalysis: checkRef, abortScaleDownDelaySeconds: 0 });
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.reconcile();
    w.setRunPhase(`web-${v2}-0-pre`, "Failed");
    w.reconcile();
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 0 });
    w.annotate("kestrel.dev/retry", "true");
    w.reconcile();
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 3 });
    assert.ok(w.analysisRuns.has(`web-${v2}-1-pre`), "the retry's own run");
    w.setRunPhase(`web-${v2}-1-pre`, "Successful");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
  });

  it("activeMetadata and previewMetadata follow the roles: the preview pods relabelled active at the switch", () => {
    const w = world({
      autoPromotionEnabled: false,
      activeMetadata: { labels: { role: "active" } },
      previewMetadata: { labels: { role: "preview" } },
    });
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    const roleOf = (hash: string): string | undefined =>
      w.replicaSets.get(`web-${hash}`)?.spec?.template?.metadata?.labels?.role;
    assert.equal(roleOf(v2), "preview", "created with the preview role");
    w.reconcile();
    assert.equal(roleOf(hashOf(w, 1)), "active");
    w.annotate("kestrel.dev/promote", "full");
    w.reconcile();
    const sync = (w.lastPlan?.actions ?? []).filter((a) => a.kind === "syncPodMetadata");
    assert.deepEqual(
      sync.map((a) => (a.kind === "syncPodMetadata" ? [a.hash, a.labels.role] : [])),
      [
        [hashOf(w, 1), null],
        [v2, "active"],
      ],
    );
  });

  it("a passing prePromotionAnalysis promotes", () => {
    const w = world({ prePromotionAnalysis: checkRef });
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.reconcile();
    w.setRunPhase(`web-${v2}-0-pre`, "Successful");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
  });

  /** Promoted with a postPromotionAnalysis running; returns the world, v1 and v2. */
  function promotedWithPost(bg: Partial<BlueGreenStrategy> = {}): { w: World; v1: string; v2: string } {
    const w = world({ postPromotionAnalysis: checkRef, ...bg });
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.reconcile();
    const v2 = hashOf(w, 2);
    w.reconcile();
    assert.equal(selects(w, "web-active"), v2);
    w.reconcile();
    assert.ok(w.analysisRuns.has(`web-${v2}-0-post`), "post-promotion run started after the switch");
    assert.equal(w.rollout.status?.stableRS, v1, "stable until the post-promotion analysis passes");
    return { w, v1, v2 };
  }

  it("postPromotionAnalysis runs with the old ReplicaSet at full scale, however long it takes", () => {
    const { w, v2 } = promotedWithPost({ scaleDownDelaySeconds: 5 });
    for (let i = 0; i < 5; i++) {
      w.advance(60_000);
      w.reconcile();
      assert.deepEqual(w.split(), { r1: 3, r2: 3 });
    }
    w.setRunPhase(`web-${v2}-0-post`, "Successful");
    w.reconcile();
    assert.equal(w.rollout.status?.stableRS, v2);
    assert.ok(reasons(w).includes("RolloutCompleted"));
  });

  it("a failed postPromotionAnalysis switches activeService back at once, then scales the bad ReplicaSet down", () => {
    const { w, v1, v2 } = promotedWithPost({ abortScaleDownDelaySeconds: 5 });
    w.setRunPhase(`web-${v2}-0-post`, "Failed");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v1, "back in the same pass");
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.equal(w.rollout.status?.blueGreen?.activeSelector, v1);
    w.advance(5_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 3, r2: 0 });
  });

  it("an abort after the switch switches back at once", () => {
    const { w, v1 } = promotedWithPost();
    w.annotate("kestrel.dev/abort", "true");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v1);
    assert.equal(w.rollout.status?.phase, "Degraded");
  });

  it("onFailure undo: the template goes back to revision 1 and activeService with it at once", () => {
    const { w, v1, v2 } = promotedWithPost({ onFailure: { action: "undo" } });
    w.setRunPhase(`web-${v2}-0-post`, "Failed");
    w.reconcile();
    assert.equal(w.rollout.spec.template?.spec?.containers[0]?.image, "web:1");
    w.reconcile();
    assert.equal(selects(w, "web-active"), v1);
    // The undo moves revision 1 to revision 3, as Deployments do.
    assert.deepEqual(w.split(), { r2: 3, r3: 3 }, "the bad one is kept for scaleDownDelaySeconds");
    w.advance(30_000);
    w.reconcile();
    assert.deepEqual(w.split(), { r2: 0, r3: 3 });
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("undo after completion while the old ReplicaSet is still up: the emergency path switches back at once", () => {
    const w = world();
    const v1 = hashOf(w, 1);
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.stableRS, hashOf(w, 2));
    w.rollout.spec.rollbackTo = { revision: 0 };
    w.reconcile();
    w.reconcile();
    assert.equal(selects(w, "web-active"), v1);
    assert.ok(reasons(w).includes("UndoCompleted"));
  });

  it("a status write lost after the switch (a crash) does not switch twice", () => {
    const w = world();
    w.setImage("web:2");
    w.reconcile();
    const before = structuredClone(w.rollout.status);
    w.reconcile();
    assert.equal(activeSwitches(w), 1);
    w.rollout.status = before; // SIGKILL between the selector patch and the status write
    w.reconcile();
    assert.equal(activeSwitches(w), 0);
    assert.equal(selects(w, "web-active"), hashOf(w, 2));
  });

  it("a missing activeService is InvalidSpec naming the field", () => {
    const w = new World(blueGreen());
    w.reconcile();
    assert.equal(w.rollout.status?.phase, "Degraded");
    assert.match(
      w.rollout.status?.message ?? "",
      /spec\.strategy\.blueGreen\.activeService: Service "web-active" not found/,
    );
  });
});
