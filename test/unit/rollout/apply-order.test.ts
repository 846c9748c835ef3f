import assert from "node:assert/strict";
import type { Action, Plan } from "../../../controller/rollout/actions.js";
import { applyOrder, isSpecRewrite } from "../../../controller/rollout/apply-order.js";

/**
 * The one order in which the shell and the tests' world apply a plan. Expected orders written from
 * the crash-safety rules: other objects first, as planned; then the status, its Events, the Rollout
 * updates; or, for an undo, the spec rewrite and then its Events, with no status.
 */

const scale = (name: string): Action => ({ kind: "scaleReplicaSet", name, replicas: 1, from: 0 });
const event = (reason: string): Action => ({ kind: "event", type: "Normal", reason, message: reason });
const clearTriggers: Action = { kind: "updateRollout", annotations: { "kestrel.dev/promote": null } };
const rewrite: Action = { kind: "updateRollout", template: { metadata: {} }, annotations: {} };
const clearRollbackTo: Action = { kind: "updateRollout", clearRollbackTo: true };
const pinOnly: Action = { kind: "updateRollout", clearRollbackTo: false, annotations: { pin: "x" } };
const status = { phase: "Healthy" as const };
const createR2: Action = { kind: "createReplicaSet", replicaSet: { metadata: { name: "r2" } } };

/** Each step as a short word: the action's name or reason, or "status". */
function order(plan: Plan, options?: { yieldAfterCreate: boolean }): string[] {
  return applyOrder(plan, options).map((s) => {
    if (s.kind === "writeStatus") return `status ${s.status.phase}`;
    if (s.kind === "scaleReplicaSet") return `scale ${s.name}`;
    if (s.kind === "event") return `event ${s.reason}`;
    if (s.kind === "updateRollout")
      return s === rewrite ? "rewrite" : s === clearRollbackTo ? "clearRollbackTo" : "update";
    return s.kind;
  });
}

describe("applyOrder: the one order a plan is applied in", () => {
  const cases: { name: string; plan: Plan; want: string[] }[] = [
    {
      name: "objects as planned, then the status, then the Events, then the Rollout updates",
      plan: { actions: [event("A"), scale("r2"), clearTriggers, event("B"), scale("r1")], status },
      want: ["scale r2", "scale r1", "status Healthy", "event A", "event B", "update"],
    },
    {
      name: "no status: the Events, then the updates (a workloadRef undo's pin)",
      plan: {
        actions: [{ kind: "updateWorkloadTemplate", name: "web", template: {} }, pinOnly, event("Undo")],
      },
      want: ["updateWorkloadTemplate", "event Undo", "update"],
    },
    {
      name: "an undo: the spec rewrite, then its Events; no status even if one is given",
      plan: { actions: [event("Undo"), rewrite], status },
      want: ["rewrite", "event Undo"],
    },
    {
      name: "clearing spec.rollbackTo is a spec rewrite too",
      plan: { actions: [event("UndoSkipped"), clearRollbackTo] },
      want: ["clearRollbackTo", "event UndoSkipped"],
    },
    {
      name: "a new ReplicaSet, not asked to yield: the whole pass",
      plan: { actions: [createR2, event("NewReplicaSetCreated"), scale("r1"), clearTriggers], status },
      want: ["createReplicaSet", "scale r1", "status Healthy", "event NewReplicaSetCreated", "update"],
    },
    { name: "nothing to do: only the status", plan: { actions: [], status }, want: ["status Healthy"] },
    { name: "nothing at all", plan: { actions: [] }, want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(order(c.plan), c.want));

  const yielding: { name: string; plan: Plan; want: string[] }[] = [
    {
      name: "the objects up to the create, then only the Event announcing it",
      plan: {
        actions: [
          event("ServiceSwitchWaiting"),
          scale("r0"),
          createR2,
          event("NewReplicaSetCreated"),
          scale("r1"),
          clearTriggers,
        ],
        status,
      },
      want: ["scale r0", "createReplicaSet", "event NewReplicaSetCreated"],
    },
    {
      name: "no create: the whole pass",
      plan: { actions: [scale("r1"), event("A"), clearTriggers], status },
      want: ["scale r1", "status Healthy", "event A", "update"],
    },
    {
      name: "an undo is never split: the rewrite and its Events",
      plan: { actions: [createR2, event("NewReplicaSetCreated"), event("Undo"), rewrite], status },
      want: ["createReplicaSet", "rewrite", "event NewReplicaSetCreated", "event Undo"],
    },
  ];
  for (const c of yielding)
    it(`yielding after the create: ${c.name}`, () =>
      assert.deepEqual(order(c.plan, { yieldAfterCreate: true }), c.want));

  it("a spec rewrite is an update with a template or clearRollbackTo true, nothing else", () => {
    assert.deepEqual([rewrite, clearRollbackTo, pinOnly, clearTriggers, scale("r1")].map(isSpecRewrite), [
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
