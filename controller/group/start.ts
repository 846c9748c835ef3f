import type { GroupRelease } from "../api/group.js";
import type { GroupAction, MemberView } from "./types.js";

/**
 * Members this group does not hold yet are marked as its own, their running revision (the
 * stable one) released: a template already changed is then held until a release moves it.
 * A member already marked keeps its released revision (a release in progress owns it).
 */
export function claimMembers(
  group: string,
  order: readonly string[],
  members: ReadonlyMap<string, MemberView>,
): GroupAction[] {
  const actions: GroupAction[] = [];
  for (const name of order) {
    const m = members.get(name);
    if (!m || (m.group === group && m.released !== undefined)) continue;
    const released = m.stableHash ?? m.hash;
    if (released !== undefined) actions.push({ kind: "releaseMember", name, released });
  }
  return actions;
}

/**
 * A new release when a member's template is one the last release has not seen (neither its new
 * revision nor the one it went back to). The first release records where the members are. Every
 * member must exist and have been observed once; until then there is nothing to start.
 */
export function startRelease(
  order: readonly string[],
  members: ReadonlyMap<string, MemberView>,
  last: GroupRelease | undefined,
  now: Date,
): GroupRelease | undefined {
  if (order.some((n) => members.get(n)?.hash === undefined)) return undefined;
  const hashOf = (n: string): string => members.get(n)?.hash ?? "";
  const at = now.toISOString();
  if (!last)
    return {
      number: 1,
      outcome: "Succeeded",
      startedAt: at,
      finishedAt: at,
      members: order.map((name) => ({
        name,
        hash: members.get(name)?.stableHash ?? hashOf(name),
        state: "Unchanged",
      })),
    };
  const seen = (n: string): boolean =>
    last.members.some((r) => r.name === n && (r.hash === hashOf(n) || r.previousHash === hashOf(n)));
  if (order.every(seen)) return undefined;
  return {
    number: last.number + 1,
    outcome: "Progressing",
    startedAt: at,
    startedBy: "Change",
    members: order.map((name) => {
      const previousHash = members.get(name)?.stableHash ?? hashOf(name);
      const hash = hashOf(name);
      return { name, hash, previousHash, state: hash === previousHash ? "Unchanged" : "Held" };
    }),
  };
}
