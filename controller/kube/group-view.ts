import type { RolloutGroup } from "../api/group.js";
import type { MemberView } from "../group/types.js";
import { groupAnnotation, groupReleasedAnnotation } from "../rollout/labels.js";
import type { RolloutObject } from "./rollout-actions.js";
import { lists, type Listed } from "../group/selector.js";

/** A Rollout as a group's selector sees it. */
export const listed = (ro: RolloutObject): Listed => ({
  name: ro.metadata?.name ?? "",
  labels: ro.metadata?.labels ?? {},
});

/**
 * What the group planner sees of one member Rollout. claimedBy: the group named by the Rollout's
 * kestrel.dev/group annotation, while that group still exists and lists it (a stale annotation
 * left by a deleted group, or by one that dropped the member, claims nothing).
 */
export function memberView(ro: RolloutObject, groups: readonly RolloutGroup[]): MemberView {
  const annotations = ro.metadata?.annotations ?? {};
  const group = annotations[groupAnnotation];
  const claimer = groups.find((g) => g.metadata.name === group && lists(g.spec, listed(ro)));
  const status = ro.status ?? {};
  return {
    hash: status.currentPodHash,
    stableHash: status.stableRS,
    phase: status.phase,
    message: status.message,
    observed: status.observedGeneration === ro.metadata?.generation,
    available: (status.availableReplicas ?? 0) >= (ro.spec.replicas ?? 1),
    aborted: Boolean(status.abort),
    undoAsked: ro.spec.rollbackTo !== undefined,
    blueGreen: ro.spec.strategy?.blueGreen !== undefined,
    group,
    released: annotations[groupReleasedAnnotation],
    claimedBy: claimer ? group : undefined,
  };
}
