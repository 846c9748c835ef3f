import type { GroupRollbackSample } from "./group-measure.js";
import { secs, summarize, type Summary } from "./stats.js";
import { printTable } from "./table.js";

/** The spans of a group rollback, each from the deciding measurement, or summed over members. */
const spans = {
  groupRollingBackMs: "decision -> group status RollingBack",
  lastMemberBackMs: "decision -> last member back (Healthy at old hash, available)",
  groupRolledBackMs: "decision -> group status RolledBack",
  waitMs: "members' waits for their turn, summed",
  undoMs: "members' own undos, summed",
} as const;

type Span = keyof typeof spans;

export interface GroupSizeSummary {
  members: number;
  n: number;
  spans: Record<Span, Summary>;
  /** By place in the rollback order (1: undone first, the failed member). */
  positions: { position: number; member: string; waitMs: Summary; undoMs: Summary }[];
}

/** The samples of each group size summarized, keyed by the size. */
export function summarizeGroup(samples: readonly GroupRollbackSample[]): Record<string, GroupSizeSummary> {
  const sizes = [...new Set(samples.map((s) => s.members))];
  return Object.fromEntries(
    sizes.map((members) => {
      const of = samples.filter((s) => s.members === members);
      const span = Object.fromEntries(
        (Object.keys(spans) as Span[]).map((k) => [k, summarize(of.map((s) => s[k]))]),
      ) as Record<Span, Summary>;
      const positions = (of[0]?.steps ?? []).map((first, i) => ({
        position: i + 1,
        member: first.member,
        waitMs: summarize(of.flatMap((s) => s.steps[i]?.waitMs ?? [])),
        undoMs: summarize(of.flatMap((s) => s.steps[i]?.undoMs ?? [])),
      }));
      return [String(members), { members, n: of.length, spans: span, positions }];
    }),
  );
}

const triple = (s: Summary): string[] => [secs(s.median), secs(s.p90), secs(s.max)];

/** Two tables: the spans per size, then each member's wait and undo by its place in the order. */
export function printGroupTables(
  summary: Record<string, GroupSizeSummary>,
  samples: readonly GroupRollbackSample[],
): void {
  const all = Object.values(summary);
  printTable(
    "RolloutGroup rollback, from the deciding measurement's finishedAt (seconds; kwok nodes)",
    ["span", "members", "n", "p50", "p90", "max"],
    all.flatMap((g) =>
      (Object.keys(spans) as Span[]).map((k) => [spans[k], g.members, g.n, ...triple(g.spans[k])]),
    ),
  );
  printTable(
    "Each member's share: wait (decision or previous member back -> its undo written) vs. its own undo (-> back), seconds",
    ["members", "undone", "member", "wait p50", "wait p90", "wait max", "undo p50", "undo p90", "undo max"],
    all.flatMap((g) =>
      g.positions.map((p) => [g.members, p.position, p.member, ...triple(p.waitMs), ...triple(p.undoMs)]),
    ),
  );
  const outOfOrder = samples.filter((s) => !s.inOrder).length;
  process.stdout.write(
    `order: ${samples.length - outOfOrder}/${samples.length} rollbacks undid each member only after the one before it was back\n`,
  );
}
