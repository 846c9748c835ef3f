import assert from "node:assert/strict";
import type { RolloutStatus } from "../../../controller/api/rollout.js";
import type { Action, Plan } from "../../../controller/rollout/actions.js";
import { pacePlan, paceStatusWrite } from "../../../controller/rollout/status-pace.js";

const t0 = Date.parse("2026-12-01T10:00:00.000Z");
const at = (ms: number): string => new Date(t0 + ms).toISOString();

/** A canary at step 1 whose status was last written at t0 (its newest condition update). */
function written(): RolloutStatus {
  return {
    phase: "Progressing",
    currentStepIndex: 1,
    replicas: 4,
    updatedReplicas: 1,
    readyReplicas: 3,
    availableReplicas: 3,
    message: "waiting for 1 of 1 canary pods",
    lastProgressAt: at(-5_000),
    conditions: [
      {
        type: "Progressing",
        status: "True",
        reason: "ReplicaSetUpdated",
        message: "3 of 4 available",
        lastTransitionTime: at(-60_000),
        lastUpdateTime: at(0),
      },
      {
        type: "Available",
        status: "False",
        reason: "AvailableReason",
        message: "3 of 4",
        lastTransitionTime: at(-60_000),
        lastUpdateTime: at(-10_000),
      },
    ],
  };
}

/** The same status with one more pod available: a report only. */
function onePodMore(): RolloutStatus {
  const s = written();
  s.readyReplicas = 4;
  s.availableReplicas = 4;
  s.message = "canary pods available";
  s.lastProgressAt = at(300);
  s.conditions![0] = { ...s.conditions![0]!, message: "4 of 4 available", lastUpdateTime: at(300) };
  return s;
}

const scale: Action = { kind: "scaleReplicaSet", name: "web-abc", replicas: 2, from: 1 };

describe("status pace: a status write that only reports waits for the pace; a decision never does", () => {
  const cases: {
    name: string;
    planned: () => RolloutStatus;
    actions?: Action[];
    nowMs: number;
    want: object;
  }[] = [
    {
      name: "counts only, 300 ms after the last write: held 700 ms",
      planned: onePodMore,
      nowMs: 300,
      want: { write: false, waitMs: 700 },
    },
    {
      name: "counts only, 1.2 s after the last write: written",
      planned: onePodMore,
      nowMs: 1_200,
      want: { write: true },
    },
    {
      name: "the phase changes: written at once",
      planned: () => ({ ...onePodMore(), phase: "Paused" }),
      nowMs: 300,
      want: { write: true },
    },
    {
      name: "the step moves on: written at once",
      planned: () => ({ ...onePodMore(), currentStepIndex: 2 }),
      nowMs: 300,
      want: { write: true },
    },
    {
      name: "a condition's status changes: written at once",
      planned: () => {
        const s = onePodMore();
        s.conditions![1] = { ...s.conditions![1]!, status: "True", lastUpdateTime: at(300) };
        return s;
      },
      nowMs: 300,
      want: { write: true },
    },
    {
      name: "a condition's reason changes: written at once",
      planned: () => {
        const s = onePodMore();
        s.conditions![0] = { ...s.conditions![0]!, reason: "ProgressDeadlineExceeded" };
        return s;
      },
      nowMs: 300,
      want: { write: true },
    },
    {
      name: "the pass also acts on a ReplicaSet: written",
      planned: onePodMore,
      actions: [scale],
      nowMs: 300,
      want: { write: true },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(
        paceStatusWrite(written(), c.planned(), c.actions ?? [], new Date(t0 + c.nowMs)),
        c.want,
      );
    });

  it("counts only on a Rollout that is Healthy or Paused: written at once, its final counts with its phase", () => {
    for (const phase of ["Healthy", "Paused"]) {
      const observed = { ...written(), phase };
      const planned = { ...onePodMore(), phase };
      assert.deepEqual(paceStatusWrite(observed, planned, [], new Date(t0 + 300)), { write: true }, phase);
    }
  });

  it("a Rollout never written (no status) or with no condition to date its last write: written", () => {
    assert.deepEqual(paceStatusWrite(undefined, onePodMore(), [], new Date(t0)), { write: true });
    const undated = { ...written(), conditions: [] };
    assert.deepEqual(paceStatusWrite(undated, { ...onePodMore(), conditions: [] }, [], new Date(t0 + 300)), {
      write: true,
    });
  });

  it("pacePlan drops the held status and asks to look again when the pace allows, or sooner if planned", () => {
    const plan: Plan = { actions: [], status: onePodMore(), requeueAfterMs: 5_000 };
    assert.deepEqual(pacePlan(written(), plan, new Date(t0 + 300)), { actions: [], requeueAfterMs: 700 });
    const sooner: Plan = { ...plan, requeueAfterMs: 200 };
    assert.equal(pacePlan(written(), sooner, new Date(t0 + 300)).requeueAfterMs, 200);
    assert.equal(pacePlan(written(), plan, new Date(t0 + 1_500)), plan, "past the pace: the plan as it was");
  });
});
