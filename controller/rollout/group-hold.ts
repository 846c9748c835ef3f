import { groupAnnotation, groupReleasedAnnotation } from "./labels.js";
import type { PlanState } from "./state.js";

/**
 * Why a RolloutGroup member may not move yet (its group has not released this revision), or
 * undefined when it may. Only a revision in delivery is held: the stable one always runs. A
 * deleted group holds nothing: its members are then Rollouts of their own.
 */
export function groupHold(s: Pick<PlanState, "annotations" | "hash" | "groupExists">): string | undefined {
  const group = s.annotations[groupAnnotation];
  if (!group || !s.groupExists || s.annotations[groupReleasedAnnotation] === s.hash) return undefined;
  return `held by RolloutGroup ${group} until the members it depends on are Healthy at their new revision`;
}
