import type { GroupRelease, RolloutGroupStatus } from "../api/group.js";
import { groupReleaseStartAnnotation, groupUndoToReleaseAnnotation } from "../rollout/labels.js";
import { terminalOutcomes, type GroupAction, type MemberView } from "./types.js";

type Handled = NonNullable<RolloutGroupStatus["handledRequests"]>;

/** What the request handlers read and change: the releases as they will be written. */
export interface RequestState {
  annotations: Readonly<Record<string, string>>;
  order: readonly string[];
  members: ReadonlyMap<string, MemberView>;
  releases: GroupRelease[];
  handled: Handled;
  actions: GroupAction[];
  now: Date;
}

const warn = (s: RequestState, reason: string, message: string): void => {
  s.actions.push({ kind: "event", type: "Warning", reason, message });
};

/** A request value not yet acted on (each value is acted on once; the status remembers the last). */
function pending(s: RequestState, annotation: string, key: keyof Handled): string | undefined {
  const value = s.annotations[annotation];
  if (value === undefined || value === s.handled[key]) return undefined;
  s.handled[key] = value;
  return value;
}

/**
 * `kubectl kestrel undo group/NAME --to-release=N`: a release that undoes every member whose
 * revision differs from its revision in release N, through the coordinated rollback (reverse
 * dependency order, each after the previous is back). Refused, with a Warning saying why, while
 * a release is in progress or when N is not a kept release whose members were all Healthy.
 */
export function undoToRelease(s: RequestState): void {
  const value = pending(s, groupUndoToReleaseAnnotation, "undoToRelease");
  if (value === undefined) return;
  const n = /^(\d+)(?:@.*)?$/.exec(value)?.[1];
  const last = s.releases.at(-1);
  const target = s.releases.find((r) => String(r.number) === n);
  const refuse = (why: string) =>
    warn(s, "UndoRefused", `undo to release ${n ?? `"${value}"`} refused: ${why}`);
  if (n === undefined) return refuse(`the request must be N or N@<time>, with N a release number`);
  if (last && !terminalOutcomes.has(last.outcome))
    return refuse(`release ${last.number} is still ${last.outcome}; undo once it has ended`);
  if (!target)
    return refuse(`no such release is kept (kept: ${s.releases.map((r) => r.number).join(", ") || "none"})`);
  if (target.outcome !== "Succeeded")
    return refuse(`release ${n} ended ${target.outcome}; undo goes only to a release that succeeded`);
  const members = s.order.map((name): GroupRelease["members"][number] => {
    const hash = s.members.get(name)?.hash;
    const previousHash = target.members.find((r) => r.name === name)?.hash ?? hash;
    // A member not in release N (added since) has no revision there: it stays where it is.
    return { name, hash, previousHash, state: hash === previousHash ? "Unchanged" : "Healthy" };
  });
  const number = (last?.number ?? 0) + 1;
  const moving = [...members].reverse().filter((r) => r.state !== "Unchanged");
  s.releases.push({
    number,
    outcome: "RollingBack",
    startedAt: s.now.toISOString(),
    startedBy: "Command",
    undoTo: target.number,
    rollbackOrder: [],
    members,
  });
  s.actions.push({
    kind: "event",
    type: "Normal",
    reason: "UndoToReleaseStarted",
    message: `release ${number}: undoing to release ${n}: ${moving.map((r) => r.name).join(", ") || "no member differs"}${moving.length > 1 ? " in that order" : ""}`,
  });
}

/**
 * `kubectl kestrel release start group/NAME`: the release in progress moves now, without waiting
 * for more edits of the same change. With nothing to release, or during a rollback, a Warning.
 */
export function startNow(s: RequestState): void {
  if (pending(s, groupReleaseStartAnnotation, "releaseStart") === undefined) return;
  const last = s.releases.at(-1);
  if (last?.outcome === "Progressing") {
    if (last.startedBy === "Command") return;
    last.startedBy = "Command";
    s.actions.push({
      kind: "event",
      type: "Normal",
      reason: "ReleaseStartRequested",
      message: `release ${last.number}: members move now (kubectl kestrel release start)`,
    });
  } else if (last?.outcome === "RollingBack")
    warn(s, "ReleaseStartRefused", `release start refused: release ${last.number} is rolling back`);
  else
    warn(
      s,
      "NothingToRelease",
      `release start: no member's template differs from release ${last?.number ?? "(none yet)"}; change a member's template first`,
    );
}
