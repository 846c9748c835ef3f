import type { MemberRelease } from "../api/group.js";
import type { GroupState, MemberView } from "./types.js";

const event = (s: GroupState, type: "Normal" | "Warning", reason: string, message: string): void => {
  s.actions.push({ kind: "event", type, reason, message });
};

/** A member is at `hash` and done: Healthy there, fully available, status caught up. */
export const settledAt = (m: MemberView | undefined, hash: string | undefined): boolean =>
  m !== undefined &&
  hash !== undefined &&
  m.observed &&
  m.hash === hash &&
  m.stableHash === hash &&
  m.phase === "Healthy" &&
  m.available;

const done = (r: MemberRelease): boolean => r.state === "Healthy" || r.state === "Unchanged";

/**
 * One pass of a release in progress, in dependency order: a held member whose dependencies are
 * all done is released; a moving member that is Healthy at its new revision is done; one that
 * aborted (its analysis failed, or a person aborted it) fails the release. Returns the failed
 * member, if any. Releasing twice is harmless: it writes the same annotation.
 */
export function advanceRelease(s: GroupState): MemberRelease | undefined {
  const byName = new Map(s.release.members.map((r) => [r.name, r]));
  joinLateEdits(s);
  // The edits of one change arrive one by one: nothing moves until they have had time to land.
  // `kubectl kestrel release start` says the change is complete: no wait.
  const settling =
    s.release.startedBy !== "Command" &&
    s.input.now.getTime() - Date.parse(s.release.startedAt ?? "") < releaseSettleMs;
  for (const name of s.order) {
    const r = byName.get(name);
    const m = s.members.get(name);
    if (!r || !m) continue;
    if (
      !settling &&
      r.state === "Held" &&
      (s.deps.get(name) ?? []).every((d) => done(byName.get(d) ?? notInRelease))
    ) {
      s.actions.push({ kind: "releaseMember", name, released: r.hash ?? "" });
      r.state = "Moving";
      event(s, "Normal", "MemberReleased", `${name}: its dependencies are Healthy; moving to ${r.hash}`);
    }
    if (r.state !== "Moving") continue;
    if (settledAt(m, r.hash)) {
      r.state = "Healthy";
      event(s, "Normal", "MemberHealthy", `${name}: Healthy at its new revision ${r.hash}`);
    } else if (m.hash === r.hash && (m.aborted || (m.observed && m.phase === "Degraded"))) {
      r.state = "Failed";
      return r;
    } else if (m.hash !== r.hash && m.hash === r.previousHash) {
      // The Rollout undid itself (its own onFailure: undo): a failure of this release all the same.
      r.state = "Failed";
      return r;
    }
  }
  return undefined;
}

/** A dependency that joined after the release started does not move in it: nothing to wait for. */
const notInRelease: MemberRelease = { name: "", state: "Unchanged" };

/** How long after a release starts its members wait for the rest of the change's edits. */
export const releaseSettleMs = 5000;

/** A member whose template changes while it has not moved yet joins the release in progress. */
function joinLateEdits(s: GroupState): void {
  for (const r of s.release.members) {
    const hash = s.members.get(r.name)?.hash;
    if ((r.state !== "Unchanged" && r.state !== "Held") || hash === undefined || hash === r.hash) continue;
    r.hash = hash;
    r.state = hash === r.previousHash ? "Unchanged" : "Held";
  }
}
