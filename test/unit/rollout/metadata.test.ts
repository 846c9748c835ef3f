import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Action } from "../../../controller/rollout/actions.js";
import { ephemeralMetadata } from "../../../controller/rollout/metadata.js";
import { planRollout, templateOf } from "../../../controller/rollout/plan.js";
import { observe } from "../../../controller/rollout/state.js";
import { validateRollout } from "../../../controller/api/validate.js";
import { rollout } from "./world.js";

const hashLabel = "rollouts-pod-template-hash";
const recordKey = "kestrel.dev/ephemeral-metadata";
const canaryMetadata = { labels: { role: "canary", track: "new" } };
const stableMetadata = { labels: { role: "stable" }, annotations: { "example.com/role": "stable" } };

/** A ReplicaSet of revision `hash` with `replicas`, and the record of what was last written, if any. */
function rs(hash: string, replicas: number, record?: string): V1ReplicaSet {
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { app: "web", [hashLabel]: hash },
      annotations: record ? { [recordKey]: record } : {},
    },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas },
  };
}

// The records, written out by hand: keys sorted, empty maps kept.
const canaryRecord = '{"annotations":{},"labels":{"role":"canary","track":"new"}}';
const stableRecord = '{"annotations":{"example.com/role":"stable"},"labels":{"role":"stable"}}';
// While a sync is under way: the keys of both sides (new values), marked pending.
const toStablePending =
  '{"annotations":{"example.com/role":"stable"},"labels":{"role":"stable"},"pending":true}';
const toCanaryPending = '{"annotations":{},"labels":{"role":"canary","track":"new"},"pending":true}';
const canaryToStablePending =
  '{"annotations":{"example.com/role":"stable"},"labels":{"role":"stable","track":"new"},"pending":true}';

/** Revision b taking the canary role from none. */
const bToCanary = {
  replicaSet: "web-b",
  hash: "b",
  labels: { role: "canary", track: "new" },
  annotations: {},
  pendingRecord: toCanaryPending,
  record: canaryRecord,
};

interface Case {
  name: string;
  replicaSets: V1ReplicaSet[];
  hash: string;
  stableHash: string | undefined;
  expected: Omit<Extract<Action, { kind: "syncPodMetadata" }>, "kind">[];
}

const cases: Case[] = [
  {
    name: "first version (no stable yet): it is the stable one",
    replicaSets: [rs("a", 3)],
    hash: "a",
    stableHash: undefined,
    expected: [
      {
        replicaSet: "web-a",
        hash: "a",
        labels: { role: "stable" },
        annotations: { "example.com/role": "stable" },
        pendingRecord: toStablePending,
        record: stableRecord,
        pods: true,
      },
    ],
  },
  {
    name: "canary step, both in sync: nothing",
    replicaSets: [rs("a", 2, stableRecord), rs("b", 1, canaryRecord)],
    hash: "b",
    stableHash: "a",
    expected: [],
  },
  {
    name: "promoted in this pass: the canary's pods become stable in place (its own keys removed); the old stable is cleaned, template only",
    replicaSets: [rs("a", 2, stableRecord), rs("b", 3, canaryRecord)],
    hash: "b",
    stableHash: "b",
    expected: [
      {
        replicaSet: "web-a",
        hash: "a",
        labels: { role: null },
        annotations: { "example.com/role": null },
        pendingRecord: toStablePending,
        record: null,
        pods: false,
      },
      {
        replicaSet: "web-b",
        hash: "b",
        labels: { role: "stable", track: null },
        annotations: { "example.com/role": "stable" },
        pendingRecord: canaryToStablePending,
        record: stableRecord,
        pods: true,
      },
    ],
  },
  {
    name: "a sync left under way (its record still pending) is not taken as done: it is done again",
    replicaSets: [rs("a", 2, stableRecord), rs("b", 1, toCanaryPending)],
    hash: "b",
    stableHash: "a",
    expected: [{ ...bToCanary, pods: true }],
  },
  {
    name: "left mid-way to stable, then back to canary: every key the pending record names that canary lacks is removed",
    replicaSets: [rs("a", 2, stableRecord), rs("b", 1, canaryToStablePending)],
    hash: "b",
    stableHash: "a",
    expected: [
      {
        replicaSet: "web-b",
        hash: "b",
        labels: { role: "canary", track: "new" },
        annotations: { "example.com/role": null },
        pendingRecord:
          '{"annotations":{"example.com/role":"stable"},"labels":{"role":"canary","track":"new"},"pending":true}',
        record: canaryRecord,
        pods: true,
      },
    ],
  },
  {
    name: "scaled to zero while its pods are still going: they are relabelled too",
    replicaSets: [rs("a", 3, stableRecord), { ...rs("b", 0), status: { replicas: 2 } }],
    hash: "b",
    stableHash: "a",
    expected: [{ ...bToCanary, pods: true }],
  },
  {
    name: "a canary scaled to zero (aborted) keeps its role, and has no pods to update",
    replicaSets: [rs("a", 3, stableRecord), rs("b", 0)],
    hash: "b",
    stableHash: "a",
    expected: [{ ...bToCanary, pods: false }],
  },
];

describe("stage: ephemeral metadata (canaryMetadata, stableMetadata)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const ro = rollout({}, { canaryMetadata, stableMetadata });
      const s = observe({ rollout: ro, replicaSets: c.replicaSets, now: new Date(0) }, ro, c.hash, {
        namespaced: new Map(),
        cluster: new Map(),
      });
      s.stableHash = c.stableHash;
      ephemeralMetadata(s);
      assert.deepEqual(
        s.actions,
        c.expected.map((e) => ({ kind: "syncPodMetadata", ...e })),
      );
    });
  }

  it("a new canary ReplicaSet is created with canaryMetadata on its pod template only, and the record", () => {
    const ro = rollout({}, { canaryMetadata, stableMetadata });
    const stable = rs("a", 10, stableRecord);
    stable.metadata!.annotations!["kestrel.dev/revision"] = "1";
    stable.metadata!.annotations!["kestrel.dev/completed"] = "true";
    stable.status = { replicas: 10, availableReplicas: 10 };
    ro.status = { stableRS: "a", currentPodHash: "a" };
    const plan = planRollout({ rollout: ro, replicaSets: [stable], now: new Date(0) });
    const create = plan.actions.find((a) => a.kind === "createReplicaSet");
    assert.ok(create && create.kind === "createReplicaSet");
    const created = create.replicaSet;
    const hash = created.metadata?.labels?.[hashLabel] ?? "";
    assert.deepEqual(created.spec?.template?.metadata?.labels, {
      app: "web",
      [hashLabel]: hash,
      role: "canary",
      track: "new",
    });
    assert.deepEqual(
      created.metadata?.labels,
      { app: "web", [hashLabel]: hash },
      "not on the ReplicaSet itself",
    );
    assert.equal(created.metadata?.annotations?.[recordKey], canaryRecord);
  });

  it("an undo copies back the template without the ephemeral metadata", () => {
    const old = rs("a", 0, stableRecord);
    old.spec!.template = {
      metadata: {
        labels: { app: "web", [hashLabel]: "a", role: "stable" },
        annotations: { "example.com/role": "stable" },
      },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    };
    assert.deepEqual(templateOf(old), {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    });
  });

  it("a key the pod template sets itself cannot be ephemeral (its removal would remove the user's own)", () => {
    const ro = rollout({}, { canaryMetadata: { labels: { app: "other", role: "canary" } } });
    assert.deepEqual(validateRollout(ro), [
      {
        field: "spec.strategy.canary.canaryMetadata.labels",
        message: "app is already set by spec.template.metadata.labels; use a key of its own (e.g. role)",
      },
    ]);
  });
});
