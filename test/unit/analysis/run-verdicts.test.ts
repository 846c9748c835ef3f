import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { MeasurementOutcome } from "../../../controller/analysis/measure.js";
import { errorRetryMs, nextDue, planRun, recordMeasurement } from "../../../controller/analysis/run.js";
import { at, run, t0 } from "./run-fixture.js";

/** Records one measurement per slot (2 s apart), values "v1", "v2", ...; returns the last plan's status. */
function measure(r: AnalysisRun, phases: MeasurementOutcome["phase"][]): AnalysisRun["status"] {
  phases.forEach((phase, i) => {
    r.status = planRun(r, new Date(t0 + i * 2_000)).status;
    r.status = recordMeasurement(
      r,
      r.status!,
      "m",
      { phase, value: `v${i + 1}`, message: `${phase} ${i + 1}` },
      { scheduledAt: at(i * 2_000), startedAt: at(i * 2_000), finishedAt: at(i * 2_000) },
    );
  });
  return r.status;
}

describe("AnalysisRun verdicts, word for word", () => {
  it("Failed: how many, the limit, every value and the conditions", () => {
    const s = measure(run({ failureLimit: 1, failureCondition: "result[0] < 0.5" }), [
      "Failed",
      "Successful",
      "Failed",
    ]);
    assert.equal(s?.phase, "Failed");
    assert.equal(
      s?.message,
      'metric "m" failed 2 time(s), more than failureLimit 1: values v1, v2, v3; successCondition result[0] >= 0.95, failureCondition result[0] < 0.5',
    );
  });

  it("Error: errors in a row, the limit and the last error's words; a success in between resets the row", () => {
    const s = measure(run({ consecutiveErrorLimit: 1 }), ["Error", "Successful", "Error", "Error"]);
    assert.equal(s?.phase, "Error");
    assert.equal(
      s?.message,
      'metric "m" errored 2 times in a row, more than consecutiveErrorLimit 1: Error 4',
    );
  });

  it("Inconclusive: how many, the limit and the last words", () => {
    const s = measure(run({ inconclusiveLimit: 1 }), ["Inconclusive", "Inconclusive"]);
    assert.equal(s?.phase, "Inconclusive");
    assert.equal(
      s?.message,
      'metric "m" was inconclusive 2 time(s), more than inconclusiveLimit 1: Inconclusive 2',
    );
  });

  it("the default limits: one failure, five errors in a row, one inconclusive", () => {
    assert.equal(measure(run(), ["Failed"])?.phase, "Failed");
    assert.equal(measure(run(), ["Inconclusive"])?.phase, "Inconclusive");
    assert.equal(measure(run(), ["Error", "Error", "Error", "Error"])?.phase, "Running");
    assert.equal(measure(run(), ["Error", "Error", "Error", "Error", "Error"])?.phase, "Error");
  });

  it("a metric is Pending until its first measurement, then Running; the run is Running with no message", () => {
    const r = run({ count: 3 });
    const before = planRun(r, new Date(t0)).status;
    assert.equal(before.metricResults?.[0]?.phase, "Pending");
    const after = measure(r, ["Successful"]);
    assert.equal(after?.metricResults?.[0]?.phase, "Running");
    assert.equal(after?.phase, "Running");
    assert.equal(after?.message, undefined);
  });

  it("every metric passing its count: Successful, saying so", () => {
    const s = measure(run({ count: 2 }), ["Successful", "Successful"]);
    assert.equal(s?.phase, "Successful");
    assert.equal(s?.message, "every metric passed");
  });

  it("terminated by its Rollout with nothing failed: Successful, saying why, and nothing more is due", () => {
    const r = run({ count: 5 }, {});
    measure(r, ["Successful"]);
    r.spec.terminate = true;
    const plan = planRun(r, new Date(t0 + 10_000));
    assert.equal(plan.status.phase, "Successful");
    assert.equal(plan.status.message, "stopped by its Rollout with no metric failed");
    assert.deepEqual(plan.due, []);
  });

  it("a dry-run metric's failure decides nothing", () => {
    const s = measure(run({}, { dryRun: [{ metricName: "m" }] }), ["Failed", "Failed"]);
    assert.equal(s?.metricResults?.[0]?.phase, "Failed");
    assert.notEqual(s?.phase, "Failed");
  });

  it("measurementRetention keeps the latest measurements only; counts still count all", () => {
    const s = measure(run({ count: 5 }, { measurementRetention: [{ metricName: "m", limit: 2 }] }), [
      "Successful",
      "Successful",
      "Successful",
    ]);
    assert.deepEqual(
      s?.metricResults?.[0]?.measurements?.map((m) => m.value),
      ["v2", "v3"],
    );
    assert.equal(s?.metricResults?.[0]?.successful, 3);
  });

  it("nextDue: the initial delay first, then the interval after the last finished, an errored one-shot retried", () => {
    const result = {
      name: "m",
      phase: "Running",
      count: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
    };
    const metric = { name: "m", provider: {}, interval: "2s", initialDelay: "5s" } as unknown as Parameters<
      typeof nextDue
    >[0];
    assert.equal(nextDue(metric, result, t0), t0 + 5_000);
    const measured = {
      ...result,
      count: 1,
      measurements: [{ phase: "Successful", scheduledAt: at(5_000), finishedAt: at(6_000) }],
    };
    assert.equal(nextDue(metric, measured, t0), t0 + 8_000);
    const oneShot = { name: "m", provider: {} } as unknown as Parameters<typeof nextDue>[0];
    const errored = {
      ...result,
      error: 1,
      measurements: [{ phase: "Error", scheduledAt: at(0), finishedAt: at(1_000) }],
    };
    assert.equal(nextDue(oneShot, errored, t0), t0 + 1_000 + errorRetryMs);
    assert.equal(
      nextDue(oneShot, { ...measured, measurements: [{ phase: "Successful", scheduledAt: at(0) }] }, t0),
      undefined,
      "a one-shot that measured is done",
    );
    assert.equal(nextDue(metric, { ...result, phase: "Failed" }, t0), undefined, "a decided metric is done");
  });
});
