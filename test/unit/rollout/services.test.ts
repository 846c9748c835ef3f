import type { V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Action } from "../../../controller/rollout/actions.js";
import { missingServices, serviceActions } from "../../../controller/rollout/services.js";
import { observe, type PlanState } from "../../../controller/rollout/state.js";
import { rollout } from "./world.js";

const hashLabel = "rollouts-pod-template-hash";

/** A ReplicaSet of revision `hash`: spec replicas, available ones, and whether its status is current. */
function rs(hash: string, replicas: number, available: number, current = true): V1ReplicaSet {
  return {
    metadata: { name: `web-${hash}`, labels: { app: "web", [hashLabel]: hash }, generation: 2 },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas, availableReplicas: available, observedGeneration: current ? 2 : 1 },
  };
}

function svc(name: string, hash?: string): V1Service {
  const selector: Record<string, string> = { app: "web" };
  if (hash) selector[hashLabel] = hash;
  return { metadata: { name, resourceVersion: `rv-${name}` }, spec: { selector } };
}

interface Case {
  name: string;
  replicaSets: V1ReplicaSet[];
  /** The revision of spec.template. */
  hash: string;
  /** Decisions of the strategy stage in the same pass. */
  stableHash: string | undefined;
  abort?: boolean;
  desired?: Record<string, number>;
  stableAt?: string;
  canaryAt?: string;
  prevMessage?: string;
  /** Expected, written by hand: "service -> hash" switches, and the message's waits. */
  switches: string[];
  waits: string[];
  events: string[];
}

const cases: Case[] = [
  {
    name: "no canary: both Services (still selecting every pod) go to the stable revision",
    replicaSets: [rs("a", 3, 3)],
    hash: "a",
    stableHash: "a",
    switches: ["web-stable -> a", "web-canary -> a"],
    waits: [],
    events: ["SwitchService", "SwitchService"],
  },
  {
    name: "a canary step with its pod available: only the canary Service moves",
    replicaSets: [rs("a", 2, 2), rs("b", 1, 1)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "a",
    switches: ["web-canary -> b"],
    waits: [],
    events: ["SwitchService"],
  },
  {
    name: "the canary not fully available (1 of 2): the canary Service stays and says why",
    replicaSets: [rs("a", 2, 2), rs("b", 2, 1)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "a",
    switches: [],
    waits: ["canaryService web-canary stays on a until ReplicaSet web-b is fully available (1/2)"],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "still waiting: said in the message again, but the Event only once",
    replicaSets: [rs("a", 2, 2), rs("b", 2, 1)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "a",
    prevMessage:
      "step 1/2: weight 50; canaryService web-canary stays on a until ReplicaSet web-b is fully available (0/2)",
    switches: [],
    waits: ["canaryService web-canary stays on a until ReplicaSet web-b is fully available (1/2)"],
    events: [],
  },
  {
    name: "all available, but this pass scales it up (desired 3): not yet",
    replicaSets: [rs("a", 2, 2), rs("b", 1, 1)],
    hash: "b",
    stableHash: "a",
    desired: { b: 3, a: 0 },
    stableAt: "a",
    canaryAt: "a",
    switches: [],
    waits: ["canaryService web-canary stays on a until ReplicaSet web-b is fully available (1/3)"],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "a ReplicaSet scaled to zero is never a target (nothing would serve)",
    replicaSets: [rs("a", 2, 2), rs("b", 0, 0)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "a",
    switches: [],
    waits: ["canaryService web-canary stays on a until ReplicaSet web-b is fully available (0/0)"],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "counts the ReplicaSet controller has not caught up with count as unavailable",
    replicaSets: [rs("a", 2, 2), rs("b", 1, 1, false)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "a",
    switches: [],
    waits: ["canaryService web-canary stays on a until ReplicaSet web-b is fully available (0/1)"],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "abort: the canary Service goes back to the stable revision",
    replicaSets: [rs("a", 2, 2), rs("b", 1, 1)],
    hash: "b",
    stableHash: "a",
    abort: true,
    stableAt: "a",
    canaryAt: "b",
    switches: ["web-canary -> a"],
    waits: [],
    events: ["SwitchService"],
  },
  {
    name: "abort while the stable is still scaling back up (2 of 3): the canary Service waits",
    replicaSets: [rs("a", 3, 2), rs("b", 0, 1)],
    hash: "b",
    stableHash: "a",
    abort: true,
    stableAt: "a",
    canaryAt: "b",
    switches: [],
    waits: ["canaryService web-canary stays on b until ReplicaSet web-a is fully available (2/3)"],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "promotion in this pass: the stable Service moves to the new stable",
    replicaSets: [rs("a", 2, 2), rs("b", 3, 3)],
    hash: "b",
    stableHash: "b",
    stableAt: "a",
    canaryAt: "b",
    switches: ["web-stable -> b"],
    waits: [],
    events: ["SwitchService"],
  },
  {
    name: "first version not yet available: no stable to point at; the canary Service waits",
    replicaSets: [rs("a", 3, 1)],
    hash: "a",
    stableHash: undefined,
    switches: [],
    waits: [
      "canaryService web-canary stays on its own selector until ReplicaSet web-a is fully available (1/3)",
    ],
    events: ["ServiceSwitchWaiting"],
  },
  {
    name: "both already right: nothing to do",
    replicaSets: [rs("a", 2, 2), rs("b", 1, 1)],
    hash: "b",
    stableHash: "a",
    stableAt: "a",
    canaryAt: "b",
    switches: [],
    waits: [],
    events: [],
  },
];

function stateFor(c: Case): PlanState {
  const ro = rollout({}, { stableService: "web-stable", canaryService: "web-canary" });
  ro.status = { message: c.prevMessage };
  const services = new Map([
    ["web-stable", svc("web-stable", c.stableAt)],
    ["web-canary", svc("web-canary", c.canaryAt)],
  ]);
  const input = { rollout: ro, replicaSets: c.replicaSets, services, now: new Date(0) };
  const s = observe(input, ro, c.hash, { namespaced: new Map(), cluster: new Map() });
  s.stableHash = c.stableHash;
  s.abort = c.abort ?? false;
  for (const [h, n] of Object.entries(c.desired ?? {})) s.desired.set(h, n);
  s.message = "step 1/2: weight 50";
  return s;
}

const switches = (actions: Action[]): string[] =>
  actions.flatMap((a) => (a.kind === "patchServiceSelector" ? [`${a.service} -> ${a.hash}`] : []));

describe("stage: stable and canary Services", () => {
  for (const c of cases) {
    it(c.name, () => {
      const s = stateFor(c);
      serviceActions(s);
      assert.deepEqual(switches(s.actions), c.switches);
      assert.deepEqual(s.serviceWaits, c.waits);
      assert.deepEqual(
        s.actions.flatMap((a) => (a.kind === "event" ? [a.reason] : [])),
        c.events,
      );
      for (const w of c.waits) assert.ok(s.message.includes(w), `the message says: ${w}`);
    });
  }

  it("patches with the resourceVersion the planner saw (a Service edited since gets a 409)", () => {
    const s = stateFor(cases[1]!);
    serviceActions(s);
    const patch = s.actions.find((a) => a.kind === "patchServiceSelector");
    assert.deepEqual(patch, {
      kind: "patchServiceSelector",
      service: "web-canary",
      hash: "b",
      resourceVersion: "rv-web-canary",
    });
  });

  it("a Service that does not exist is named, with its field and namespace", () => {
    const ro = rollout({}, { stableService: "web-stable", canaryService: "web-canary" });
    assert.deepEqual(missingServices(ro, new Map([["web-stable", svc("web-stable")]])), [
      {
        field: "spec.strategy.canary.canaryService",
        message: 'Service "web-canary" not found in namespace ns; create it or name an existing Service',
      },
    ]);
    assert.deepEqual(missingServices(rollout(), new Map()), [], "no Service named, none missing");
  });
});
