import type { GroupState } from "./types.js";
import { settledAt } from "./release.js";

/** States of members that moved in this release, and so are undone by a coordinated rollback. */
const moved = new Set(["Moving", "Healthy", "Failed"]);

/**
 * One pass of a coordinated rollback: members that moved are undone to their revision in the
 * last good release, in reverse dependency order, one at a time, each only once the previous is
 * back (Healthy there and fully available). Crash-safe: a member whose template is already the
 * target (the undo was written but not yet recorded) is not undone again. Returns true when done.
 */
export function advanceRollback(s: GroupState): boolean {
  const byName = new Map(s.release.members.map((r) => [r.name, r]));
  for (const name of [...s.order].reverse()) {
    const r = byName.get(name);
    const m = s.members.get(name);
    if (!r) continue;
    if (r.state === "Undoing") {
      if (!settledAt(m, r.previousHash)) return false;
      r.state = "Undone";
      s.release.rollbackOrder = [...(s.release.rollbackOrder ?? []), name];
      s.actions.push({
        kind: "event",
        type: "Normal",
        reason: "MemberUndone",
        message: `${name}: back on ${r.previousHash} of the last good release`,
      });
      continue;
    }
    if (!moved.has(r.state) || !r.previousHash) continue;
    // Released first, so the member is never held on its way back.
    s.actions.push({ kind: "releaseMember", name, released: r.previousHash });
    if (m?.hash !== r.previousHash && !m?.undoAsked)
      s.actions.push({ kind: "undoMember", name, toHash: r.previousHash });
    r.state = "Undoing";
    s.actions.push({
      kind: "event",
      type: "Normal",
      reason: "MemberUndoing",
      message: `${name}: undoing to ${r.previousHash} (rollback step ${(s.release.rollbackOrder?.length ?? 0) + 1})`,
    });
    return false;
  }
  return true;
}
