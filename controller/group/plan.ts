import type { GroupRelease, RolloutGroupStatus } from "../api/group.js";
import { removeCondition, setCondition } from "../rollout/conditions.js";
import { dependencyOrder } from "./order.js";
import { advanceRelease } from "./release.js";
import { advanceRollback } from "./rollback.js";
import {
  terminalOutcomes,
  type GroupInput,
  type GroupPlan,
  type GroupState,
  type MemberView,
} from "./types.js";
import { startRelease, claimMembers } from "./start.js";
import { onFailure } from "./failure.js";
import { startNow, undoToRelease, type RequestState } from "./requests.js";
import { forgetRemoved, letGoRemoved } from "./removed.js";
import { refuseMembers } from "./refused.js";

export const keptReleases = 10;
/** How often a release in progress is looked at again besides the member changes that enqueue it. */
const pollMs = 2000;

/**
 * The RolloutGroup as one pure function: the group, its members' Rollouts and the time in; the
 * actions in order, the new status and when to look again out. The release state lives in the
 * group's status, so a restarted controller resumes where the last one stopped.
 */
export function planGroup(input: GroupInput): GroupPlan {
  const { group, now } = input;
  const name = group.metadata.name ?? "";
  const prev: RolloutGroupStatus = group.status ?? {};
  const found = dependencyOrder(group.spec);
  if ("cycle" in found)
    return invalid(input, `spec.members[].dependsOn: a cycle among ${found.cycle.join(", ")}`);
  const { order, deps } = expand(input, found.order);
  const actions: GroupPlan["actions"] = [];
  const refused = refuseMembers(name, input.members, prev.conditions, now, actions);
  const members = refused.members;
  let conditions = refused.conditions;
  conditions = removeCondition(conditions, "InvalidSpec");
  actions.push(...claimMembers(name, order, members));

  const releases = structuredClone(prev.releases ?? []);
  const requests: RequestState = {
    annotations: group.metadata.annotations ?? {},
    order,
    members,
    releases,
    handled: { ...prev.handledRequests },
    actions,
    now,
  };
  undoToRelease(requests);
  let release = releases.at(-1);
  if (!release || terminalOutcomes.has(release.outcome)) {
    const next = startRelease(order, members, release, now);
    if (next) {
      releases.push(next);
      release = next;
      conditions = forgetRemoved(conditions);
      if (next.outcome === "Progressing")
        actions.push({
          kind: "event",
          type: "Normal",
          reason: "ReleaseStarted",
          message: `release ${next.number}: ${changed(next)} changed`,
        });
    }
  }
  startNow(requests);
  conditions = letGoRemoved(input, release, conditions, actions);
  const s: GroupState = { input, name, order, deps, members, release: release!, actions };
  if (release) step(s);
  const status: RolloutGroupStatus = {
    observedGeneration: group.metadata.generation,
    releases: releases.slice(-keptReleases),
    conditions,
    ...summary(release, members),
    ...(Object.keys(requests.handled).length > 0 ? { handledRequests: requests.handled } : {}),
  };
  const busy = release?.outcome === "Progressing" || release?.outcome === "RollingBack";
  return { actions, status, ...(busy ? { requeueAfterMs: pollMs } : {}) };
}

/**
 * The Rollouts in the order they move (each entry's Rollouts together, in the entries' dependency
 * order) and, for each, the Rollouts it waits for: every Rollout of the entries its entry depends on.
 */
function expand(
  input: GroupInput,
  entryOrder: readonly string[],
): { order: string[]; deps: Map<string, string[]> } {
  const of = (entry: string): readonly string[] => input.selected?.get(entry) ?? [entry];
  const deps = new Map(
    input.group.spec.members.flatMap((m) =>
      of(m.name).map((r) => [r, (m.dependsOn ?? []).flatMap(of)] as const),
    ),
  );
  return { order: entryOrder.flatMap(of), deps };
}

function step(s: GroupState): void {
  if (s.release.outcome === "Progressing") {
    const failed = advanceRelease(s);
    if (failed) onFailure(s, failed);
    else if (s.release.members.every((r) => ["Healthy", "Unchanged", "Removed"].includes(r.state)))
      end(
        s,
        "Succeeded",
        "ReleaseSucceeded",
        `release ${s.release.number}: every member Healthy at its new revision`,
      );
  }
  if (s.release.outcome === "RollingBack" && advanceRollback(s))
    end(
      s,
      "RolledBack",
      "GroupRolledBack",
      `release ${s.release.number} ${s.release.undoTo !== undefined ? `undid the group to release ${s.release.undoTo}` : `rolled back after ${s.release.failedMember} failed`}; undone in order: ${(s.release.rollbackOrder ?? []).join(", ") || "none"}`,
    );
}

/** The release ends with this outcome, and an Event says so. */
function end(s: GroupState, outcome: string, reason: string, message: string): void {
  s.release.outcome = outcome;
  s.release.finishedAt = s.input.now.toISOString();
  s.actions.push({ kind: "event", type: "Normal", reason, message });
}

/** Why a release rolls back: a member failed, or a person asked to undo to an earlier release. */
const why = (r: GroupRelease): string =>
  r.undoTo !== undefined
    ? `undoes the group to release ${r.undoTo} (kubectl kestrel undo)`
    : `rolls back: ${r.failedMember} failed (${r.failure ?? "aborted"})`;

const changed = (r: GroupRelease): string =>
  r.members
    .filter((m) => m.state !== "Unchanged")
    .map((m) => m.name)
    .join(", ");

function summary(
  release: GroupRelease | undefined,
  members: ReadonlyMap<string, MemberView>,
): Pick<RolloutGroupStatus, "phase" | "message"> {
  if (!release) return { phase: "Progressing", message: `waiting for members (${members.size} found)` };
  const n = `release ${release.number}`;
  const states = release.members.map((m) => `${m.name} ${m.state}`).join(", ");
  switch (release.outcome) {
    case "Succeeded":
      return { phase: "Healthy", message: `${n} succeeded: ${states}` };
    case "Progressing":
      return { phase: "Progressing", message: `${n}: ${states}` };
    case "RollingBack":
    case "RolledBack":
      return {
        phase: release.outcome,
        message: `${n} ${why(release)}; undone so far in order: ${(release.rollbackOrder ?? []).join(", ") || "none"}`,
      };
    default:
      return {
        phase: release.outcome,
        message: `${n}: ${release.failedMember} failed (${release.failure ?? "aborted"}); ${states}`,
      };
  }
}

function invalid(input: GroupInput, message: string): GroupPlan {
  const prev = input.group.status ?? {};
  const was = prev.conditions?.find((c) => c.type === "InvalidSpec")?.message;
  return {
    actions: was === message ? [] : [{ kind: "event", type: "Warning", reason: "InvalidSpec", message }],
    status: {
      ...prev,
      observedGeneration: input.group.metadata.generation,
      phase: "Invalid",
      message: `invalid spec: ${message}`,
      conditions: setCondition(
        prev.conditions,
        { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
        input.now,
      ),
    },
  };
}
