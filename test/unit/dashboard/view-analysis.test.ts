import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { runView, runViews, thresholdOf, valueOf } from "../../../controller/dashboard/view-analysis.js";

describe("dashboard: the threshold line a condition draws", () => {
  const cases: [string, string | undefined, { value: number; op: string } | undefined][] = [
    ["result[0] >= 0.95", "success", { value: 0.95, op: ">=" }],
    ["result < 0.1", "failure", { value: 0.1, op: "<" }],
    ["  result[0]<=5 ", "success", { value: 5, op: "<=" }],
    ["asFloat(result) > 100", "failure", { value: 100, op: ">" }],
    ["0.95 <= result[0]", "success", { value: 0.95, op: ">=" }],
    ["1e-3 > result", "success", { value: 0.001, op: "<" }],
    ["result == -2", "failure", { value: -2, op: "==" }],
    ["result[0] >= 0.9 && result[0] <= 1", "success", undefined],
    ["result == 'It worked!'", "success", undefined],
    ["", "success", undefined],
  ];
  for (const [condition, kind, want] of cases)
    it(`${JSON.stringify(condition)} -> ${want ? `${want.op} ${want.value}` : "none"}`, () => {
      const got = thresholdOf(condition, kind as "success" | "failure");
      assert.deepEqual(got && { value: got.value, op: got.op }, want);
      if (got) assert.equal(got.kind, kind);
    });
});

describe("dashboard: measured values as numbers", () => {
  const cases: [string | undefined, number | undefined][] = [
    ["0.3", 0.3],
    ["[0.25]", 0.25],
    ["[0.5, 0.2]", 0.5],
    ["-4", -4],
    ["1e-2", 0.01],
    ['"It worked!"', undefined],
    [undefined, undefined],
  ];
  for (const [text, want] of cases)
    it(`${String(text)} -> ${String(want)}`, () => assert.equal(valueOf(text), want));
});

function run(name: string, startedAt: string, phase: string, failureCondition?: string): AnalysisRun {
  return {
    metadata: { name, namespace: "ns" },
    spec: {
      metrics: [
        {
          name: "error-rate",
          successCondition: "result[0] <= 0.1",
          failureCondition,
          provider: { web: { url: "http://x" } },
        },
      ],
    } as AnalysisRun["spec"],
    status: {
      phase,
      startedAt,
      message: phase === "Failed" ? "metric error-rate failed" : undefined,
      metricResults: [
        {
          name: "error-rate",
          phase,
          count: 3,
          successful: 0,
          failed: 3,
          inconclusive: 0,
          error: 0,
          consecutiveError: 0,
          measurements: [
            {
              phase: "Failed",
              scheduledAt: "2026-01-01T00:00:00Z",
              finishedAt: "2026-01-01T00:00:01Z",
              value: "[0.3]",
            },
            { phase: "Error", scheduledAt: "2026-01-01T00:00:05Z", message: "timeout" },
            { phase: "Failed", scheduledAt: "2026-01-01T00:00:10Z", value: "0.32" },
          ],
        },
      ],
    },
  };
}

describe("dashboard: an AnalysisRun as charts", () => {
  it("each measurement with a value is a point (an Error without one is left out); the success line when no failure condition", () => {
    const v = runView(run("web-1", "2026-01-01T00:00:00Z", "Failed"));
    assert.equal(v.phase, "Failed");
    assert.equal(v.message, "metric error-rate failed");
    assert.deepEqual(v.charts[0]!.points, [
      { at: "2026-01-01T00:00:01Z", value: 0.3, phase: "Failed" },
      { at: "2026-01-01T00:00:10Z", value: 0.32, phase: "Failed" },
    ]);
    assert.deepEqual(v.charts[0]!.threshold, {
      value: 0.1,
      op: "<=",
      kind: "success",
      condition: "result[0] <= 0.1",
    });
  });

  it("a failed metric with a failure condition draws the failure line (the one its values crossed)", () => {
    const v = runView(run("web-1", "2026-01-01T00:00:00Z", "Failed", "result[0] > 0.25"));
    assert.equal(v.charts[0]!.threshold?.kind, "failure");
    assert.equal(v.charts[0]!.threshold?.value, 0.25);
  });

  it("a passing metric draws its success line even with a failure condition", () => {
    const v = runView(run("web-1", "2026-01-01T00:00:00Z", "Successful", "result[0] > 0.25"));
    assert.equal(v.charts[0]!.threshold?.kind, "success");
  });

  it("runs come newest first", () => {
    const names = runViews([
      run("a", "2026-01-01T00:00:00Z", "Successful"),
      run("c", "2026-01-03T00:00:00Z", "Failed"),
      run("b", "2026-01-02T00:00:00Z", "Successful"),
    ]).map((x) => x.name);
    assert.deepEqual(names, ["c", "b", "a"]);
  });
});
