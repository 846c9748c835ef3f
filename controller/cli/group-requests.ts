/**
 * The requests `kubectl kestrel` writes on a RolloutGroup (undo to release N, release start), as
 * pure functions: which release an undo goes to, checked before anything is written, and the
 * annotation values (test/unit/cli/group-requests.test.ts).
 */
import type { GroupRelease } from "../api/group.js";
import { notKept } from "./group-history.js";

const inProgress = new Set(["Progressing", "RollingBack"]);

/**
 * The release `undo group/NAME [--to-release=N]` goes to. Without N: the newest release before
 * the newest one that succeeded, as `kubectl rollout undo` goes to the previous revision. Refused
 * here with the reason, so the controller is not asked what it would refuse: a release that is
 * not kept, one still in progress, one that did not succeed (not a known-good state), or the one
 * every member already runs (`current`: each member Rollout's pod template hash).
 */
export function chooseUndoRelease(
  group: string,
  releases: readonly GroupRelease[],
  current: ReadonlyMap<string, string | undefined>,
  toRelease?: number,
): { release: number } | { error: string } {
  const newest = releases.at(-1);
  if (!newest) return { error: `rolloutgroup "${group}" has no release yet to undo to` };
  if (toRelease !== undefined && !releases.some((r) => r.number === toRelease))
    return { error: notKept(group, releases, toRelease) };
  if (inProgress.has(newest.outcome))
    return {
      error: `rolloutgroup "${group}" has release ${newest.number} in progress (${newest.outcome}); undo once it has ended`,
    };
  const target =
    toRelease === undefined
      ? releases.slice(0, -1).findLast((r) => r.outcome === "Succeeded")
      : releases.find((r) => r.number === toRelease);
  if (!target)
    return { error: `rolloutgroup "${group}" has no release before release ${newest.number} that succeeded` };
  if (target.outcome !== "Succeeded")
    return {
      error: `release ${target.number} of rolloutgroup "${group}" ended ${target.outcome}; only a release that succeeded can be undone to`,
    };
  if (target.members.every((m) => m.hash !== undefined && current.get(m.name) === m.hash))
    return {
      error: `rolloutgroup "${group}" is already at release ${target.number}: every member runs its revision from that release`,
    };
  return { release: target.number };
}

/** The undo request's value, `N@<time>`: the time makes a repeated command a new request. */
export const undoRequest = (release: number, now: Date): string => `${release}@${now.toISOString()}`;

/** The release-start request's value: the time, for the same reason. */
export const releaseStartRequest = (now: Date): string => now.toISOString();
