import type { RolloutStatus } from "../api/rollout.js";

export type Condition = NonNullable<RolloutStatus["conditions"]>[number];

/** Sets one condition, keeping lastTransitionTime when its status did not change. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Condition,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const stamp = now.toISOString();
  const merged: Condition = {
    ...next,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : stamp,
    lastUpdateTime:
      prev && prev.status === next.status && prev.reason === next.reason && prev.message === next.message
        ? prev.lastUpdateTime
        : stamp,
  };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
