import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchContext, type BenchContext } from "../../../bench/lib/cluster.js";
import { quickSizes } from "../../../bench/quick.js";
import { runRollback } from "../../../bench/rollback.js";
import { runScale } from "../../../bench/scale.js";
import { runThroughput } from "../../../bench/throughput.js";
import { readClusterInfo } from "../../cluster/cluster.js";

/** Every number under `value` (walking objects and arrays) is finite; names the first that is not. */
function assertFinite(value: unknown, at: string): void {
  if (typeof value === "number") assert.ok(Number.isFinite(value), `${at} is ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFinite(v, `${at}[${i}]`));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) assertFinite(v, `${at}.${k}`);
}

function assertWritten(file: string, bench: string): void {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { bench?: string; machine?: object };
  assert.equal(json.bench, bench);
  assert.ok(json.machine, "the result names the machine it was measured on");
}

/**
 * bench:quick in CI: the benchmarks' own code at small sizes on the suite's cluster, so it cannot
 * rot. It asserts that every figure was produced and written, never how fast: that is for the
 * notes, measured on a quiet machine.
 */
describe("benchmarks at quick sizes (bench:quick)", () => {
  let ctx: BenchContext;
  let results = "";
  const previous = process.env.KESTREL_BENCH_RESULTS;

  before(function () {
    // The audit log that counts the controller's requests exists only on the local cluster
    // (test/e2e/.mocharc.cjs leaves this file out on KESTREL_CLUSTER=existing).
    const info = readClusterInfo();
    assert.ok(info, "the e2e root hook started the local cluster");
    ctx = benchContext(info);
    results = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-bench-results-"));
    process.env.KESTREL_BENCH_RESULTS = results;
  });

  after(() => {
    if (previous === undefined) delete process.env.KESTREL_BENCH_RESULTS;
    else process.env.KESTREL_BENCH_RESULTS = previous;
    if (results) fs.rmSync(results, { recursive: true, force: true });
  });

  it("rollback: total, controller share and ReplicaSet share for every rollback", async function () {
    this.timeout(5 * 60_000);
    const r = await runRollback(ctx, quickSizes.rollback);
    assert.equal(r.samples.length, quickSizes.rollback.count);
    assertFinite(r.samples, "samples");
    assertFinite(r.summary, "summary");
    for (const s of r.samples) assert.ok(s.controllerMs >= 0 && s.replicaSetMs >= 0, JSON.stringify(s));
    assertWritten(r.file, "rollback");
  });

  it("scale: steady-state RSS, CPU and audited API requests, restarts, idle and resync, burst, soak", async function () {
    this.timeout(8 * 60_000);
    const r = await runScale(ctx, quickSizes.scale);
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
    assert.ok(r.idle, "the idle window was measured");
    assert.equal(r.idle.reconciles, 0, "no reconcile (no resync) inside the idle window");
    assert.ok(r.idle.resync.reconciles >= quickSizes.scale.rollouts, "the resync after it was measured");
    assertFinite(r.idle, "idle");
    // The restarted controller lists and watches again: the audit log must have seen it do so.
    assert.ok(r.restart.api.total > 0, "the audit log recorded the controller's requests");
    assertFinite(r.burst, "burst");
    assert.equal(r.burst.reactionMs.n, quickSizes.scale.burst);
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
    const r = await runThroughput(ctx, quickSizes.throughput);
    for (const kind of ["start", "setWeight", "pause", "all steps"]) {
      assert.ok((r.summary[kind]?.n ?? 0) > 0, `${kind} was measured`);
      assertFinite(r.summary[kind], kind);
    }
    assertFinite(r.reconcileSeconds, "reconcileSeconds");
    assertWritten(r.file, "throughput");
  });
});
