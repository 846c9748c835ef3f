import type { GroupRelease, RolloutGroup, RolloutGroupStatus } from "../api/group.js";

/** What the group planner needs to know of one member Rollout (read from the Rollout cache). */
export interface MemberView {
  /** The pod template hash of the Rollout's spec.template (status.currentPodHash). */
  hash: string | undefined;
  /** The hash of its stable ReplicaSet (status.stableRS). */
  stableHash: string | undefined;
  phase: string | undefined;
  message: string | undefined;
  /** status describes the current spec (observedGeneration caught up). */
  observed: boolean;
  /** Every desired replica available. */
  available: boolean;
  /** status.abort: the Rollout aborted (its analysis failed, or someone aborted it). */
  aborted: boolean;
  /** spec.rollbackTo is set: an undo was asked and not yet acted on. */
  undoAsked: boolean;
  /** spec.strategy.blueGreen: such a Rollout cannot be held by a group yet. */
  blueGreen?: boolean;
  /** The kestrel.dev/group annotation: the group that holds this Rollout. */
  group: string | undefined;
  /** The kestrel.dev/group-released annotation. */
  released: string | undefined;
  /** Another group that lists this Rollout and claimed it first (then this group must not touch it). */
  claimedBy: string | undefined;
}

export interface GroupInput {
  group: RolloutGroup;
  /** By member name; a member whose Rollout does not exist is absent. */
  members: ReadonlyMap<string, MemberView>;
  /** For spec.members entries with a selector: the Rollouts each selects (absent: the entry is one Rollout, by name). */
  selected?: ReadonlyMap<string, readonly string[]>;
  /** Rollouts marked as this group's (kestrel.dev/group) that spec.members no longer lists. */
  strays?: ReadonlyMap<string, MemberView>;
  now: Date;
}

export type GroupAction =
  | { kind: "event"; type: "Normal" | "Warning"; reason: string; message: string }
  /** Marks a Rollout as this group's, and which of its revisions may move. */
  | { kind: "releaseMember"; name: string; released: string }
  /** Undoes a member to the revision whose pod template hash is `toHash` (spec.rollbackTo). */
  | { kind: "undoMember"; name: string; toHash: string }
  /** Drops the group's marks from a Rollout no longer listed; pause: leave it paused where it is. */
  | { kind: "leaveMember"; name: string; pause: boolean }
  /** The kestrel.dev/abort trigger. */
  | { kind: "abortMember"; name: string };

export interface GroupPlan {
  actions: GroupAction[];
  status: RolloutGroupStatus;
  requeueAfterMs?: number;
}

/** The planner's working state: the release in hand and what it will emit. */
export interface GroupState {
  readonly input: GroupInput;
  readonly name: string;
  /** Member Rollouts in the order they move. */
  readonly order: readonly string[];
  /** By member Rollout: the Rollouts it waits for. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly members: ReadonlyMap<string, MemberView>;
  release: GroupRelease;
  actions: GroupAction[];
}

export const terminalOutcomes = new Set(["Succeeded", "RolledBack", "Aborted", "Frozen"]);
