import type { RolloutState } from "./timelines.js";

/** One member's part in a coordinated rollback, in ms. */
export interface MemberStep {
  member: string;
  /** From the decision (first member) or the previous member back, to this member's undo written. */
  waitMs: number;
  /** From its undo written (spec.rollbackTo, seen as a new generation) to it back: Healthy at its old hash, fully available. */
  undoMs: number;
  /** From the decision to this member back. */
  backMs: number;
}

export interface GroupRollbackSample {
  members: number;
  /** finishedAt of the deciding measurement of the failing member's analysis. */
  decidedAt: string;
  failedMember: string;
  /** status.releases[-1].rollbackOrder as the group wrote it. */
  rollbackOrder: string[];
  /** Members in the order the watch first saw each Healthy at its new hash (the failing one never is). */
  releaseOrder: string[];
  /** Every member's undo was written only after the member undone before it was back. */
  inOrder: boolean;
  /** Decision -> the group's status says RollingBack. */
  groupRollingBackMs: number;
  /** Decision -> the last member back (Healthy at its old hash, fully available). */
  lastMemberBackMs: number;
  /** Decision -> the group's status says RolledBack. */
  groupRolledBackMs: number;
  /** The members' waits and undos summed: together they make lastMemberBackMs. */
  waitMs: number;
  undoMs: number;
  steps: MemberStep[];
}

export interface GroupRollbackInput {
  decidedAt: string;
  failedMember: string;
  rollbackOrder: readonly string[];
  /** The dependency order (the order members are released in). */
  order: readonly string[];
  /** Each member's hash in the failed release, and in the last good one (previousHash). */
  newHash: ReadonlyMap<string, string>;
  oldHash: ReadonlyMap<string, string>;
  replicas: number;
  history: (member: string) => readonly RolloutState[];
  /** Receipt times of the group's status turning RollingBack and RolledBack. */
  rollingBackAt: number | undefined;
  rolledBackAt: number | undefined;
}

/** What the planner's settledAt asks of a member, as the watch saw it: Healthy at `hash`, fully available, status caught up. */
export const settledAt = (s: RolloutState, hash: string | undefined, replicas: number): boolean =>
  hash !== undefined &&
  s.observedGeneration === s.generation &&
  s.phase === "Healthy" &&
  s.podHash === hash &&
  s.stableHash === hash &&
  s.available >= replicas;

/**
 * Lines the members' watch histories up with the deciding measurement: for each member in the
 * order undone, how long it waited for its turn and how long its own undo took. Throws, naming
 * the member, when the watch never saw a moment the figure needs.
 */
export function measureGroupRollback(i: GroupRollbackInput): GroupRollbackSample {
  const decidedAt = Date.parse(i.decidedAt);
  if (i.rollbackOrder.length === 0) throw new Error("the group undid no member (rollbackOrder is empty)");
  const steps: MemberStep[] = [];
  let previous = decidedAt;
  let inOrder = true;
  for (const member of i.rollbackOrder) {
    const history = i.history(member);
    // A new generation after the decision: the group's spec.rollbackTo (annotations bump none).
    const before = history.findLast((s) => s.at <= decidedAt)?.generation ?? 0;
    const undo = history.find((s) => s.at > decidedAt && s.generation > before);
    if (!undo)
      throw new Error(`${member}: the watch saw no undo after the decision (${JSON.stringify(history)})`);
    const back = history.find((s) => s.at >= undo.at && settledAt(s, i.oldHash.get(member), i.replicas));
    if (!back)
      throw new Error(
        `${member}: the watch never saw it back on ${i.oldHash.get(member)} (${JSON.stringify(history)})`,
      );
    if (undo.at < previous) inOrder = false;
    steps.push({
      member,
      waitMs: undo.at - previous,
      undoMs: back.at - undo.at,
      backMs: back.at - decidedAt,
    });
    previous = back.at;
  }
  const since = (t: number | undefined): number => (t === undefined ? NaN : t - decidedAt);
  return {
    members: i.order.length,
    decidedAt: i.decidedAt,
    failedMember: i.failedMember,
    rollbackOrder: [...i.rollbackOrder],
    releaseOrder: releaseOrder(i),
    inOrder,
    groupRollingBackMs: since(i.rollingBackAt),
    lastMemberBackMs: Math.max(...steps.map((s) => s.backMs)),
    groupRolledBackMs: since(i.rolledBackAt),
    waitMs: steps.reduce((a, s) => a + s.waitMs, 0),
    undoMs: steps.reduce((a, s) => a + s.undoMs, 0),
    steps,
  };
}

function releaseOrder(i: GroupRollbackInput): string[] {
  const healthyAt = i.order.flatMap((member) => {
    const s = i.history(member).find((x) => settledAt(x, i.newHash.get(member), i.replicas));
    return s ? [{ member, at: s.at }] : [];
  });
  return healthyAt.sort((a, b) => a.at - b.at).map((x) => x.member);
}
