/**
 * `kubectl kestrel history group/NAME` as pure functions: the group's kept releases with each
 * member's Rollout revision, as data and as text (test/unit/cli/group-history.test.ts).
 */
import type { V1ReplicaSet } from "@kubernetes/client-node";
import type { GroupRelease } from "../api/group.js";
import { hashOf, revisionOf } from "../rollout/revisions.js";
import { table } from "./present.js";

/** A member Rollout as the history needs it: its uid finds the ReplicaSets it owns. */
export interface MemberRollout {
  name: string;
  uid: string;
}

/** Per member, its revision number per pod template hash, from the ReplicaSets it owns. */
export type Revisions = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * The revisions of each member's ReplicaSets. Ownership is by uid, not by name: a Rollout deleted
 * and created again under the same name starts its revisions again and must not borrow old ones.
 */
export function memberRevisions(
  rollouts: readonly MemberRollout[],
  replicaSets: readonly V1ReplicaSet[],
): Revisions {
  return new Map(
    rollouts.map((ro) => {
      const owned = replicaSets.filter(
        (rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === ro.uid) && revisionOf(rs) > 0,
      );
      return [ro.name, new Map(owned.map((rs) => [hashOf(rs) ?? "", revisionOf(rs)]))] as const;
    }),
  );
}

export interface MemberRow {
  name: string;
  state: string;
  hash?: string;
  /** The revision of the ReplicaSet with `hash`; undefined once it is gone (revisionHistoryLimit). */
  revision?: number;
  previousHash?: string;
  previousRevision?: number;
}

export type ReleaseRow = Omit<GroupRelease, "members"> & { members: MemberRow[] };

export function releaseRows(releases: readonly GroupRelease[], revisions: Revisions): ReleaseRow[] {
  const revisionOfHash = (member: string, hash: string | undefined): number | undefined =>
    hash === undefined ? undefined : revisions.get(member)?.get(hash);
  return releases.map((r) => ({
    ...r,
    members: r.members.map((m) => ({
      ...m,
      revision: revisionOfHash(m.name, m.hash),
      previousRevision: revisionOfHash(m.name, m.previousHash),
    })),
  }));
}

const shown = (revision: number | undefined): string => (revision === undefined ? "?" : String(revision));

/** `db-adapter=3 (Healthy), api=5 (Undone)`: each member's revision in the release and its state. */
export function membersColumn(members: readonly MemberRow[]): string {
  return members.map((m) => `${m.name}=${shown(m.revision)} (${m.state})`).join(", ");
}

/** What else the release records, in words: why it started, what failed, what was undone in which order. */
export function detailsColumn(r: ReleaseRow): string {
  const parts = [
    r.undoTo !== undefined ? `undo to release ${r.undoTo}` : "",
    r.startedBy === "Command" ? "started by release start" : "",
    r.failedMember ? `${r.failedMember} failed${r.failure ? `: ${r.failure}` : ""}` : "",
    r.rollbackOrder && r.rollbackOrder.length > 0 ? `undone in order: ${r.rollbackOrder.join(", ")}` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? parts.join("; ") : "<none>";
}

/** The table of every kept release, oldest first as status keeps them. */
export function describeReleases(rows: readonly ReleaseRow[]): string {
  return table([
    ["RELEASE", "OUTCOME", "STARTED", "MEMBERS", "DETAILS"],
    ...rows.map((r) => [
      String(r.number),
      r.outcome,
      r.startedAt ?? "<unknown>",
      membersColumn(r.members),
      detailsColumn(r),
    ]),
  ]);
}

/** `--release=N`: the release's facts, then one line per member with its revision before and after. */
export function describeRelease(group: string, r: ReleaseRow): string {
  const facts: [string, string | undefined][] = [
    ["Started", r.startedAt],
    ["Finished", r.finishedAt],
    ["Started by", r.startedBy],
    ["Undo to", r.undoTo === undefined ? undefined : `release ${r.undoTo}`],
    ["Failed member", r.failedMember],
    ["Failure", r.failure],
    ["Rollback order", r.rollbackOrder?.join(", ")],
  ];
  const lines = [
    `rolloutgroup "${group}" release ${r.number}: ${r.outcome}`,
    ...facts.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `${k}:`.padEnd(16) + v),
    "",
    table([
      ["MEMBER", "REVISION", "PREVIOUS", "STATE", "HASH"],
      ...r.members.map((m) => [
        m.name,
        shown(m.revision),
        m.previousHash === undefined ? "<none>" : shown(m.previousRevision),
        m.state,
        m.hash ?? "<none>",
      ]),
    ]),
  ];
  return lines.join("\n");
}

/** The release --release=N names, or the error that lists the kept ones. */
export function pickRelease(
  group: string,
  rows: readonly ReleaseRow[],
  release: number,
): { row: ReleaseRow } | { error: string } {
  const row = rows.find((r) => r.number === release);
  return row ? { row } : { error: notKept(group, rows, release) };
}

/** kubectl's "unable to find the specified revision", for a release, naming the ones kept. */
export function notKept(group: string, releases: readonly { number: number }[], release: number): string {
  const kept = releases.map((r) => r.number).join(", ") || "none";
  return `unable to find the specified release ${release} of rolloutgroup "${group}"; kept releases: ${kept}`;
}
