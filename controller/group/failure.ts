import type { MemberRelease } from "../api/group.js";
import type { GroupState } from "./types.js";

/**
 * A member failed its release: the group's onFailure decides. undo (default) starts the
 * coordinated rollback (advanced by the rollback stage); abort aborts every member still moving;
 * freeze stops the release where it is, undoing nothing, and says so loudly. Held members stay held.
 */
export function onFailure(s: GroupState, failed: MemberRelease): void {
  const why = s.members.get(failed.name)?.message ?? "aborted";
  const n = s.release.number;
  s.release.failedMember = failed.name;
  s.release.failure = why;
  s.actions.push({
    kind: "event",
    type: "Warning",
    reason: "MemberFailed",
    message: `release ${n}: ${failed.name} failed: ${why}`,
  });
  const how = s.input.group.spec.onFailure ?? "undo";
  if (how === "undo") {
    const order = [...s.order]
      .reverse()
      .filter((name) =>
        ["Moving", "Healthy", "Failed"].includes(s.release.members.find((r) => r.name === name)?.state ?? ""),
      );
    s.release.outcome = "RollingBack";
    s.release.rollbackOrder = [];
    s.actions.push({
      kind: "event",
      type: "Warning",
      reason: "GroupRollingBack",
      message: `release ${n}: undoing ${order.join(", ")} in that order`,
    });
    return;
  }
  s.release.finishedAt = s.input.now.toISOString();
  if (how === "abort") {
    for (const r of s.release.members.filter((r) => r.state === "Moving")) {
      s.actions.push({ kind: "abortMember", name: r.name });
      r.state = "Aborted";
    }
    s.release.outcome = "Aborted";
    s.actions.push({
      kind: "event",
      type: "Warning",
      reason: "GroupAborted",
      message: `release ${n}: aborted every moving member after ${failed.name} failed`,
    });
    return;
  }
  s.release.outcome = "Frozen";
  s.actions.push({
    kind: "event",
    type: "Warning",
    reason: "GroupFrozen",
    message: `release ${n} frozen after ${failed.name} failed: nothing undone (onFailure: freeze); members not yet moved stay held`,
  });
}
