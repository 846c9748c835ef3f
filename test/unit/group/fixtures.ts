import type { RolloutGroup, RolloutGroupSpec } from "../../../controller/api/group.js";
import { planGroup } from "../../../controller/group/plan.js";
import type { GroupAction, MemberView } from "../../../controller/group/types.js";

/** Planner fixtures: a group "shop" of web <- api <- db-adapter, reconciled 10 s apart. */
export const start = Date.parse("2026-01-01T00:00:00Z");
export const chain: RolloutGroupSpec = {
  members: [
    { name: "web", dependsOn: ["api"] },
    { name: "api", dependsOn: ["db-adapter"] },
    { name: "db-adapter" },
  ],
};

/** A member Healthy on `hash`, held by group "shop" at that hash. */
export const healthy = (hash: string, over: Partial<MemberView> = {}): MemberView => ({
  hash,
  stableHash: hash,
  phase: "Healthy",
  message: "",
  observed: true,
  available: true,
  aborted: false,
  undoAsked: false,
  group: "shop",
  released: hash,
  claimedBy: "shop",
  ...over,
});
/** A member whose template moved to `hash` from stable `stable`. */
export const moving = (hash: string, stable: string, over: Partial<MemberView> = {}): MemberView =>
  healthy(hash, { stableHash: stable, phase: "Paused", released: stable, ...over });

export class Group {
  g: RolloutGroup;
  /** Each reconcile is 10 s after the previous one (past the release's settling time). */
  t = start;
  annotations: Record<string, string> = {};
  constructor(spec: RolloutGroupSpec = chain) {
    this.g = { metadata: { name: "shop", namespace: "ns", generation: 1 }, spec };
  }
  /** One reconcile: the plan's status is written back, as the shell does. */
  plan(
    members: Record<string, MemberView>,
    afterMs = 10_000,
    strays: Record<string, MemberView> = {},
    selected: Record<string, string[]> = {},
  ): GroupAction[] {
    this.t += afterMs;
    const group = { ...this.g, metadata: { ...this.g.metadata, annotations: this.annotations } };
    const p = planGroup({
      group,
      members: new Map(Object.entries(members)),
      strays: new Map(Object.entries(strays)),
      selected: new Map(Object.entries(selected)),
      now: new Date(this.t),
    });
    this.g = { ...this.g, status: p.status };
    return p.actions;
  }
  get last() {
    return this.g.status?.releases?.at(-1);
  }
}
export const writes = (actions: GroupAction[]) => actions.filter((a) => a.kind !== "event");
export const reasons = (actions: GroupAction[]) =>
  actions.flatMap((a) => (a.kind === "event" ? [a.reason] : []));
export const all = (web: MemberView, api: MemberView, db: MemberView) => ({ web, api, "db-adapter": db });

/** A group at release 1 (a1/b1/c1), then every member's template changed (a2/b2/c2): release 2. */
export function startedRelease(spec: RolloutGroupSpec = chain): Group {
  const g = new Group(spec);
  g.plan(all(healthy("w1"), healthy("a1"), healthy("d1")));
  g.plan(all(moving("w2", "w1"), moving("a2", "a1"), moving("d2", "d1")));
  g.plan(all(moving("w2", "w1"), moving("a2", "a1"), moving("d2", "d1")));
  return g;
}

/** Release 2 with db-adapter and api Healthy at the new revision and web failed by its analysis. */
export function webFailed(spec: RolloutGroupSpec): { g: Group; actions: GroupAction[] } {
  const g = startedRelease(spec);
  g.plan(all(moving("w2", "w1"), moving("a2", "a1"), healthy("d2")));
  g.plan(all(moving("w2", "w1"), healthy("a2"), healthy("d2")));
  const failed = moving("w2", "w1", {
    released: "w2",
    phase: "Degraded",
    aborted: true,
    message: "metric error-rate failed: 0.4 > 0.05",
  });
  return { g, actions: g.plan(all(failed, healthy("a2"), healthy("d2"))) };
}
