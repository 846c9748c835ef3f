import type { RolloutGroupStatus } from "../api/group.js";
import { removeCondition, setCondition } from "../rollout/conditions.js";
import type { GroupAction, MemberView } from "./types.js";

/** Why a listed Rollout may not be a member of this group, or undefined when it may. */
interface Refusal {
  type: string;
  reason: string;
  why: (name: string, m: MemberView) => string | undefined;
}

const refusals: Refusal[] = [
  {
    // Claimed first by another group: the first claim stands, the second group never touches it.
    type: "MemberConflict",
    reason: "MemberInAnotherGroup",
    why: (n, m) =>
      m.claimedBy !== undefined
        ? `Rollout ${n} already belongs to RolloutGroup ${m.claimedBy}; a Rollout belongs to at most one group`
        : undefined,
  },
  {
    // Only the canary strategy knows how to wait for its group's release.
    type: "UnsupportedMember",
    reason: "BlueGreenMember",
    why: (n, m) =>
      m.blueGreen
        ? `Rollout ${n} uses strategy.blueGreen: blue-green members are not supported yet (a member must use strategy.canary)`
        : undefined,
  },
];

/**
 * The members this group may act on, and its conditions saying, by name, which listed Rollouts
 * it refuses and why (a Warning the first time a message appears). Refused Rollouts are left alone.
 */
export function refuseMembers(
  group: string,
  input: ReadonlyMap<string, MemberView>,
  prev: RolloutGroupStatus["conditions"],
  now: Date,
  actions: GroupAction[],
): { members: Map<string, MemberView>; conditions: RolloutGroupStatus["conditions"] } {
  const own = (m: MemberView): MemberView => (m.claimedBy === group ? { ...m, claimedBy: undefined } : m);
  let conditions = prev;
  const refused = new Set<string>();
  for (const r of refusals) {
    const said = [...input].flatMap(([n, m]) => {
      const why = r.why(n, own(m));
      if (why) refused.add(n);
      return why ? [why] : [];
    });
    if (said.length === 0) {
      conditions = removeCondition(conditions, r.type);
      continue;
    }
    const message = said.join("; ");
    conditions = setCondition(conditions, { type: r.type, status: "True", reason: r.reason, message }, now);
    if (prev?.find((c) => c.type === r.type)?.message !== message)
      actions.push({ kind: "event", type: "Warning", reason: r.reason, message });
  }
  return { members: new Map([...input].filter(([n]) => !refused.has(n))), conditions };
}
