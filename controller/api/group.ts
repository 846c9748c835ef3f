import Type, { type Static } from "typebox";
import { Condition, StringMap } from "./common.js";
import type { ValidationRule } from "./unsupported.js";

/**
 * The RolloutGroup kind: several Rollouts released in dependency order and, when one fails,
 * rolled back together in reverse order. Kestrel's own addition (Argo has no such kind).
 */

const memberName = Type.String({
  minLength: 1,
  maxLength: 63,
  description: "A Rollout in the group's namespace.",
});

export const maxMembers = 16;
const maxDependsOn = 8;

const RolloutSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap("Labels a member Rollout must carry.")),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ minLength: 1 }),
            operator: Type.Unsafe<"In" | "NotIn" | "Exists" | "DoesNotExist">({
              type: "string",
              enum: ["In", "NotIn", "Exists", "DoesNotExist"],
            }),
            values: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
          },
          {
            "x-kubernetes-validations": [
              {
                rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
                message: "values: In and NotIn need at least one value; Exists and DoesNotExist take none",
              },
            ],
          },
        ),
        { maxItems: 16 },
      ),
    ),
  },
  {
    description:
      "The Rollouts of the group's namespace whose labels match (as a Deployment's selector matches pods): all of them are this member, moving together.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.matchLabels) || has(self.matchExpressions)",
        message:
          "selector: give matchLabels or matchExpressions (an empty selector would take every Rollout)",
      },
    ],
  },
);

export type RolloutSelector = Static<typeof RolloutSelector>;

export const GroupMember = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      description:
        "A Rollout in the group's namespace; with selector, the name this member (the Rollouts it selects) goes by in dependsOn.",
    }),
    selector: Type.Optional(RolloutSelector),
    dependsOn: Type.Optional(
      Type.Array(memberName, {
        maxItems: maxDependsOn,
        description:
          "Members that must be Healthy at their new revision before this one may move (each must be another member of this group).",
      }),
    ),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: "!has(self.dependsOn) || self.dependsOn.all(d, d != self.name)",
        message: "a member cannot depend on itself: remove its own name from dependsOn",
        fieldPath: ".dependsOn",
      },
    ],
  },
);

export const RolloutGroupSpec = Type.Object({
  members: Type.Array(GroupMember, {
    minItems: 1,
    maxItems: maxMembers,
    description: "The member Rollouts by name, each with the members it waits for.",
  }),
  onFailure: Type.Optional(
    Type.Unsafe<"undo" | "abort" | "freeze">({
      type: "string",
      enum: ["undo", "abort", "freeze"],
      description:
        "When a member fails (analysis failed or aborted): undo (default) every moved member to the last good release, in reverse dependency order, each after the previous is fully available; abort every moving member; freeze: stop where it is (nothing undone) and alert, for releases whose steps cannot be reversed.",
    }),
  ),
});

export const memberRules: ValidationRule[] = [
  {
    rule: "self.spec.members.all(a, self.spec.members.exists_one(b, b.name == a.name))",
    message: "spec.members: each member name must appear once",
    fieldPath: ".spec.members",
  },
  {
    rule: "self.spec.members.all(m, !has(m.dependsOn) || m.dependsOn.all(d, self.spec.members.exists(o, o.name == d)))",
    message:
      "spec.members[].dependsOn: every name must be a member of this group (add it to spec.members or remove it)",
    fieldPath: ".spec.members",
  },
  {
    // Two-member cycles are expressible here; longer ones are refused by the controller (condition).
    rule: "self.spec.members.all(a, !has(a.dependsOn) || a.dependsOn.all(d, self.spec.members.all(b, b.name != d || !has(b.dependsOn) || !b.dependsOn.exists(e, e == a.name))))",
    message: "spec.members[].dependsOn: two members depend on each other (a cycle): remove one direction",
    fieldPath: ".spec.members",
  },
];

export const MemberRelease = Type.Object({
  name: Type.String(),
  hash: Type.Optional(Type.String({ description: "The member's pod template hash in this release." })),
  previousHash: Type.Optional(
    Type.String({ description: "Its hash in the last good release (the undo target)." }),
  ),
  state: Type.String({
    description:
      "Held, Moving, Healthy, Failed, Undoing, Undone, Aborted, Frozen, Unchanged or Removed (taken out of spec.members during the release, left where it was).",
  }),
});

export const GroupRelease = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  outcome: Type.String({
    description: "Progressing, Succeeded, RollingBack, RolledBack, Aborted or Frozen.",
  }),
  startedAt: Type.Optional(Type.String({ format: "date-time" })),
  finishedAt: Type.Optional(Type.String({ format: "date-time" })),
  failedMember: Type.Optional(Type.String()),
  failure: Type.Optional(
    Type.String({ description: "Why the failed member failed (its abort message: the metric)." }),
  ),
  rollbackOrder: Type.Optional(
    Type.Array(Type.String(), { description: "Members undone, in the order undone." }),
  ),
  undoTo: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "Set on a release that undoes every member to release undoTo (kubectl kestrel undo group/NAME).",
    }),
  ),
  startedBy: Type.Optional(
    Type.String({
      description:
        "Change (a member's template changed) or Command (kubectl kestrel release start: members move without waiting for more edits).",
    }),
  ),
  members: Type.Array(MemberRelease),
});

export const RolloutGroupStatus = Type.Object({
  phase: Type.Optional(
    Type.String({
      description: "Healthy, Progressing, RollingBack, RolledBack, Aborted, Frozen or Invalid.",
    }),
  ),
  message: Type.Optional(Type.String()),
  observedGeneration: Type.Optional(Type.Integer()),
  /** The memory of the group: the controller resumes from here after a crash. */
  releases: Type.Optional(
    Type.Array(GroupRelease, { description: "Releases, newest last (the last 10 kept)." }),
  ),
  conditions: Type.Optional(Type.Array(Condition)),
  handledRequests: Type.Optional(
    Type.Object(
      {
        releaseStart: Type.Optional(Type.String()),
        undoToRelease: Type.Optional(Type.String()),
      },
      {
        description:
          "The last value of each request annotation (kestrel.dev/release-start, kestrel.dev/undo-to-release) acted on.",
      },
    ),
  ),
});

export type RolloutGroupSpec = Static<typeof RolloutGroupSpec>;
export type RolloutGroupStatus = Static<typeof RolloutGroupStatus>;
export type GroupRelease = Static<typeof GroupRelease>;
export type MemberRelease = Static<typeof MemberRelease>;

export interface RolloutGroup {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: Date | string;
    annotations?: Record<string, string>;
  };
  spec: RolloutGroupSpec;
  status?: RolloutGroupStatus;
}
