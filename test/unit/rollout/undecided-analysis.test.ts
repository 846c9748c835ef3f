import assert from "node:assert/strict";
import type { CanaryStep } from "../../../controller/api/rollout.js";
import type { Plan } from "../../../controller/rollout/actions.js";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

/**
 * Safety table: what an AnalysisRun in each phase lets a canary do, for every kind of step the
 * canary may be at, with the run as background analysis or as the current step's analysis.
 * The rule, written here independently of the planner: a Failed or Error run aborts; a step's
 * analysis lets the canary past only once Successful; a background run stops everything while
 * Inconclusive (until a person promotes or aborts) or while the latest measurement of its metric
 * did not pass (Error, Inconclusive or Failed within the limits), runs alongside the steps
 * otherwise, and never lets the canary be promoted to stable before its metric has passed once.
 */
type Phase = "Pending" | "Running" | "Successful" | "Inconclusive" | "Failed" | "Error";
type Outcome = "moves" | "holds" | "aborts";
const phases: Phase[] = ["Pending", "Running", "Successful", "Inconclusive", "Failed", "Error"];
/** A background run that is Running, by the latest measurement of its one metric (none yet, or its phase). */
type Latest = "none" | "Successful" | "Failed" | "Error" | "Inconclusive";
const latests: Latest[] = ["none", "Successful", "Failed", "Error", "Inconclusive"];

const analysis = checkRef;

/** Kinds of step the canary stands at (index 1, after a setWeight of 20 that it reached). */
const backgroundKinds: Record<string, CanaryStep[]> = {
  "a setWeight not yet reached": [{ setWeight: 20 }, { setWeight: 60 }, { pause: {} }],
  "a timed pause that has run out": [{ setWeight: 20 }, { pause: { duration: "5s" } }, { setWeight: 60 }],
  "an indefinite pause": [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }],
  "a setCanaryScale": [{ setWeight: 20 }, { setCanaryScale: { replicas: 4 } }, { setWeight: 60 }],
  "a step analysis that passed": [{ setWeight: 20 }, { analysis }, { setWeight: 60 }],
  "the end of the steps (full promotion)": [{ setWeight: 20 }],
};

/** What follows the analysis step (index 1) when the run under test is that step's. */
const stepKinds: Record<string, CanaryStep[]> = {
  "then a setWeight": [{ setWeight: 20 }, { analysis }, { setWeight: 60 }, { pause: {} }],
  "then a timed pause": [{ setWeight: 20 }, { analysis }, { pause: { duration: "5s" } }, { pause: {} }],
  "then a setCanaryScale": [
    { setWeight: 20 },
    { analysis },
    { setCanaryScale: { replicas: 4 } },
    { pause: {} },
  ],
  "then full promotion": [{ setWeight: 20 }, { analysis }],
};

function expectedBackground(phase: Phase, kind: string, latest: Latest = "none"): Outcome {
  if (phase === "Failed" || phase === "Error") return "aborts";
  if (phase === "Inconclusive") return "holds";
  if (phase === "Running" && latest !== "none" && latest !== "Successful") return "holds";
  if (kind === "an indefinite pause") return "holds";
  const noEvidence = phase === "Pending" || (phase === "Running" && latest === "none");
  return noEvidence && kind === "the end of the steps (full promotion)" ? "holds" : "moves";
}

function expectedStep(phase: Phase): Outcome {
  if (phase === "Failed" || phase === "Error") return "aborts";
  return phase === "Successful" ? "moves" : "holds";
}

/**
 * A canary of 10 replicas that reached setWeight 20 (2 canary / 8 stable, all available) and now
 * stands at step index 1, as a controller would find it after a restart; the run under test is
 * in `phase`.
 */
function canaryAtStepOne(
  steps: CanaryStep[],
  where: "background" | "step",
  phase: Phase,
  latest: Latest = "none",
): World {
  const w = new World(rollout({}, { steps, ...(where === "background" ? { analysis } : {}) }));
  w.templates = checkTemplates();
  w.settle();
  w.setImage("web:2");
  w.rollout.spec.paused = true;
  w.reconcile(); // creates the canary ReplicaSet at 0, moves nothing
  w.rollout.spec.paused = false;
  const [stable, canary] = [...w.replicaSets.values()];
  for (const [rs, n] of [
    [stable!, 8],
    [canary!, 2],
  ] as const) {
    rs.spec!.replicas = n;
    rs.status = { ...rs.status, replicas: n, availableReplicas: n, readyReplicas: n };
  }
  const status = w.rollout.status!;
  status.currentStepIndex = 1;
  const startedAt = new Date(w.now - 10_000).toISOString(); // a 5s pause has run out
  status.pauseConditions = steps[1]?.pause
    ? [{ reason: "CanaryPauseStep", startTime: startedAt }]
    : undefined;

  // The runs the planner asks for at this point, then the one under test in its phase.
  for (const a of w.plan().actions) {
    if (a.kind === "createAnalysisRun") w.analysisRuns.set(a.run.metadata.name ?? "", structuredClone(a.run));
  }
  const underTest = [...w.analysisRuns.keys()].find((n) =>
    where === "background" ? n.endsWith("-bg") : n.endsWith("-s1"),
  );
  assert.ok(underTest, `the planner asked for a ${where} run: ${[...w.analysisRuns.keys()].join(", ")}`);
  for (const name of w.analysisRuns.keys()) w.setRunPhase(name, name === underTest ? phase : "Successful");
  if (latest !== "none") {
    const measurements = [
      { phase: latest, scheduledAt: new Date(w.now).toISOString(), message: `${latest} (by the test)` },
    ];
    w.analysisRuns.get(underTest)!.status!.metricResults = [
      {
        name: "m",
        phase: "Running",
        measurements,
        count: 1,
        successful: 0,
        failed: 0,
        inconclusive: 0,
        error: 0,
        consecutiveError: 0,
      },
    ];
  }
  return w;
}

function outcomeOf(plan: Plan): Outcome {
  const scales = plan.actions.filter((a) => a.kind === "scaleReplicaSet");
  const canaryName = `web-${plan.status!.currentPodHash}`;
  if (plan.status?.abort) {
    assert.ok(
      scales.some((a) => a.name === canaryName && a.replicas === 0),
      "an abort takes the canary to 0 at once",
    );
    return "aborts";
  }
  const stepped = (plan.status?.currentStepIndex ?? 0) > 1;
  const canaryGrew = scales.some((a) => a.name === canaryName && a.replicas > a.from);
  const stableShrank = scales.some((a) => a.name !== canaryName && a.replicas < a.from);
  if (stepped || canaryGrew || stableShrank) return "moves";
  assert.equal(scales.length, 0, "holding scales nothing");
  assert.notEqual(plan.status?.stableRS, plan.status?.currentPodHash, "holding never promotes");
  return "holds";
}

describe("planRollout: an undecided analysis never lets a canary move", () => {
  for (const phase of phases) {
    for (const [kind, steps] of Object.entries(backgroundKinds)) {
      const want = expectedBackground(phase, kind);
      it(`background run ${phase}, at ${kind}: ${want}`, () => {
        assert.equal(outcomeOf(canaryAtStepOne(steps, "background", phase).plan()), want);
      });
    }
    for (const [kind, steps] of Object.entries(stepKinds)) {
      const want = expectedStep(phase);
      it(`step analysis ${phase}, ${kind}: ${want}`, () => {
        assert.equal(outcomeOf(canaryAtStepOne(steps, "step", phase).plan()), want);
      });
    }
  }
  for (const latest of latests.filter((l) => l !== "none")) {
    for (const [kind, steps] of Object.entries(backgroundKinds)) {
      const want = expectedBackground("Running", kind, latest);
      it(`background run Running whose latest measurement is ${latest}, at ${kind}: ${want}`, () => {
        assert.equal(outcomeOf(canaryAtStepOne(steps, "background", "Running", latest).plan()), want);
      });
    }
  }

  it("an Inconclusive background run pauses the Rollout and says why; a promote accepts it and the canary moves on", () => {
    const steps: CanaryStep[] = [
      { setWeight: 20 },
      { pause: { duration: "5s" } },
      { setWeight: 60 },
      { pause: {} },
    ];
    const w = canaryAtStepOne(steps, "background", "Inconclusive");
    const held = w.reconcile();
    assert.equal(held.status?.phase, "Paused");
    assert.ok(held.status?.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysis"));
    assert.match(held.status?.message ?? "", /inconclusive/);
    w.advance(60_000);
    assert.equal(outcomeOf(w.reconcile()), "holds", "time passing changes nothing");
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 4, r2: 6 }, "past the pause to setWeight 60, then waiting at pause {}");
  });

  it("a latest measurement that did not pass holds the canary as Progressing, saying why; a promote accepts the doubt", () => {
    const steps: CanaryStep[] = [{ setWeight: 20 }, { setWeight: 60 }, { pause: {} }];
    const w = canaryAtStepOne(steps, "background", "Running", "Error");
    const run = [...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!;
    const held = w.reconcile();
    assert.equal(held.status?.phase, "Progressing");
    assert.equal(
      held.status?.message,
      `step 2/3: weight 60, background analysis ${run} undecided (metric "m" last measured Error: Error (by the test)), holding until it passes`,
    );
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(
      w.split(),
      { r1: 4, r2: 6 },
      "promoted past setWeight 60's step to pause {}, the doubt accepted",
    );
  });

  it("steps that end before the background analysis has measured wait for it, stable untouched, then promote", () => {
    const w = canaryAtStepOne([{ setWeight: 20 }], "background", "Running");
    const run = [...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!;
    const waiting = w.reconcile();
    assert.equal(
      waiting.status?.message,
      `step 1/1: weight 100, waiting for background analysis ${run} to pass before promoting (metric "m" has no measurement yet)`,
    );
    assert.deepEqual(w.split(), { r1: 8, r2: 2 });
    w.analysisRuns.get(run)!.status!.metricResults = [
      {
        name: "m",
        phase: "Running",
        measurements: [{ phase: "Successful", scheduledAt: new Date(w.now).toISOString() }],
        count: 1,
        successful: 1,
        failed: 0,
        inconclusive: 0,
        error: 0,
        consecutiveError: 0,
      },
    ];
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
  });

  it("a dry-run metric neither holds nor waits", () => {
    const w = canaryAtStepOne(
      [{ setWeight: 20 }, { setWeight: 60 }, { pause: {} }],
      "background",
      "Running",
      "Error",
    );
    const run = w.analysisRuns.get([...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!)!;
    run.spec.dryRun = [{ metricName: "m" }];
    assert.equal(outcomeOf(w.plan()), "moves");
  });
});

describe("planRollout: an undecided background analysis at full scale", () => {
  it("a canary already carrying every replica is not promoted while its latest measurement did not pass", () => {
    const w = new World(rollout({}, { steps: [{ setWeight: 20 }], analysis: checkRef }));
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.reconcile();
    const run = [...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!;
    const metricResult = (phase: string) => ({
      name: "m",
      phase: "Running",
      measurements: [
        { phase, scheduledAt: new Date(w.now).toISOString(), message: `${phase} (by the test)` },
      ],
      count: 1,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
    });
    w.analysisRuns.get(run)!.status = { phase: "Running", metricResults: [metricResult("Successful")] };
    // Walk to the end of the steps and scale the canary to every replica, one of its pods not yet
    // available, so the promotion is one pass away.
    w.slow = true;
    const canary = `web-${w.rollout.status!.currentPodHash}`;
    for (let i = 0; i < 30 && !(w.split().r2 === 10 && w.split().r1 === 0); i++) {
      w.reconcile();
      for (const rs of w.replicaSets.values()) {
        const n = rs.spec?.replicas ?? 0;
        rs.status!.availableReplicas = rs.metadata?.name === canary && n === 10 ? 9 : n;
      }
    }
    w.reconcile();
    assert.equal(w.split().r2, 10);
    assert.notEqual(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash, "not yet promoted");
    w.analysisRuns.get(run)!.status = { phase: "Running", metricResults: [metricResult("Error")] };
    w.makeAvailable();
    w.reconcile();
    w.reconcile();
    assert.notEqual(
      w.rollout.status?.stableRS,
      w.rollout.status?.currentPodHash,
      "never promoted while undecided",
    );
    assert.equal(w.rollout.status?.phase, "Progressing");
  });
});
