import assert from "node:assert/strict";
import type { CanaryStep } from "../../../controller/api/rollout.js";
import { World, checkRef, checkTemplates, rollout, addWebRouteAndServices } from "./world.js";

/**
 * A background analysis that starts with a canary behind a traffic router. The canary's first
 * weight is written only once its pods are available, so the run's first measurements may come
 * while the canary serves no request at all: a query over its pods then has no data. Those
 * measurements cannot judge the canary, and holding its first weight on them would hold it
 * forever (it would never get the traffic that could pass a measurement). The rule, written here
 * independently of the planner: while the route gives the canary nothing, a background run that
 * has not decided (no measurement, or a latest one that did not pass) lets the canary take the
 * weight its current setWeight asks for, and nothing more: the step does not complete, no later
 * step starts, and nothing is promoted until a measurement passes. Once the canary has traffic an
 * undecided run holds everything where it is, as without a router.
 */

type Latest = "none" | "Successful" | "Inconclusive" | "Error" | "Failed";

function routedWorld(steps: CanaryStep[]): World {
  const w = new World(
    rollout(
      {},
      {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } },
        steps,
        analysis: checkRef,
      },
    ),
  );
  w.templates = checkTemplates();
  addWebRouteAndServices(w);
  w.settle();
  return w;
}

const bgRun = (w: World): string => [...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!;

/** The background run as the analysis reconciler would record it: Running, its metric's latest measurement `latest`. */
function measure(w: World, latest: Latest, runPhase = "Running"): void {
  const run = w.analysisRuns.get(bgRun(w))!;
  const measurements =
    latest === "none"
      ? []
      : [{ phase: latest, scheduledAt: new Date(w.now).toISOString(), message: `${latest} (by the test)` }];
  run.status = {
    phase: runPhase,
    metricResults: [
      {
        name: "m",
        phase: "Running",
        measurements,
        count: measurements.length,
        successful: 0,
        failed: 0,
        inconclusive: 0,
        error: 0,
        consecutiveError: 0,
      },
    ],
  };
}

/** v2 applied with slow pods: the canary ReplicaSet and the background run exist, no pod available, weight 0. */
function canaryStarting(steps: CanaryStep[]): World {
  const w = routedWorld(steps);
  w.slow = true;
  w.setImage("web:2");
  w.reconcile();
  assert.ok(bgRun(w), "the background run starts with the canary");
  assert.deepEqual(w.routeWeights("web"), [0]);
  return w;
}

const steps: CanaryStep[] = [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];

describe("planner: a background analysis from step 0 behind a traffic router", () => {
  // latest measurement (taken while the canary had no traffic) -> route weight, step index after settling
  const table: [Latest, string, number[], number][] = [
    ["none", "Running", [10], 1],
    ["Successful", "Running", [10], 1],
    ["Inconclusive", "Running", [10], 0],
    ["Error", "Running", [10], 0],
    ["Failed", "Running", [10], 0],
    ["none", "Pending", [10], 1],
    // A run that ended Inconclusive waits for a person, traffic or not (Argo's pause).
    ["Inconclusive", "Inconclusive", [0], 0],
  ];
  for (const [latest, phase, weights, stepIndex] of table) {
    it(`run ${phase}, latest measurement ${latest} before any traffic: route at ${weights.join()}, step index ${stepIndex}`, () => {
      const w = canaryStarting(steps);
      measure(w, latest, phase);
      w.makeAvailable();
      w.settle();
      assert.deepEqual(w.routeWeights("web"), weights);
      assert.equal(w.rollout.status?.currentStepIndex, stepIndex);
      assert.deepEqual(w.split(), { r1: 10, r2: 1 }, "the canary sized for weight 10, the stable whole");
    });
  }

  it("the first weight is given, then held until a measurement with traffic passes; the step completes only then", () => {
    const w = canaryStarting(steps);
    measure(w, "Inconclusive");
    w.makeAvailable();
    w.settle();
    const run = bgRun(w);
    assert.equal(
      w.rollout.status?.message,
      `step 1/4: weight 10, background analysis ${run} undecided (metric "m" last measured Inconclusive: Inconclusive (by the test)), holding until it passes`,
    );
    w.advance(60_000);
    w.settle();
    assert.equal(w.rollout.status?.currentStepIndex, 0, "time alone moves nothing");
    assert.deepEqual(w.routeWeights("web"), [10]);
    measure(w, "Successful");
    w.settle();
    assert.equal(w.rollout.status?.currentStepIndex, 1, "setWeight 10 done, at pause {}");
    assert.equal(w.rollout.status?.phase, "Paused");
  });

  it("with traffic on the canary, an undecided run holds its weight and pods where they are", () => {
    const w = canaryStarting([{ setWeight: 10 }, { setWeight: 50 }, { pause: {} }]);
    measure(w, "Successful");
    w.makeAvailable();
    w.settle();
    assert.equal(w.rollout.status?.currentStepIndex, 1, "setWeight 10 done, at setWeight 50");
    assert.deepEqual(w.split(), { r1: 10, r2: 5 }, "the canary's pods for 50 asked for, not yet available");
    assert.deepEqual(w.routeWeights("web"), [10]);
    measure(w, "Error");
    w.makeAvailable();
    w.advance(60_000);
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [10], "50 not given while undecided, though its pods are ready");
    assert.equal(w.rollout.status?.currentStepIndex, 1);
    measure(w, "Successful");
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [50]);
    assert.equal(w.rollout.status?.currentStepIndex, 2);
  });

  it("an undecided run at weight 0 never lets a pause run out or the canary be promoted", () => {
    const w = canaryStarting([{ pause: { duration: "5s" } }, { setWeight: 10 }]);
    measure(w, "Inconclusive");
    w.makeAvailable();
    w.advance(60_000);
    w.settle();
    assert.equal(w.rollout.status?.currentStepIndex, 0, "the pause waits for a passing measurement");
    assert.deepEqual(w.routeWeights("web"), [0]);
    assert.notEqual(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash);
  });

  it("a one-step canary given its weight is never promoted while undecided", () => {
    const w = canaryStarting([{ setWeight: 10 }]);
    measure(w, "Error");
    w.makeAvailable();
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [10], "the one step's weight");
    assert.equal(w.rollout.status?.currentStepIndex, 0);
    assert.notEqual(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash, "not promoted");
    assert.deepEqual(w.split(), { r1: 10, r2: 1 });
  });
});
