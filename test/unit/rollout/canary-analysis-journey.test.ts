import assert from "node:assert/strict";
import { revisionOf } from "../../../controller/rollout/revisions.js";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

/**
 * A canary with background and step analysis followed pass by pass: phase, message, replicas per
 * revision, pause reasons, the Events and the runs that exist, worked out by hand from Argo's
 * rules (background analysis from its startingStep, a step analysis holding its step, an
 * Inconclusive verdict pausing until a person promotes). ReplicaSets are written R1, R2.
 */

const hashLabel = "rollouts-pod-template-hash";

function line(w: World): string {
  const st = w.rollout.status!;
  const split = Object.entries(w.split())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const events = w.events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(" / ");
  w.events = [];
  const pauses = (st.pauseConditions ?? []).map((p) => p.reason).join(",");
  const runs = [...w.analysisRuns.values()]
    .map((r) => `${r.metadata.name}${r.spec.terminate ? "(terminated)" : ""}`)
    .join(",");
  let text = [
    `${st.phase} | ${st.message} | ${split}`,
    pauses && `paused: ${pauses}`,
    runs && `runs: ${runs}`,
    events,
  ]
    .filter(Boolean)
    .join(" | ");
  for (const rs of w.replicaSets.values()) {
    const n = rs.metadata!.name!;
    text = text.split(n).join(`R${revisionOf(rs)}`);
    text = text.split(rs.metadata!.labels![hashLabel]!).join("h");
  }
  return text;
}

describe("a canary with background and step analysis, pass by pass", () => {
  it("background analysis from step 2, a step analysis Inconclusive with no message pausing, promote full past it, promotion waiting for the background run", () => {
    const w = new World(
      rollout(
        { replicas: 4 },
        {
          steps: [{ setWeight: 25 }, { pause: {} }, { analysis: checkRef }, { setWeight: 50 }, { pause: {} }],
          analysis: { ...checkRef, startingStep: 1 },
        },
      ),
    );
    w.templates = checkTemplates();
    w.settle();
    w.events = [];
    w.setImage("web:2");
    const seen: string[] = [];
    const pass = (before?: () => void): void => {
      before?.();
      w.reconcile();
      seen.push(line(w));
    };
    pass();
    pass();
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "step"));
    pass();
    const stepRun = [...w.analysisRuns.keys()].find((n) => !n.endsWith("-bg"))!;
    pass(() => (w.analysisRuns.get(stepRun)!.status = { phase: "Inconclusive" }));
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "full"));
    pass();
    const bgRun = [...w.analysisRuns.keys()].find((n) => n.endsWith("-bg"))!;
    pass(() => w.setRunPhase(bgRun, "Successful"));
    pass();
    pass();
    pass();
    pass();
    assert.deepEqual(seen, [
      "Progressing | step 1/5: weight 25, waiting for 1 canary / 3 stable (0 canary available) | r1=4 r2=1 | Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 1 replicas",
      "Progressing | step 1/5: weight 25, waiting for 1 canary / 3 stable (1 canary available) | r1=3 r2=1 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 4 to 3",
      "Paused | step 2/5: weight 25, paused until promoted (annotate kestrel.dev/promote=step) | r1=3 r2=1 | paused: CanaryPauseStep | runs: R2-0-bg | Normal StepCompleted: step 1/5: weight 25 reached / Normal RolloutPaused: step 2/5: paused until promoted / Normal AnalysisRunStarted: started background analysis R2-0-bg",
      "Progressing | step 3/5: weight 25, analysis R2-0-s2 started | r1=3 r2=1 | runs: R2-0-bg,R2-0-s2 | Normal RolloutPromoted: promoted past step 2/5 / Normal AnalysisRunStarted: step 3/5: started analysis R2-0-s2",
      "Progressing | step 3/5: weight 25, analysis R2-0-s2 pending | r1=3 r2=1 | runs: R2-0-bg,R2-0-s2",
      "Paused | step 3/5: weight 25, analysis R2-0-s2 inconclusive (no verdict), paused until promoted | r1=3 r2=1 | paused: InconclusiveAnalysis | runs: R2-0-bg,R2-0-s2 | Warning AnalysisInconclusive: R2-0-s2: no verdict; paused until promoted",
      "Paused | step 3/5: weight 25, analysis R2-0-s2 inconclusive (no verdict), paused until promoted | r1=3 r2=1 | paused: InconclusiveAnalysis | runs: R2-0-bg,R2-0-s2",
      'Progressing | step 5/5: weight 100, waiting for background analysis R2-0-bg to pass before promoting (metric "m" has no measurement yet) | r1=3 r2=1 | runs: R2-0-bg,R2-0-s2 | Normal RolloutPromoted: promoted to full: skipping the remaining steps',
      'Progressing | step 5/5: weight 100, waiting for background analysis R2-0-bg to pass before promoting (metric "m" has no measurement yet) | r1=3 r2=1 | runs: R2-0-bg,R2-0-s2',
      "Progressing | promoting revision 2 to full: 1/4 available | r1=3 r2=2 | runs: R2-0-bg,R2-0-s2 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 1 to 2",
      "Progressing | promoting revision 2 to full: 2/4 available | r1=2 r2=2 | runs: R2-0-bg,R2-0-s2 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 3 to 2",
      "Progressing | promoting revision 2 to full: 2/4 available | r1=2 r2=3 | runs: R2-0-bg,R2-0-s2 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 2 to 3",
      "Progressing | promoting revision 2 to full: 3/4 available | r1=1 r2=3 | runs: R2-0-bg,R2-0-s2 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 2 to 1",
      "Progressing | promoting revision 2 to full: 3/4 available | r1=1 r2=4 | runs: R2-0-bg,R2-0-s2 | Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 3 to 4",
    ]);
  });
});
