import type { RolloutGroupStatus } from "../api/group.js";
import { removeCondition, setCondition } from "../rollout/conditions.js";
import { terminalOutcomes, type GroupAction, type GroupInput } from "./types.js";
import type { GroupRelease } from "../api/group.js";

/**
 * Rollouts that still carry this group's mark but are no longer listed in spec.members: the group
 * lets them go where they are. One that was between revisions (held, or mid-canary) is paused
 * there, so removing it from the group never moves it; the person resumes it. A release in
 * progress counts it as Removed, not as a member still to move or undo.
 */
export function letGoRemoved(
  input: GroupInput,
  release: GroupRelease | undefined,
  conditions: RolloutGroupStatus["conditions"],
  actions: GroupAction[],
): RolloutGroupStatus["conditions"] {
  const strays = [...(input.strays ?? new Map())];
  if (strays.length === 0) return conditions;
  const inRelease = release && !terminalOutcomes.has(release.outcome) ? release : undefined;
  const said: string[] = [];
  for (const [name, m] of strays) {
    const pause = m.hash !== m.stableHash;
    actions.push({ kind: "leaveMember", name, pause });
    const r = inRelease?.members.find((x) => x.name === name);
    if (r) r.state = "Removed";
    const where = pause
      ? `paused between ${m.stableHash} and ${m.hash}; resume it with kubectl kestrel resume ${name}`
      : `at ${m.hash}`;
    said.push(
      `${name} was removed from the group${inRelease ? ` during release ${inRelease.number}` : ""}; left where it is (${where})`,
    );
  }
  const message = said.join("; ");
  actions.push({ kind: "event", type: "Warning", reason: "MemberRemoved", message });
  return setCondition(
    conditions,
    { type: "MemberRemoved", status: "True", reason: "MemberRemoved", message },
    input.now,
  );
}

/** The MemberRemoved condition lasts until the next release starts. */
export const forgetRemoved = (
  conditions: RolloutGroupStatus["conditions"],
): RolloutGroupStatus["conditions"] => removeCondition(conditions, "MemberRemoved");
