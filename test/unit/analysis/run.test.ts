import assert from "node:assert/strict";
import type { AnalysisRun, Metric } from "../../../controller/api/analysis.js";
import type { MeasurementOutcome } from "../../../controller/analysis/measure.js";
import { errorRetryMs, nextLookMs, planRun, recordMeasurement } from "../../../controller/analysis/run.js";
import { at, run, t0 } from "./run-fixture.js";

/** Takes `phases` measurements, one per due slot, and returns the run's final status. */
function drive(r: AnalysisRun, phases: MeasurementOutcome["phase"][]): AnalysisRun["status"] {
  let now = 0;
  for (const phase of phases) {
    const plan = planRun(r, new Date(t0 + now));
    if (plan.due.length === 0) {
      now += plan.requeueAfterMs ?? 0;
      const again = planRun(r, new Date(t0 + now));
      if (again.due.length === 0) return again.status;
      r.status = again.status;
    } else r.status = plan.status;
    const slot = planRun(r, new Date(t0 + now)).due[0]!;
    r.status = recordMeasurement(
      r,
      r.status!,
      "m",
      { phase, value: "[0.5]", message: phase },
      { scheduledAt: slot.scheduledAt, startedAt: at(now), finishedAt: at(now) },
    );
    now += 2_000;
  }
  return r.status;
}

describe("AnalysisRun planner", () => {
  const cases: {
    name: string;
    m?: Partial<Metric>;
    extra?: Partial<AnalysisRun["spec"]>;
    phases: MeasurementOutcome["phase"][];
    expect: string;
  }[] = [
    {
      name: "fails once failed exceeds failureLimit",
      m: { failureLimit: 2 },
      phases: ["Failed", "Failed", "Failed"],
      expect: "Failed",
    },
    {
      name: "keeps running at the limit",
      m: { failureLimit: 2 },
      phases: ["Failed", "Failed"],
      expect: "Running",
    },
    {
      name: "succeeds after count measurements",
      m: { count: 3, failureLimit: 1 },
      phases: ["Successful", "Failed", "Successful"],
      expect: "Successful",
    },
    {
      name: "errors after consecutiveErrorLimit",
      m: { consecutiveErrorLimit: 1 },
      phases: ["Error", "Error"],
      expect: "Error",
    },
    {
      name: "a success resets consecutive errors",
      m: { consecutiveErrorLimit: 1, count: 2 },
      phases: ["Error", "Successful", "Error", "Successful"],
      expect: "Successful",
    },
    {
      name: "errors never fill count: a metric that only errors (Prometheus down) is never Successful",
      m: { count: 3, consecutiveErrorLimit: 10 },
      phases: ["Error", "Error", "Error", "Error", "Error", "Error"],
      expect: "Running",
    },
    {
      name: "a one-shot metric (no interval, no count) that errors is retried, not passed",
      m: { interval: undefined },
      phases: ["Error"],
      expect: "Running",
    },
    {
      name: "a one-shot metric errors once it errs past consecutiveErrorLimit",
      m: { interval: undefined },
      phases: ["Error", "Error", "Error", "Error", "Error"],
      expect: "Error",
    },
    {
      name: "goes Inconclusive past inconclusiveLimit",
      m: { inconclusiveLimit: 1 },
      phases: ["Inconclusive", "Inconclusive"],
      expect: "Inconclusive",
    },
    {
      name: "a dry-run metric never fails the run",
      m: { count: 2 },
      extra: { dryRun: [{ metricName: "m" }] },
      phases: ["Failed", "Failed"],
      expect: "Successful",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(drive(run(c.m, c.extra), c.phases)?.phase, c.expect);
    });
  }

  it("counts only measurements without Error toward count, and completes once count of them are in", () => {
    const status = drive(run({ count: 2, consecutiveErrorLimit: 10 }), [
      "Successful",
      "Error",
      "Error",
      "Error",
      "Successful",
    ]);
    const m = status?.metricResults?.[0];
    assert.equal(status?.phase, "Successful");
    assert.deepEqual([m?.count, m?.successful, m?.error], [2, 2, 3]);
  });

  it("retries an errored one-shot measurement after errorRetryMs, not at once", () => {
    const r = run({ interval: undefined });
    const first = planRun(r, new Date(t0));
    const slot = first.due[0]!.scheduledAt;
    r.status = recordMeasurement(
      r,
      first.status,
      "m",
      { phase: "Error", message: "Prometheus unreachable" },
      { scheduledAt: slot, startedAt: at(0), finishedAt: at(0) },
    );
    const next = planRun(r, new Date(t0));
    assert.deepEqual(next.due, []);
    assert.equal(next.requeueAfterMs, errorRetryMs);
    assert.equal(next.status.phase, "Running");
    assert.equal(planRun(r, new Date(t0 + errorRetryMs)).due.length, 1);
  });

  it("names the metric, its values and the limit in the verdict", () => {
    const status = drive(run({ failureLimit: 1 }), ["Failed", "Failed"]);
    assert.match(
      status?.message ?? "",
      /metric "m" failed 2 time\(s\), more than failureLimit 1: values \[0.5\], \[0.5\]; successCondition result\[0\] >= 0.95/,
    );
  });

  it("does not count the same slot twice (a restarted controller re-applying a measurement)", () => {
    const r = run({ failureLimit: 5 });
    const plan = planRun(r, new Date(t0));
    const slot = plan.due[0]!.scheduledAt;
    const times = { scheduledAt: slot, startedAt: at(0), finishedAt: at(0) };
    const once = recordMeasurement(r, plan.status, "m", { phase: "Failed", message: "x" }, times);
    const twice = recordMeasurement(r, once, "m", { phase: "Failed", message: "x" }, times);
    assert.equal(twice.metricResults?.[0]?.failed, 1);
  });

  describe("nextLookMs: when the shell plans the run again", () => {
    /** The run after its first measurement, of this phase, finished at t0. */
    function afterOne(r: AnalysisRun, phase: MeasurementOutcome["phase"]): AnalysisRun {
      const first = planRun(r, new Date(t0));
      const times = { scheduledAt: first.due[0]!.scheduledAt, startedAt: at(0), finishedAt: at(0) };
      r.status = recordMeasurement(r, first.status, "m", { phase, message: phase }, times);
      return r;
    }
    const afterOneError = (): AnalysisRun => afterOne(run({ interval: "1s", failureLimit: 5 }), "Error");
    const none = new Map<string, number>();

    it("at once when the next slot has passed already (the write took longer than the interval)", () => {
      assert.equal(nextLookMs(planRun(afterOneError(), new Date(t0 + 1_500)), none), 0);
    });
    it("at the next slot when it is still ahead", () => {
      assert.equal(nextLookMs(planRun(afterOneError(), new Date(t0 + 400)), none), 600);
    });
    it("a slot still being measured (a Job) waits for its own check time, not 0", () => {
      const late = planRun(afterOneError(), new Date(t0 + 1_500));
      assert.equal(nextLookMs(late, new Map([["m", 5_000]])), 5_000);
    });
    it("never again once the run has ended", () => {
      const r = afterOne(run({ failureLimit: 0 }), "Failed");
      const ended = planRun(r, new Date(t0 + 60_000));
      assert.equal(ended.status.phase, "Failed");
      assert.equal(nextLookMs(ended, none), undefined);
    });
  });

  it("schedules by interval and initialDelay", () => {
    const r = run({ initialDelay: "10s" });
    assert.equal(planRun(r, new Date(t0)).requeueAfterMs, 10_000);
    assert.equal(planRun(r, new Date(t0 + 10_000)).due.length, 1);
  });

  it("ends Successful when terminated with nothing failed", () => {
    const r = run({}, { terminate: true });
    assert.equal(planRun(r, new Date(t0)).status.phase, "Successful");
  });

  it("keeps only the retained measurements", () => {
    const status = drive(
      run({ failureLimit: 50 }, { measurementRetention: [{ metricName: "m", limit: 2 }] }),
      ["Failed", "Failed", "Failed"],
    );
    assert.equal(status?.metricResults?.[0]?.measurements?.length, 2);
    assert.equal(status?.metricResults?.[0]?.failed, 3);
  });

  it("measures with the run's arguments: count and failureLimit from {{args}}", () => {
    const r = run(
      { count: "{{args.n}}", failureLimit: "{{args.limit}}" },
      {
        args: [
          { name: "n", value: "2" },
          { name: "limit", value: "1" },
        ],
      },
    );
    assert.equal(drive(structuredClone(r), ["Successful", "Failed"])?.phase, "Successful");
    assert.equal(drive(structuredClone(r), ["Failed", "Failed"])?.phase, "Failed");
  });

  it("schedules by an interval from {{args}} in Go's compound form", () => {
    const r = run({ interval: "{{args.every}}", count: 2 }, { args: [{ name: "every", value: "1m30s" }] });
    const first = planRun(r, new Date(t0));
    r.status = recordMeasurement(
      r,
      first.status,
      "m",
      { phase: "Successful", value: "[1]", message: "ok" },
      { scheduledAt: first.due[0]!.scheduledAt, startedAt: at(0), finishedAt: at(0) },
    );
    assert.equal(planRun(r, new Date(t0)).requeueAfterMs, 90_000);
  });

  it("ends Error before measuring when an argument does not resolve, naming metric, field and argument", () => {
    const r = run({ count: "{{args.n}}" }, { args: [{ name: "n", value: "abc" }] });
    const plan = planRun(r, new Date(t0));
    const message = 'metric "m": count "{{args.n}}" resolved to "abc", want an integer of at least 1';
    assert.deepEqual(plan.due, []);
    assert.equal(plan.status.phase, "Error");
    assert.equal(plan.status.message, message);
    assert.equal(plan.status.metricResults?.[0]?.phase, "Error");
    assert.equal(plan.status.metricResults?.[0]?.message, message);
  });

  it("ends Error before measuring when an argument is undefined", () => {
    const plan = planRun(run({ successCondition: "result[0] >= {{args.min}}" }), new Date(t0));
    assert.equal(plan.status.phase, "Error");
    assert.equal(
      plan.status.message,
      'metric "m": successCondition "result[0] >= {{args.min}}": argument "min" has no value (declare it in the template\'s args or pass it from the Rollout)',
    );
  });
});
