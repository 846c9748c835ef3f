import type { V1Pod } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Action } from "../../../controller/rollout/actions.js";
import { revisionBookkeeping } from "../../../controller/rollout/bookkeeping.js";
import { progressDeadline } from "../../../controller/rollout/deadline.js";
import { planRefusedTemplate, restartDue, templateHash } from "../../../controller/rollout/plan.js";
import { restartPods } from "../../../controller/rollout/restart.js";
import { retireRuns } from "../../../controller/rollout/runs.js";
import { observe, type PlanState } from "../../../controller/rollout/state.js";
import { World, rollout } from "./world.js";

/** The state a pass of the planner starts from, for calling one stage directly. */
function stateOf(w: World): PlanState {
  const replicaSets = [...w.replicaSets.values()];
  return observe(
    { rollout: w.rollout, replicaSets, analysisRuns: [...w.analysisRuns.values()], now: new Date(w.now) },
    w.resolved,
    templateHash(w.resolved.spec.template, replicaSets),
    w.templates ?? { namespaced: new Map(), cluster: new Map() },
  );
}

const events = (actions: Action[]): string[] =>
  actions.flatMap((a) => (a.kind === "event" ? [`${a.type} ${a.reason}: ${a.message}`] : []));

describe("stage: progress deadline", () => {
  /** v2's canary pods never become available; the last pass recorded that state. */
  function stuckCanary(spec: Parameters<typeof rollout>[0] = {}): World {
    const w = new World(
      rollout({ progressDeadlineSeconds: 30, ...spec }, { steps: [{ setWeight: 50 }, { pause: {} }] }),
    );
    w.settle();
    w.setImage("web:2");
    w.slow = true;
    w.reconcile();
    w.reconcile();
    return w;
  }

  const cases: {
    name: string;
    spec?: Parameters<typeof rollout>[0];
    after: number;
    change?: (w: World) => void;
    /** A decision an earlier stage of the same pass made (e.g. a retry moving the step). */
    decided?: (s: PlanState) => void;
    exceeded: boolean;
    abort?: boolean;
    events: string[];
    requeueMs?: number;
  }[] = [
    {
      name: "29s without progress: not yet; look again in 1s",
      after: 29_000,
      exceeded: false,
      events: [],
      requeueMs: 1_000,
    },
    {
      name: "30s without progress: exceeded, said once",
      after: 30_000,
      exceeded: true,
      events: ["Warning ProgressDeadlineExceeded: no progress for 30s"],
    },
    {
      name: "30s with progressDeadlineAbort: exceeded and aborted",
      spec: { progressDeadlineAbort: true },
      after: 30_000,
      exceeded: true,
      abort: true,
      events: [
        "Warning ProgressDeadlineExceeded: no progress for 30s",
        "Warning RolloutAborted: progress deadline of 30s exceeded: scaling back to the stable ReplicaSet",
      ],
    },
    {
      name: "already reported: no second Event",
      after: 30_000,
      change: (w) => {
        w.rollout.status!.conditions = [
          { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
        ];
      },
      exceeded: true,
      events: [],
    },
    {
      name: "spec.paused: time waiting for a person does not count",
      after: 60_000,
      change: (w) => (w.rollout.spec.paused = true),
      exceeded: false,
      events: [],
    },
    {
      name: "a pause condition: does not count either",
      after: 60_000,
      change: (w) => {
        w.rollout.status!.pauseConditions = [
          { reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" },
        ];
      },
      exceeded: false,
      events: [],
    },
    {
      name: "a canary pod became available: progress, the clock starts again",
      after: 60_000,
      change: (w) => {
        [...w.replicaSets.values()][1]!.status!.availableReplicas = 1;
      },
      exceeded: false,
      events: [],
      requeueMs: 30_000,
    },
    {
      name: "more canary pods were created: progress",
      after: 60_000,
      change: (w) => {
        [...w.replicaSets.values()][1]!.status!.replicas = 4;
      },
      exceeded: false,
      events: [],
      requeueMs: 30_000,
    },
    {
      name: "the step moved this pass: progress",
      after: 60_000,
      decided: (s) => (s.stepIndex = 1),
      exceeded: false,
      events: [],
      requeueMs: 30_000,
    },
    {
      name: "already aborted: nothing more to judge",
      after: 60_000,
      change: (w) => (w.rollout.status!.abort = true),
      exceeded: false,
      events: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = stuckCanary(c.spec);
      c.change?.(w);
      w.advance(c.after);
      const s = stateOf(w);
      c.decided?.(s);
      progressDeadline(s);
      assert.equal(s.deadlineExceeded, c.exceeded);
      assert.equal(s.abort, c.abort ?? (c.name.startsWith("already aborted") ? true : false));
      assert.deepEqual(events(s.actions), c.events);
      assert.equal(s.requeueAfterMs, c.requeueMs);
    });
  }

  it("a stable revision with every pod available is not rolling out: never judged", () => {
    const w = new World(rollout({ progressDeadlineSeconds: 30 }));
    w.settle();
    w.advance(3_600_000);
    const s = stateOf(w);
    progressDeadline(s);
    assert.equal(s.deadlineExceeded, false);
    assert.equal(s.requeueAfterMs, undefined);
  });

  it("a stable revision short of pods is judged (a scale-up that never becomes available)", () => {
    const w = new World(rollout({ progressDeadlineSeconds: 30 }));
    w.settle();
    for (const rs of w.replicaSets.values()) rs.status!.availableReplicas = 9;
    w.reconcile();
    w.advance(30_000);
    const s = stateOf(w);
    progressDeadline(s);
    assert.equal(s.deadlineExceeded, true);
    assert.equal(s.abort, false, "no canary to abort");
  });
});

describe("stage: spec.restartAt", () => {
  const at = "2026-01-01T00:10:00.000Z";
  const pod = (name: string, created: string, deleting = false): V1Pod => ({
    metadata: {
      name,
      creationTimestamp: new Date(created),
      ...(deleting ? { deletionTimestamp: new Date(created) } : {}),
    },
  });
  const healthy = (restartAt = at, maxUnavailable?: number): World => {
    const w = new World(
      rollout({ replicas: 3, restartAt }, maxUnavailable === undefined ? {} : { maxUnavailable }),
    );
    w.settle();
    return w;
  };
  const restart = (w: World, pods: V1Pod[], phase = "Healthy"): PlanState => {
    const replicaSets = [...w.replicaSets.values()];
    const s = observe(
      { rollout: w.rollout, replicaSets, pods, now: new Date(w.now) },
      w.resolved,
      templateHash(w.resolved.spec.template, replicaSets),
      { namespaced: new Map(), cluster: new Map() },
    );
    s.phase = phase;
    restartPods(s);
    return s;
  };
  const deleted = (s: PlanState): string[] =>
    s.actions.flatMap((a) => (a.kind === "deletePod" ? [a.name] : []));
  const old = "2026-01-01T00:00:00.000Z";

  it("before restartAt: nothing yet, look again when it comes", () => {
    const w = healthy();
    const s = restart(w, [pod("a", old)]);
    assert.deepEqual(deleted(s), []);
    assert.equal(s.requeueAfterMs, 600_000);
  });

  it("once due: one pod older than it at a time (maxUnavailable 0 still allows one)", () => {
    const w = healthy();
    w.advance(600_000);
    const s = restart(w, [pod("a", old), pod("b", old), pod("c", at)]);
    assert.deepEqual(deleted(s), ["a"]);
    assert.deepEqual(events(s.actions), [`Normal RestartingPod: restarting pod a (spec.restartAt ${at})`]);
  });

  it("with maxUnavailable 2: two at a time; a pod created exactly at restartAt is not older", () => {
    const w = healthy(at, 2);
    w.advance(700_000);
    const s = restart(w, [pod("a", old), pod("b", old), pod("c", old), pod("d", at)]);
    assert.deepEqual(deleted(s), ["a", "b"]);
  });

  it("waits while a pod is being deleted or a ReplicaSet is short of available pods", () => {
    const w = healthy();
    w.advance(600_000);
    assert.deepEqual(deleted(restart(w, [pod("a", old), pod("b", old, true)])), []);
    [...w.replicaSets.values()][0]!.status!.availableReplicas = 2;
    assert.deepEqual(deleted(restart(w, [pod("a", old)])), []);
  });

  it("no pod older than restartAt left: records it as done, once", () => {
    const w = healthy();
    w.advance(600_000);
    const s = restart(w, [pod("a", at), pod("b", old, true)]);
    assert.equal(s.restartedAt, at);
    assert.deepEqual(events(s.actions), [
      `Normal RestartCompleted: every pod created before ${at} has been replaced`,
    ]);
    w.rollout.status!.restartedAt = at;
    const again = restart(w, [pod("a", old)]);
    assert.deepEqual(again.actions, [], "a restart already done is not done again");
  });

  it("never while Degraded, and never for a restartAt that is not a time", () => {
    const w = healthy();
    w.advance(600_000);
    assert.deepEqual(restart(w, [pod("a", old)], "Degraded").actions, []);
    const bad = healthy("not a time");
    const s = restart(bad, [pod("a", old)]);
    assert.deepEqual(s.actions, []);
    assert.equal(s.requeueAfterMs, undefined);
  });
});

describe("stage: AnalysisRuns no longer deciding", () => {
  const run = (name: string, phase: string | undefined, created: string, terminate = false): AnalysisRun => ({
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name, creationTimestamp: created as unknown as Date },
    spec: { metrics: [], ...(terminate ? { terminate: true } : {}) },
    ...(phase ? { status: { phase } } : {}),
  });
  const retire = (w: World, runs: AnalysisRun[], change?: (s: PlanState) => void): Action[] => {
    for (const r of runs) w.analysisRuns.set(r.metadata.name!, r);
    const s = stateOf(w);
    change?.(s);
    retireRuns(s);
    return s.actions;
  };
  const canary = (): World => {
    const w = new World(rollout({}, { steps: [{ setWeight: 20 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    return w;
  };

  it("stops the runs of a superseded revision or attempt, keeps the deciding ones and finished ones", () => {
    const w = canary();
    const hash = w.rollout.status!.currentPodHash!;
    const actions = retire(w, [
      run(`web-${hash}-0-bg`, "Running", "2026-01-01T00:00:01Z"),
      run(`web-${hash}-0-s1`, undefined, "2026-01-01T00:00:02Z"),
      run("web-old-0-bg", "Running", "2026-01-01T00:00:00Z"),
      run("web-old-0-s1", undefined, "2026-01-01T00:00:00Z"),
      run("web-old-0-s2", "Running", "2026-01-01T00:00:00Z", true),
      run("web-older-0-bg", "Failed", "2026-01-01T00:00:00Z"),
    ]);
    assert.deepEqual(actions, [
      { kind: "terminateAnalysisRun", name: "web-old-0-bg" },
      { kind: "terminateAnalysisRun", name: "web-old-0-s1" },
    ]);
  });

  it("once promoted or aborted no run decides: every running one is stopped", () => {
    for (const change of [(s: PlanState) => (s.stableHash = s.hash), (s: PlanState) => (s.abort = true)]) {
      const w = canary();
      const hash = w.rollout.status!.currentPodHash!;
      const actions = retire(w, [run(`web-${hash}-0-bg`, "Running", "2026-01-01T00:00:01Z")], change);
      assert.deepEqual(actions, [{ kind: "terminateAnalysisRun", name: `web-${hash}-0-bg` }]);
    }
  });

  it("keeps 5 successful and 5 unsuccessful finished runs by default, deleting the oldest beyond", () => {
    const w = canary();
    const finished: AnalysisRun[] = [];
    for (let i = 0; i < 7; i++) finished.push(run(`ok-${i}`, "Successful", `2026-01-01T00:00:0${i}Z`));
    for (let i = 0; i < 6; i++)
      finished.push(run(`bad-${i}`, ["Failed", "Error", "Inconclusive"][i % 3], `2026-01-01T00:01:0${i}Z`));
    const actions = retire(w, finished);
    assert.deepEqual(actions, [
      { kind: "deleteAnalysisRun", name: "ok-1" },
      { kind: "deleteAnalysisRun", name: "ok-0" },
      { kind: "deleteAnalysisRun", name: "bad-0" },
    ]);
  });

  it("honours spec.analysis history limits", () => {
    const w = canary();
    w.rollout.spec.analysis = { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 0 };
    const actions = retire(w, [
      run("ok-a", "Successful", "2026-01-01T00:00:01Z"),
      run("ok-b", "Successful", "2026-01-01T00:00:02Z"),
      run("bad-a", "Failed", "2026-01-01T00:00:03Z"),
    ]);
    assert.deepEqual(actions, [
      { kind: "deleteAnalysisRun", name: "ok-a" },
      { kind: "deleteAnalysisRun", name: "bad-a" },
    ]);
  });
});

describe("stage: revision bookkeeping", () => {
  it("a template with no ReplicaSet yet will be revision max+1; nothing to annotate", () => {
    const w = new World(rollout());
    w.settle();
    w.setImage("web:2");
    const s = stateOf(w);
    revisionBookkeeping(s);
    assert.equal(s.newRevision, 2);
    assert.deepEqual(s.actions, []);
  });

  it("going back to an older template's ReplicaSet moves it to max+1", () => {
    const w = new World(rollout());
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.setImage("web:1");
    const s = stateOf(w);
    revisionBookkeeping(s);
    assert.equal(s.newRevision, 3);
    assert.deepEqual(s.actions, [
      { kind: "annotateReplicaSet", name: s.newRSName, annotations: { "kestrel.dev/revision": "3" } },
    ]);
  });

  it("copies kubernetes.io/change-cause onto the canary's revision, not onto the stable one, and only when it differs", () => {
    const cause = "kubernetes.io/change-cause";
    const w = new World(rollout());
    w.settle();
    w.annotate(cause, "tuning");
    const atStable = stateOf(w);
    revisionBookkeeping(atStable);
    assert.deepEqual(atStable.actions, [], "the stable revision keeps the cause it was released with");

    w.setImage("web:2");
    w.reconcile();
    w.annotate(cause, "fix login");
    const canary = stateOf(w);
    revisionBookkeeping(canary);
    assert.deepEqual(canary.actions, [
      { kind: "annotateReplicaSet", name: canary.newRSName, annotations: { [cause]: "fix login" } },
    ]);
    w.reconcile();
    const again = stateOf(w);
    revisionBookkeeping(again);
    assert.deepEqual(again.actions, [], "already carried");
  });
});

describe("stage: ReplicaSet actions", () => {
  it("creates spec.template's ReplicaSet labelled and selected by its hash, annotated with its revision and change-cause, owned by the Rollout", () => {
    const w = new World(rollout({ replicas: 3, minReadySeconds: 5 }));
    w.annotate("kubernetes.io/change-cause", "first release");
    const plan = w.plan();
    const create = plan.actions.find((a) => a.kind === "createReplicaSet");
    assert.ok(create && create.kind === "createReplicaSet");
    const hash = plan.status!.currentPodHash!;
    assert.deepEqual(create.replicaSet, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `web-${hash}`,
        namespace: "ns",
        labels: { app: "web", "rollouts-pod-template-hash": hash },
        annotations: { "kestrel.dev/revision": "1", "kubernetes.io/change-cause": "first release" },
        ownerReferences: [
          {
            apiVersion: "kestrel.dev/v1alpha1",
            kind: "Rollout",
            name: "web",
            uid: "uid-1",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: 3,
        minReadySeconds: 5,
        selector: { matchLabels: { app: "web", "rollouts-pod-template-hash": hash } },
        template: {
          metadata: { labels: { app: "web", "rollouts-pod-template-hash": hash } },
          spec: { containers: [{ name: "web", image: "web:1" }] },
        },
      },
    });
    assert.equal(
      w.resolved.spec.template.metadata?.labels?.["rollouts-pod-template-hash"],
      undefined,
      "the Rollout is not changed",
    );
  });

  it("deletes revisions beyond revisionHistoryLimit with an Event each, never the stable or current one", () => {
    const w = new World(rollout({ replicas: 1, revisionHistoryLimit: 1 }, { steps: [] }));
    w.settle();
    for (const image of ["web:2", "web:3", "web:4"]) {
      w.setImage(image);
      w.settle();
    }
    const deleted = w.events
      .filter((e) => e.reason === "RevisionDeleted")
      .map((e) => e.message.replace(/web-\w+/, "RS"));
    assert.deepEqual(deleted, [
      "deleted ReplicaSet RS (revision 1) beyond revisionHistoryLimit",
      "deleted ReplicaSet RS (revision 2) beyond revisionHistoryLimit",
    ]);
    assert.deepEqual(w.split(), { r3: 0, r4: 1 });
  });
});

describe("stage: observe (what a pass starts from)", () => {
  it("with status lost, the newest revision that completed is the stable one", () => {
    const w = new World(rollout({ replicas: 2 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    const stable = w.rollout.status!.stableRS;
    w.setImage("web:3");
    w.settle();
    delete w.rollout.status;
    assert.equal(stateOf(w).stableHash, stable, "revision 2, not 1 (also completed) nor 3 (never completed)");
  });

  it("an abort, a step, pauses and the attempt carry over only for the same revision; a change of steps restarts them", () => {
    const w = new World(rollout({ replicas: 2 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    Object.assign(w.rollout.status!, {
      abort: true,
      abortedAt: "2026-01-01T00:00:00Z",
      canary: { attempt: 2, inconclusiveAccepted: "r" },
    });
    const same = stateOf(w);
    assert.deepEqual(
      [
        same.abort,
        same.abortedAt,
        same.stepIndex,
        same.pauseConditions.length,
        same.attempt,
        same.inconclusiveAccepted,
      ],
      [true, "2026-01-01T00:00:00Z", 1, 1, 2, "r"],
    );
    w.rollout.spec.strategy.canary!.steps = [{ setWeight: 50 }, { pause: {} }, { setWeight: 75 }];
    assert.equal(stateOf(w).stepIndex, 0, "new steps start from the first");
    w.setImage("web:3");
    const other = stateOf(w);
    assert.deepEqual(
      [
        other.abort,
        other.abortedAt,
        other.stepIndex,
        other.pauseConditions.length,
        other.attempt,
        other.inconclusiveAccepted,
      ],
      [false, undefined, 0, 0, 0, undefined],
    );
  });
});

describe("decisions the shell asks of the core", () => {
  const at = "2026-01-01T00:10:00.000Z";
  const cases: [string, string | undefined, string | undefined, number, boolean][] = [
    ["no restartAt", undefined, undefined, 0, false],
    ["before it", at, undefined, -1, false],
    ["at it", at, undefined, 0, true],
    ["after it", at, undefined, 60_000, true],
    ["after it, already done", at, at, 60_000, false],
    ["after it, an earlier one done", at, "2025-12-31T00:00:00.000Z", 60_000, true],
    ["not a time", "soon", undefined, 60_000, false],
  ];
  for (const [name, restartAt, restartedAt, offset, due] of cases) {
    it(`restartDue (whether to list pods): ${name} -> ${due}`, () => {
      const ro = rollout({ restartAt });
      ro.status = { restartedAt };
      assert.equal(restartDue(ro, new Date(Date.parse(at) + offset)), due);
    });
  }

  it("planRefusedTemplate: InvalidSpec naming spec.template and the API server's words, once", () => {
    const ro = rollout();
    const now = new Date("2026-01-01T00:00:00Z");
    const plan = planRefusedTemplate(
      ro,
      'the API server refuses its ReplicaSet: spec.template.spec.containers[0].name: Invalid value: "Web"',
      now,
    );
    const message =
      'spec.template: the API server refuses its ReplicaSet: spec.template.spec.containers[0].name: Invalid value: "Web"';
    assert.equal(plan.status?.phase, "Degraded");
    assert.equal(plan.status?.message, `invalid spec: ${message}`);
    assert.deepEqual(plan.actions, [{ kind: "event", type: "Warning", reason: "InvalidSpec", message }]);
    ro.status = plan.status;
    assert.deepEqual(
      planRefusedTemplate(
        ro,
        'the API server refuses its ReplicaSet: spec.template.spec.containers[0].name: Invalid value: "Web"',
        now,
      ).actions,
      [],
      "no second Event for the same refusal",
    );
  });
});
