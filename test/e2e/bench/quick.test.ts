import assert from "node:assert/strict";
import { quickSizes } from "../../../bench/quick.js";
import { runRollback } from "../../../bench/rollback.js";
import { runScale } from "../../../bench/scale.js";
import { runThroughput } from "../../../bench/throughput.js";
import { assertFinite, assertWritten, useBenchContext } from "./support.js";

/**
 * bench:quick in CI: the benchmarks' own code at small sizes on the suite's cluster, so it cannot
 * rot. It asserts that every figure was produced and written, never how fast: that is for the
 * notes, measured on a quiet machine.
 */
describe("benchmarks at quick sizes (bench:quick)", () => {
  const ctx = useBenchContext();

  it("rollback: total, controller share and ReplicaSet share for every rollback", async function () {
    this.timeout(5 * 60_000);
    const r = await runRollback(ctx(), quickSizes.rollback);
    assert.equal(r.samples.length, quickSizes.rollback.count);
    assertFinite(r.samples, "samples");
    assertFinite(r.summary, "summary");
    for (const s of r.samples) assert.ok(s.controllerMs >= 0 && s.replicaSetMs >= 0, JSON.stringify(s));
    assertWritten(r.file, "rollback");
  });

  it("scale: steady-state RSS, CPU and audited API requests, restarts, idle and resync, burst, soak", async function () {
    this.timeout(8 * 60_000);
    const r = await runScale(ctx(), quickSizes.scale);
    assertFinite(r.steady.usage, "steady.usage");
    assert.ok(r.steady.usage.rssMaxMiB > 0);
    assertFinite(r.steady.api, "steady.api");
    assertFinite(r.restart, "restart");
    assert.equal(r.restart.runs.length, quickSizes.scale.restarts, "every restart was measured");
    for (const run of r.restart.runs)
      assert.ok(
        run.firstLogMs <= run.readyMs && run.firstReconcileMs > 0,
        `the first log line before /readyz, the changed Rollout reconciled: ${JSON.stringify(run)}`,
      );
    // The bare lister sent one list per informer and found the benchmark's Rollouts in one of them.
    assert.equal(r.restart.floor.spawnToParsedMs.n, quickSizes.scale.restarts, "every bare start was timed");
    assert.equal(r.restart.floor.items.length, r.restart.floor.lists);
    assert.ok(
      r.restart.floor.items.includes(quickSizes.scale.rollouts),
      `one list held the ${quickSizes.scale.rollouts} Rollouts: ${JSON.stringify(r.restart.floor.items)}`,
    );
    assert.ok(r.idle, "the idle window was measured");
    assert.equal(r.idle.reconciles, 0, "no reconcile (no resync) inside the idle window");
    assert.ok(r.idle.resync.reconciles >= quickSizes.scale.rollouts, "the resync after it was measured");
    assertFinite(r.idle, "idle");
    // The restarted controller lists and watches again: the audit log must have seen it do so.
    assert.ok(r.restart.api.total > 0, "the audit log recorded the controller's requests");
    assertFinite(r.burst, "burst");
    assert.equal(r.burst.reactionMs.n, quickSizes.scale.burst);
    const floor = r.burst.floor;
    assert.equal(floor.answered.n, floor.writes * floor.rounds, "every floor create was answered and timed");
    assert.ok(r.soak && r.soak.intervals.length >= 2, "the soak ran its intervals");
    for (const i of r.soak.intervals) {
      assertFinite(i.usage, `soak[${i.index}].usage`);
      assertFinite(i.probeReactionMs, `soak[${i.index}].probeReactionMs`);
    }
    assertFinite(r.targets, "targets");
    assertWritten(r.file, "scale");
  });

  it("throughput: controller-added latency per step kind", async function () {
    this.timeout(5 * 60_000);
    const r = await runThroughput(ctx(), quickSizes.throughput);
    for (const kind of ["start", "setWeight", "pause", "all steps"]) {
      assert.ok((r.summary[kind]?.n ?? 0) > 0, `${kind} was measured`);
      assertFinite(r.summary[kind], kind);
    }
    assertFinite(r.reconcileSeconds, "reconcileSeconds");
    assert.equal(
      r.floor.answered.n,
      r.floor.writes * r.floor.rounds,
      "every floor write was answered and timed",
    );
    assertFinite(r.floor, "floor");
    assertWritten(r.file, "throughput");
  });
});
