import assert from "node:assert/strict";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

/**
 * A canary followed pass by pass with pods that become available only when the test says so:
 * every line is what one reconcile leaves behind (phase, message, replicas per revision and the
 * Events it sent), worked out by hand from the rules (maxSurge 1 and maxUnavailable 0 for 4
 * replicas: at most 5 pods, at least 4 available).
 */
function line(w: World, names: Record<string, string>): string {
  const st = w.rollout.status!;
  const split = Object.entries(w.split())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  let events = w.events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(" / ");
  for (const [name, short] of Object.entries(names)) events = events.split(name).join(short);
  w.events = [];
  return `${st.phase} | ${st.message} | ${split}${events ? ` | ${events}` : ""}`;
}

describe("planRollout: a canary pass by pass, pods slow to become available", () => {
  it("weight 50 of 4 replicas, a 10s pause, then full promotion, each move within surge and availability", () => {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: { duration: "10s" } }] }),
    );
    w.settle();
    const r1 = `web-${w.rollout.status!.currentPodHash}`;
    w.events = [];
    w.slow = true;
    w.setImage("web:2");
    const seen: string[] = [];
    const pass = (before?: () => void): void => {
      before?.();
      w.reconcile();
      const names = { [r1]: "R1", [`web-${w.rollout.status!.currentPodHash}`]: "R2" };
      seen.push(line(w, names));
    };
    pass();
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass(() => w.advance(6_000));
    pass(() => w.advance(4_000));
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass();
    pass(() => w.makeAvailable());
    pass();
    const waiting = (c: number, s: number, a: number): string =>
      `Progressing | step 1/2: weight 50, waiting for ${c} canary / ${s} stable (${a} canary available)`;
    assert.deepEqual(seen, [
      `${waiting(2, 2, 0)} | r1=4 r2=1 | Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 1 replicas`,
      `${waiting(2, 2, 0)} | r1=4 r2=1`,
      `${waiting(2, 2, 1)} | r1=3 r2=1 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 4 to 3`,
      `${waiting(2, 2, 1)} | r1=3 r2=2 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 1 to 2`,
      `${waiting(2, 2, 1)} | r1=3 r2=2`,
      `${waiting(2, 2, 2)} | r1=2 r2=2 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 3 to 2`,
      "Paused | step 2/2: weight 50, paused 10s more | r1=2 r2=2 | Normal StepCompleted: step 1/2: weight 50 reached / Normal RolloutPaused: step 2/2: pausing for 10s",
      "Paused | step 2/2: weight 50, paused 4s more | r1=2 r2=2",
      "Progressing | promoting revision 2 to full: 2/4 available | r1=2 r2=3 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 2 to 3",
      "Progressing | promoting revision 2 to full: 2/4 available | r1=2 r2=3",
      "Progressing | promoting revision 2 to full: 3/4 available | r1=1 r2=3 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 2 to 1",
      "Progressing | promoting revision 2 to full: 3/4 available | r1=1 r2=4 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 3 to 4",
      "Progressing | promoting revision 2 to full: 3/4 available | r1=1 r2=4",
      "Healthy | healthy: revision 2 promoted to stable (4/4 available) | r1=0 r2=4 | Normal RolloutCompleted: revision 2 is stable at 4 replicas / Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 1 to 0",
      "Healthy | healthy: revision 2 at full scale (4/4 available) | r1=0 r2=4",
    ]);
    const r2 = [...w.replicaSets.values()].find((rs) => rs.metadata?.name !== r1);
    assert.equal(
      r2?.metadata?.annotations?.["kestrel.dev/completed"],
      "true",
      "an undo to it may skip the steps",
    );
  });

  it("an abort with slow pods: stable back to full at once, the canary removed once stable pods are available", () => {
    const w = new World(rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    const r1 = `web-${w.rollout.status!.currentPodHash}`;
    w.setImage("web:2");
    w.settle();
    const names = { [r1]: "R1", [`web-${w.rollout.status!.currentPodHash}`]: "R2" };
    w.events = [];
    w.slow = true;
    w.annotate("kestrel.dev/abort", "true");
    w.reconcile();
    const first = line(w, names);
    w.makeAvailable();
    w.reconcile();
    const second = line(w, names);
    assert.deepEqual(
      [first, second],
      [
        "Degraded | aborted by user: all traffic back on stable revision 1 (2/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=0 | Warning RolloutAborted: aborted by user: scaling the stable ReplicaSet back to full and the canary to 0 / Normal ScalingReplicaSet: scaled up ReplicaSet R1 (revision 1) from 2 to 4 / Normal ScalingReplicaSet: scaled down ReplicaSet R2 (revision 2) from 2 to 0",
        "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=0",
      ],
    );
  });

  it("spec.paused: a BlockedByPausedSpec pause condition while set, gone once cleared; promote waits for it", () => {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 75 }] }),
    );
    w.settle();
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(
      w.rollout.status?.pauseConditions?.map((p) => p.reason),
      ["CanaryPauseStep"],
    );
    w.rollout.spec.paused = true;
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(
      w.rollout.status?.pauseConditions?.map((p) => p.reason),
      ["CanaryPauseStep", "BlockedByPausedSpec"],
    );
    assert.equal(w.rollout.status?.message, "step 2/3: weight 50, paused by spec.paused");
    assert.equal(w.rollout.status?.currentStepIndex, 1, "a promote under spec.paused does not move the step");
    assert.equal(
      w.rollout.metadata.annotations?.["kestrel.dev/promote"],
      undefined,
      "it is consumed all the same",
    );
    w.rollout.spec.paused = false;
    w.settle();
    assert.deepEqual(
      w.rollout.status?.pauseConditions?.map((p) => p.reason),
      ["CanaryPauseStep"],
    );
    assert.equal(
      w.rollout.status?.message,
      "step 2/3: weight 50, paused until promoted (annotate kestrel.dev/promote=step)",
    );
    w.events = [];
    w.annotate("kestrel.dev/promote", "step");
    w.reconcile();
    assert.equal(w.events[0]?.message, "promoted past step 2/3");
    assert.equal(w.rollout.status?.pauseConditions, undefined);
  });

  it("a pause written as Go writes durations (1m30s) lasts 90 seconds", () => {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: { duration: "1m30s" } }] }),
    );
    w.settle();
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.message, "step 2/2: weight 50, paused 90s more");
    w.advance(89_000);
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused");
    w.advance(1_000);
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("undo to a revision that once completed: straight to full with no surge limit, the old one down once it is available", () => {
    const w = new World(rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    const r1 = `web-${w.rollout.status!.currentPodHash}`;
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    const names = { [r1]: "R1", [`web-${w.rollout.status!.currentPodHash}`]: "R2" };
    assert.equal(w.rollout.status?.phase, "Healthy");
    w.events = [];
    w.slow = true;
    w.rollout.spec.rollbackTo = { revision: 1 };
    const seen: string[] = [];
    for (const before of [undefined, undefined, undefined, () => w.makeAvailable(), undefined]) {
      before?.();
      w.reconcile();
      seen.push(line(w, names));
    }
    assert.deepEqual(seen, [
      "Healthy | healthy: revision 2 at full scale (4/4 available) | r1=0 r2=4 | Normal Undo: undoing to revision 1 (ReplicaSet R1)",
      "Progressing | undo to revision 3: scaling it to full (0/4 available), skipping canary steps | r3=4 r2=4 | Normal ScalingReplicaSet: scaled up ReplicaSet R1 (revision 1) from 0 to 4",
      "Progressing | undo to revision 3: scaling it to full (0/4 available), skipping canary steps | r3=4 r2=4",
      "Healthy | healthy: revision 3 at full scale after undo (4/4 available) | r3=4 r2=0 | Normal UndoCompleted: revision 3 is stable again at 4 replicas / Normal ScalingReplicaSet: scaled down ReplicaSet R2 (revision 2) from 4 to 0",
      "Healthy | healthy: revision 3 at full scale (4/4 available) | r3=4 r2=0",
    ]);
    assert.equal(
      w.rollout.metadata.annotations?.["kestrel.dev/undo-to"],
      undefined,
      "the undo marker is cleared once stable",
    );
    assert.equal(w.rollout.spec.rollbackTo, undefined);
  });

  it("the first revision with slow pods: Progressing until every pod is available, then Healthy and marked completed", () => {
    const w = new World(rollout({ replicas: 3 }));
    w.slow = true;
    const seen: string[] = [];
    for (const before of [undefined, undefined, () => w.makeAvailable(), undefined]) {
      before?.();
      w.reconcile();
      seen.push(line(w, { [`web-${w.rollout.status?.currentPodHash ?? ""}`]: "R1" }));
    }
    assert.deepEqual(seen, [
      "Progressing | first revision: scaling to 3 (0/3 available) | r1=3 | Normal NewReplicaSetCreated: created ReplicaSet R1 (revision 1) with 3 replicas",
      "Progressing | first revision: scaling to 3 (0/3 available) | r1=3",
      "Healthy | healthy: revision 1 at full scale (3/3 available) | r1=3 | Normal RolloutCompleted: revision 1 is stable at 3 replicas",
      "Healthy | healthy: revision 1 at full scale (3/3 available) | r1=3",
    ]);
    assert.equal([...w.replicaSets.values()][0]?.metadata?.annotations?.["kestrel.dev/completed"], "true");
  });

  it("back on the stable template mid-canary: Progressing while the canary's pods are scaled away, as revision max+1", () => {
    const w = new World(rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.setImage("web:1");
    w.reconcile();
    assert.equal(w.rollout.status?.phase, "Progressing");
    assert.equal(w.rollout.status?.message, "stable revision 3: 2/4 available, scaling down older revisions");
    w.settle();
    assert.equal(w.rollout.status?.message, "healthy: revision 3 at full scale (4/4 available)");
    assert.deepEqual(w.split(), { r3: 4, r2: 0 }, "the old template's ReplicaSet, moved to revision max+1");
  });

  const check = checkRef;

  it("a step analysis: started, pending, Inconclusive (one Event), promoted past; then two timed pauses, each its full length", () => {
    const steps = [
      { setWeight: 50 },
      { analysis: check },
      { pause: { duration: "5s" } },
      { pause: { duration: "5s" } },
    ];
    const w = new World(rollout({ replicas: 2 }, { steps }));
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.events = [];
    w.settle();
    const run = [...w.analysisRuns.keys()][0]!;
    const said = (): string[] => {
      const out = w.events
        .map((e) => `${e.type} ${e.reason}: ${e.message}`)
        .filter((e) => !e.includes("ScalingReplicaSet") && !e.includes("NewReplicaSet"));
      w.events = [];
      return out;
    };
    assert.deepEqual(said(), [
      "Normal StepCompleted: step 1/4: weight 50 reached",
      `Normal AnalysisRunStarted: step 2/4: started analysis ${run}`,
    ]);
    assert.equal(w.rollout.status?.message, `step 2/4: weight 50, analysis ${run} pending`);
    w.setRunPhase(run, "Inconclusive");
    w.reconcile();
    w.reconcile();
    assert.deepEqual(said(), [
      `Warning AnalysisInconclusive: ${run}: Inconclusive (set by the test); paused until promoted`,
    ]);
    assert.equal(w.rollout.status?.phase, "Paused");
    assert.equal(
      w.rollout.status?.message,
      `step 2/4: weight 50, analysis ${run} inconclusive (Inconclusive (set by the test)), paused until promoted`,
    );
    w.annotate("kestrel.dev/promote", "step");
    w.reconcile();
    assert.deepEqual(said(), [
      "Normal RolloutPromoted: promoted past step 2/4",
      "Normal RolloutPaused: step 3/4: pausing for 5s",
    ]);
    assert.equal(w.rollout.status?.message, "step 3/4: weight 50, paused 5s more");
    w.advance(5_000);
    w.reconcile();
    assert.deepEqual(said(), ["Normal RolloutPaused: step 4/4: pausing for 5s"]);
    assert.equal(
      w.rollout.status?.message,
      "step 4/4: weight 50, paused 5s more",
      "the second pause starts afresh",
    );
    w.advance(4_000);
    w.reconcile();
    assert.equal(w.rollout.status?.message, "step 4/4: weight 50, paused 1s more");
  });

  it("a step analysis that passes: the step completes with an Event naming the run", () => {
    const w = new World(
      rollout({ replicas: 2 }, { steps: [{ setWeight: 50 }, { analysis: check }, { pause: {} }] }),
    );
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.settle();
    const run = [...w.analysisRuns.keys()][0]!;
    w.setRunPhase(run, "Successful");
    w.events = [];
    w.reconcile();
    assert.deepEqual(
      w.events.map((e) => `${e.reason}: ${e.message}`),
      [`StepCompleted: step 2/3: analysis ${run} passed`, "RolloutPaused: step 3/3: paused until promoted"],
    );
  });

  it("a weight is reached only once the canary's pods are available, even when the split is already right", () => {
    const w = new World(
      rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }], maxSurge: 0, maxUnavailable: 2 }),
    );
    w.settle();
    w.slow = true;
    w.setImage("web:2");
    w.reconcile();
    w.reconcile();
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 2, r2: 2 });
    assert.equal(
      w.rollout.status?.message,
      "step 1/2: weight 50, waiting for 2 canary / 2 stable (0 canary available)",
    );
    w.makeAvailable();
    w.reconcile();
    assert.equal(
      w.rollout.status?.message,
      "step 2/2: weight 50, paused until promoted (annotate kestrel.dev/promote=step)",
    );
  });

  it("setCanaryScale by weight sizes the canary by its own percentage until matchTrafficWeight", () => {
    const steps = [
      { setCanaryScale: { weight: 30 } },
      { setWeight: 10 },
      { pause: {} },
      { setCanaryScale: { matchTrafficWeight: true } },
      { pause: {} },
    ];
    const w = new World(rollout({ replicas: 10 }, { steps }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(w.split(), { r1: 9, r2: 3 }, "30% of 10 canary pods while the weight is 10");
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 9, r2: 1 }, "back to the weight's share");
  });
});
