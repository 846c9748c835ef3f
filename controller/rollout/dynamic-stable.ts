import { currentSplit } from "./canary-steps.js";
import { routesAt } from "./routed.js";
import type { PlanState } from "./state.js";

/**
 * canary.dynamicStableScale (with a router), as Argo sizes it: the stable ReplicaSet carries
 * ceil((100 - weight)% of spec.replicas) pods instead of all of them. Two orderings keep every
 * request served: the stable shrinks only once every route already carries the higher canary
 * weight (a route written this pass may not be live yet), and the weight moves back towards
 * stable only as far as the stable's available pods can serve.
 */

/** Pods for a share of traffic: Argo's ceil(weight% of replicas). */
export const replicasForWeight = (replicas: number, weight: number): number =>
  Math.ceil((replicas * Math.min(Math.max(weight, 0), 100)) / 100);

/** The stable's pods with the canary at `weight`: fewer only once the routes carry it. */
export function dynamicStableCount(s: PlanState, weight: number): number {
  const forWeight = replicasForWeight(s.replicas, 100 - weight);
  return routesAt(s, weight) ? forWeight : Math.max(currentSplit(s).stableReplicas, forWeight);
}

/** The lowest canary weight the stable's available pods leave room for (100 - their share, rounded against the stable). */
export function stableBackedFloor(s: PlanState): number {
  if (s.replicas <= 0) return 0;
  const share = Math.floor((currentSplit(s).stableAvailable * 100) / s.replicas);
  return Math.max(0, 100 - share);
}
