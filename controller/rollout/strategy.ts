import type { PlanState } from "./state.js";

/**
 * How a delivery strategy moves a new revision in: given the state after triggers, verdict,
 * deadline and bookkeeping, it decides the replica split (`desired`), the step, whether the
 * Rollout waits, phase and message, and promotes by setting `stableHash`. The stages before and
 * after it (ReplicaSet actions, runs, restart, status) are shared by every strategy.
 */
export interface Strategy {
  decide(s: PlanState): void;
}
