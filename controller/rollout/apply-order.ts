import type { RolloutStatus } from "../api/rollout.js";
import { newReplicaSetCreated, type Action, type Plan } from "./actions.js";

/** One step in applying a plan: one of its actions, or the write of its status. */
export type Step = Action | { kind: "writeStatus"; status: RolloutStatus };

type RolloutUpdate = Extract<Action, { kind: "updateRollout" }>;

/** An update that rewrites the Rollout's spec (an undo's template, or clearing spec.rollbackTo). */
export const isSpecRewrite = (a: Action): a is RolloutUpdate =>
  a.kind === "updateRollout" && (a.template !== undefined || a.clearRollbackTo === true);

/**
 * The one order in which a plan is applied: by the controller (controller/kube/rollout-reconciler.ts)
 * and by the unit tests' world alike. Crash safety decides it:
 * 1. the actions on other objects (ReplicaSets, Services, routes, runs, pods), as planned, so a
 *    crash before the status write is redone by the next pass, which sees the same objects;
 * 2. a plan that rewrites the spec (an undo) then has no status: the rewrite, then its Events (the
 *    next pass plans afresh from the rewritten spec);
 * 3. otherwise the status (it records the triggers handled), then the Events, which announce only
 *    a decision the status write recorded, then the Rollout updates (trigger annotations removed),
 *    which the shell guards with the status write's resourceVersion.
 * With `yieldAfterCreate` (the shell asks for it while other people's changes wait for a worker),
 * a pass that creates the new ReplicaSet ends with that create and the Event announcing it (a
 * fact once the create is answered). The rest (other objects, the status, the other Events) is
 * planned again by the next pass, which the new ReplicaSet's watch event brings: the same pass a
 * crash right after the create leads to, so rule 1 already makes it safe. Why: under a burst
 * (100 image changes at once) each worker otherwise holds a change through its status write too,
 * and the last change's ReplicaSet waited for every other change's status write.
 */
export function applyOrder(plan: Plan, { yieldAfterCreate = false } = {}): Step[] {
  const objects = plan.actions.filter((a) => a.kind !== "event" && a.kind !== "updateRollout");
  const events = plan.actions.filter((a) => a.kind === "event");
  const rewrite = plan.actions.find(isSpecRewrite);
  if (rewrite) return [...objects, rewrite, ...events];
  const create = objects.findIndex((a) => a.kind === "createReplicaSet");
  if (yieldAfterCreate && create >= 0)
    return [...objects.slice(0, create + 1), ...events.filter((e) => e.reason === newReplicaSetCreated)];
  const updates = plan.actions.filter((a) => a.kind === "updateRollout");
  const status: Step[] = plan.status ? [{ kind: "writeStatus", status: plan.status }] : [];
  return [...objects, ...status, ...events, ...updates];
}
