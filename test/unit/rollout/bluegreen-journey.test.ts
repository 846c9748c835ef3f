import assert from "node:assert/strict";
import type { BlueGreenStrategy } from "../../../controller/api/rollout.js";
import { revisionOf } from "../../../controller/rollout/revisions.js";
import { checkRef, checkTemplates, rollout, service, passes, World } from "./world.js";

/**
 * Blue-green followed pass by pass, as journey.test.ts does for the canary: every line is what one
 * reconcile leaves behind (phase, message, replicas per revision, what each Service selects, the
 * Events it sent, the pause reasons and when the planner asks to look again), worked out by hand
 * from Argo's blue-green rules. Hashes are written as h1, h2 and ReplicaSet names as R1, R2.
 */

const hashLabel = "rollouts-pod-template-hash";

function world(bg: Partial<BlueGreenStrategy> = {}): World {
  const ro = rollout({ replicas: 3 });
  ro.spec.strategy = { blueGreen: { activeService: "web-active", previewService: "web-preview", ...bg } };
  const w = new World(ro);
  for (const name of ["web-active", "web-preview"]) w.services.set(name, service(name));
  w.templates = checkTemplates();
  w.settle();
  w.events = [];
  return w;
}

/** Short names for every revision's hash and ReplicaSet, so a line reads the same in every run. */
function shorten(w: World, text: string): string {
  for (const rs of w.replicaSets.values()) {
    const hash = rs.metadata!.labels![hashLabel]!;
    text = text
      .split(rs.metadata!.name!)
      .join(`R${revisionOf(rs)}`)
      .split(hash)
      .join(`h${revisionOf(rs)}`);
  }
  return text;
}

function line(w: World): string {
  const st = w.rollout.status!;
  const split = Object.entries(w.split())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const sel = (n: string): string => w.services.get(n)?.spec?.selector?.[hashLabel] ?? "-";
  const events = w.events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(" / ");
  w.events = [];
  const pauses = (st.pauseConditions ?? []).map((p) => p.reason).join(",");
  const requeue = w.lastPlan?.requeueAfterMs;
  return shorten(
    w,
    [
      `${st.phase} | ${st.message} | ${split} | active=${sel("web-active")} preview=${sel("web-preview")}`,
      pauses ? `paused: ${pauses}` : "",
      requeue !== undefined ? `again in ${requeue}ms` : "",
      events,
    ]
      .filter(Boolean)
      .join(" | "),
  );
}

describe("blue-green pass by pass", () => {
  it("auto-promotion with slow pods: preview, full scale, the switch, the previous revision kept 30s", () => {
    const w = world();
    w.slow = true;
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass();
    pass(() => w.advance(10_000));
    pass(() => w.advance(20_000));
    pass();
    assert.deepEqual(seen, [
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | again in 600000ms | Normal ServiceSwitchWaiting: previewService web-preview stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 3 replicas",
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | again in 600000ms",
      "Progressing | revision 2 active: switching activeService web-active to it; previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | again in 600000ms | Normal RolloutPromoted: preview ready: promoting revision 2 (autoPromotionEnabled) / Normal SwitchService: activeService web-active now selects revision 2 (rollouts-pod-template-hash=h2), was h1 / Normal SwitchService: previewService web-preview now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms | Normal RolloutCompleted: revision 2 is stable at 3 replicas",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 20s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 20000ms",
      "Healthy | healthy: revision 2 active (3/3 available) | r1=0 r2=3 | active=h2 preview=h2 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 3 to 0",
      "Healthy | healthy: revision 2 active (3/3 available) | r1=0 r2=3 | active=h2 preview=h2",
    ]);
  });

  it("prePromotionAnalysis: started, waited for, Inconclusive pauses it, a promote accepts the verdict and promotes", () => {
    const w = world({ prePromotionAnalysis: checkRef });
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    const run = [...w.analysisRuns.keys()][0]!;
    pass(() => w.setRunPhase(run, "Running"));
    pass(() => w.setRunPhase(run, "Inconclusive"));
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "true"));
    pass();
    assert.deepEqual(seen, [
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | again in 600000ms | Normal ServiceSwitchWaiting: previewService web-preview stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 3 replicas",
      "Progressing | preview revision 2 ready (3/3): prePromotionAnalysis R2-0-pre started | r1=3 r2=3 | active=h1 preview=h2 | again in 600000ms | Normal AnalysisRunStarted: started prePromotionAnalysis R2-0-pre / Normal SwitchService: previewService web-preview now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Progressing | preview revision 2 ready (3/3): waiting for prePromotionAnalysis R2-0-pre (Running) | r1=3 r2=3 | active=h1 preview=h2 | again in 600000ms",
      "Paused | preview revision 2 ready (3/3): prePromotionAnalysis R2-0-pre inconclusive (Inconclusive (set by the test)), paused until promoted | r1=3 r2=3 | active=h1 preview=h2 | paused: InconclusiveAnalysis | again in 600000ms | Warning AnalysisInconclusive: R2-0-pre: Inconclusive (set by the test); paused until promoted",
      "Paused | preview revision 2 ready (3/3): prePromotionAnalysis R2-0-pre inconclusive (Inconclusive (set by the test)), paused until promoted | r1=3 r2=3 | active=h1 preview=h2 | paused: InconclusiveAnalysis",
      "Progressing | revision 2 active: switching activeService web-active to it; previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | Normal RolloutPromoted: prePromotionAnalysis R2-0-pre Inconclusive, accepted by promote / Normal RolloutPromoted: promoted by user: scaling revision 2 to full, then switching activeService / Normal SwitchService: activeService web-active now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms | Normal RolloutCompleted: revision 2 is stable at 3 replicas",
    ]);
  });
  it("spec.paused holds a ready preview; unpaused with autoPromotionEnabled false it waits for a person's promote", () => {
    const w = world({ autoPromotionEnabled: false });
    w.rollout.spec.paused = true;
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    pass(() => (w.rollout.spec.paused = false));
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "true"));
    pass();
    assert.deepEqual(seen, [
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | Normal ServiceSwitchWaiting: previewService web-preview stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 3 replicas",
      "Paused | preview revision 2 ready (3/3): paused by spec.paused | r1=3 r2=3 | active=h1 preview=h2 | paused: BlockedByPausedSpec | Normal RolloutPaused: paused by spec.paused before promotion / Normal SwitchService: previewService web-preview now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Paused | preview revision 2 ready (3/3): paused until promoted (kubectl kestrel promote) | r1=3 r2=3 | active=h1 preview=h2 | paused: BlueGreenPause | Normal RolloutPaused: preview ready: paused until promoted (autoPromotionEnabled: false)",
      "Paused | preview revision 2 ready (3/3): paused until promoted (kubectl kestrel promote) | r1=3 r2=3 | active=h1 preview=h2 | paused: BlueGreenPause",
      "Progressing | revision 2 active: switching activeService web-active to it; previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | Normal RolloutPromoted: promoted by user: scaling revision 2 to full, then switching activeService / Normal SwitchService: activeService web-active now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms | Normal RolloutCompleted: revision 2 is stable at 3 replicas",
    ]);
  });
  it("autoPromotionSeconds 20: paused, counting down in whole seconds, then promoting by itself", () => {
    const w = world({ autoPromotionSeconds: 20 });
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    pass(() => w.advance(5_500));
    pass(() => w.advance(14_500));
    pass();
    assert.deepEqual(seen, [
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | again in 600000ms | Normal ServiceSwitchWaiting: previewService web-preview stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 3 replicas",
      "Paused | preview revision 2 ready (3/3): promoting by itself in 20s (autoPromotionSeconds), or annotate kestrel.dev/promote | r1=3 r2=3 | active=h1 preview=h2 | paused: BlueGreenPause | again in 20000ms | Normal RolloutPaused: preview ready: promoting by itself in 20s (autoPromotionSeconds) / Normal SwitchService: previewService web-preview now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Paused | preview revision 2 ready (3/3): promoting by itself in 15s (autoPromotionSeconds), or annotate kestrel.dev/promote | r1=3 r2=3 | active=h1 preview=h2 | paused: BlueGreenPause | again in 14500ms",
      "Progressing | revision 2 active: switching activeService web-active to it; previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | Normal RolloutPromoted: autoPromotionSeconds (20s) elapsed: promoting revision 2 / Normal SwitchService: activeService web-active now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms | Normal RolloutCompleted: revision 2 is stable at 3 replicas",
    ]);
  });
  it("an abort of the preview: activeService never moved, the preview back on the stable revision, the new ReplicaSet kept 10s", () => {
    const w = world({ autoPromotionEnabled: false, abortScaleDownDelaySeconds: 10 });
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    pass(() => w.annotate("kestrel.dev/abort", "true"));
    pass(() => w.advance(4_500));
    pass(() => w.advance(5_500));
    pass();
    assert.deepEqual(seen, [
      "Progressing | preview revision 2: 0/3 available behind previewService; previewService web-preview stays on h1 until ReplicaSet R2 is fully available (0/3) | r1=3 r2=3 | active=h1 preview=h1 | again in 600000ms | Normal ServiceSwitchWaiting: previewService web-preview stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 3 replicas",
      "Paused | preview revision 2 ready (3/3): paused until promoted (kubectl kestrel promote) | r1=3 r2=3 | active=h1 preview=h2 | paused: BlueGreenPause | again in 600000ms | Normal RolloutPaused: preview ready: paused until promoted (autoPromotionEnabled: false) / Normal SwitchService: previewService web-preview now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); new ReplicaSet scaled down in 10s; retry with the kestrel.dev/retry annotation | r1=3 r2=3 | active=h1 preview=h1 | again in 10000ms | Warning RolloutAborted: aborted by user: scaling the stable ReplicaSet back to full and the canary to 0 / Normal SwitchService: previewService web-preview now selects revision 1 (rollouts-pod-template-hash=h1), was h2",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); new ReplicaSet scaled down in 6s; retry with the kestrel.dev/retry annotation | r1=3 r2=3 | active=h1 preview=h1 | again in 5500ms",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); retry with the kestrel.dev/retry annotation | r1=3 r2=0 | active=h1 preview=h1 | Normal ScalingReplicaSet: scaled down ReplicaSet R2 (revision 2) from 3 to 0",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); retry with the kestrel.dev/retry annotation | r1=3 r2=0 | active=h1 preview=h1",
    ]);
  });
  it("undo to a completed revision with slow pods: full scale first, then the switch, no analysis", () => {
    const w = world();
    w.setImage("web:2");
    w.settle();
    w.advance(30_000);
    w.settle();
    w.events = [];
    w.slow = true;
    const { seen, pass } = passes(w, line);
    pass(() => (w.rollout.spec.rollbackTo = { revision: 0 }));
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass();
    assert.deepEqual(seen, [
      "Healthy | healthy: revision 2 active (3/3 available) | r1=0 r2=3 | active=h2 preview=h2 | Normal Undo: undoing to revision 1 (ReplicaSet R1)",
      "Progressing | undo to revision 3: scaling it to full (0/3 available) before activeService switches, skipping analysis; previewService web-preview stays on h2 until ReplicaSet R3 is fully available (0/3) | r3=3 r2=3 | active=h2 preview=h2 | again in 600000ms | Normal ServiceSwitchWaiting: previewService web-preview stays on h2 until ReplicaSet R3 is fully available / Normal ScalingReplicaSet: scaled up ReplicaSet R3 (revision 1) from 0 to 3",
      "Progressing | stable revision 3: 3/3 available, activeService switching to it | r3=3 r2=3 | active=h3 preview=h3 | again in 30000ms | Normal UndoCompleted: revision 3 is stable again at 3 replicas / Normal SwitchService: activeService web-active now selects revision 3 (rollouts-pod-template-hash=h3), was h2 / Normal SwitchService: previewService web-preview now selects revision 3 (rollouts-pod-template-hash=h3), was h2",
      "Healthy | healthy: revision 3 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r3=3 r2=3 | active=h3 preview=h3 | again in 30000ms",
      "Healthy | healthy: revision 3 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r3=3 r2=3 | active=h3 preview=h3 | again in 30000ms",
    ]);
  });
  it("an abort after the switch: both Services back at once, the new ReplicaSet kept the whole abortScaleDownDelaySeconds", () => {
    const w = world({ postPromotionAnalysis: checkRef, abortScaleDownDelaySeconds: 10 });
    w.setImage("web:2");
    w.settle();
    w.events = [];
    const { seen, pass } = passes(w, line);
    pass(() => w.advance(60_000));
    pass(() => w.annotate("kestrel.dev/abort", "true"));
    pass(() => w.advance(9_000));
    pass(() => w.advance(1_000));
    assert.deepEqual(seen, [
      "Progressing | revision 2 active: waiting for postPromotionAnalysis R2-0-post (Pending); previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | again in 540000ms",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); new ReplicaSet scaled down in 10s; retry with the kestrel.dev/retry annotation | r1=3 r2=3 | active=h1 preview=h1 | again in 10000ms | Warning RolloutAborted: aborted by user: scaling the stable ReplicaSet back to full and the canary to 0 / Normal SwitchService: activeService web-active now selects revision 1 (rollouts-pod-template-hash=h1), was h2 / Normal SwitchService: previewService web-preview now selects revision 1 (rollouts-pod-template-hash=h1), was h2",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); new ReplicaSet scaled down in 1s; retry with the kestrel.dev/retry annotation | r1=3 r2=3 | active=h1 preview=h1 | again in 1000ms",
      "Degraded | aborted by user: activeService back on stable revision 1 (3/3 available); retry with the kestrel.dev/retry annotation | r1=3 r2=0 | active=h1 preview=h1 | Normal ScalingReplicaSet: scaled down ReplicaSet R2 (revision 2) from 3 to 0",
    ]);
  });

  it("a person's promote of a 1-pod preview with slow pods: full count first, the switch only once all 3 serve", () => {
    const w = world({ previewReplicaCount: 1, autoPromotionEnabled: false });
    w.setImage("web:2");
    w.settle();
    w.events = [];
    w.slow = true;
    const { seen, pass } = passes(w, line);
    pass(() => w.annotate("kestrel.dev/promote", "true"));
    pass();
    pass(() => w.makeAvailable());
    pass();
    assert.deepEqual(seen, [
      "Progressing | promoting revision 2: 1/3 available before activeService switches | r1=3 r2=3 | active=h1 preview=h2 | Normal RolloutPromoted: promoted by user: scaling revision 2 to full, then switching activeService / Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 1 to 3",
      "Progressing | promoting revision 2: 1/3 available before activeService switches | r1=3 r2=3 | active=h1 preview=h2 | again in 600000ms",
      "Progressing | revision 2 active: switching activeService web-active to it; previous revision kept at full scale | r1=3 r2=3 | active=h2 preview=h2 | again in 600000ms | Normal SwitchService: activeService web-active now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Healthy | healthy: revision 2 active (3/3 available); previous revision kept 30s more (scaleDownDelaySeconds) | r1=3 r2=3 | active=h2 preview=h2 | again in 30000ms | Normal RolloutCompleted: revision 2 is stable at 3 replicas",
    ]);
  });
});
