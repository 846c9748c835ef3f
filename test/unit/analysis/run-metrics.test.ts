import assert from "node:assert/strict";
import type { AnalysisRun, Metric } from "../../../controller/api/analysis.js";
import { planRun, recordMeasurement } from "../../../controller/analysis/run.js";
import { at, t0 } from "./run-fixture.js";

/** A run of two metrics: each metric's result, limits and words are its own. */
const metric = (name: string, m: Partial<Metric> = {}): Metric => ({
  name,
  interval: "2s",
  successCondition: `result[0] >= 0.${name === "a" ? 9 : 8}`,
  provider: { prometheus: { address: "http://p", query: "q" } },
  ...m,
});
function twoMetrics(
  a: Partial<Metric> = {},
  b: Partial<Metric> = {},
  extra: Partial<AnalysisRun["spec"]> = {},
): AnalysisRun {
  return {
    metadata: { name: "r" },
    spec: { metrics: [metric("a", a), metric("b", b)], ...extra },
    status: { startedAt: at(0) },
  };
}
const slot = (i: number) => ({
  scheduledAt: at(i * 2_000),
  startedAt: at(i * 2_000),
  finishedAt: at(i * 2_000),
});

describe("AnalysisRun planner: several metrics", () => {
  it("results are kept per metric, in the spec's order, whatever order the status holds them in", () => {
    const r = twoMetrics();
    r.status = planRun(r, new Date(t0)).status;
    r.status = recordMeasurement(
      r,
      r.status,
      "b",
      { phase: "Successful", value: "0.85", message: "ok" },
      slot(0),
    );
    r.status.metricResults!.reverse();
    const s = planRun(r, new Date(t0 + 1_000)).status;
    assert.deepEqual(
      s.metricResults!.map((x) => [x.name, x.count, x.phase]),
      [
        ["a", 0, "Pending"],
        ["b", 1, "Running"],
      ],
    );
  });

  it("a measurement counts into its own metric only, and a name the run lacks changes nothing", () => {
    const r = twoMetrics();
    r.status = planRun(r, new Date(t0)).status;
    const s = recordMeasurement(r, r.status, "b", { phase: "Failed", value: "0.1", message: "low" }, slot(0));
    assert.deepEqual(
      s.metricResults!.map((x) => [x.name, x.failed, x.measurements?.length ?? 0]),
      [
        ["a", 0, 0],
        ["b", 1, 1],
      ],
    );
    assert.deepEqual(recordMeasurement(r, s, "c", { phase: "Failed", message: "x" }, slot(1)), s);
  });

  it("the failing metric's own limit, values and conditions are in the verdict", () => {
    const r = twoMetrics({ failureLimit: 5 }, { failureLimit: 1, failureCondition: "result[0] < 0.5" });
    r.status = planRun(r, new Date(t0)).status;
    for (const i of [0, 1])
      r.status = recordMeasurement(
        r,
        r.status,
        "b",
        { phase: "Failed", value: `0.${i}`, message: "low" },
        slot(i),
      );
    assert.equal(r.status.phase, "Failed");
    assert.equal(
      r.status.message,
      'metric "b" failed 2 time(s), more than failureLimit 1: values 0.0, 0.1; successCondition result[0] >= 0.8, failureCondition result[0] < 0.5',
    );
  });

  it("each metric keeps as many measurements as its own retention says", () => {
    const r = twoMetrics(
      {},
      {},
      {
        measurementRetention: [
          { metricName: "a", limit: 1 },
          { metricName: "b", limit: 2 },
        ],
      },
    );
    r.status = planRun(r, new Date(t0)).status;
    for (const i of [0, 1, 2])
      r.status = recordMeasurement(
        r,
        r.status,
        "b",
        { phase: "Successful", value: `v${i}`, message: "ok" },
        slot(i),
      );
    assert.deepEqual(
      r.status.metricResults![1]!.measurements!.map((m) => m.value),
      ["v1", "v2"],
    );
  });

  it("a value that does not resolve ends the run at the metric it names, the others untouched", () => {
    const r = twoMetrics({}, { count: "{{args.n}}" });
    const s = planRun(r, new Date(t0)).status;
    const message =
      'metric "b": count "{{args.n}}": argument "n" has no value (declare it in the template\'s args or pass it from the Rollout)';
    assert.deepEqual(
      s.metricResults!.map((x) => [x.name, x.phase, x.message]),
      [
        ["a", "Pending", undefined],
        ["b", "Error", message],
      ],
    );
    assert.deepEqual([s.phase, s.message], ["Error", message]);
  });
});
