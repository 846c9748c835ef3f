import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { canonicalJson, fnv32a, podTemplateHash, shortHash } from "../../../controller/rollout/hash.js";
import { controllerRef } from "../../../controller/rollout/owner.js";
import { historyToDelete, observedCurrent, undoTarget } from "../../../controller/rollout/revisions.js";
import { rollout } from "./world.js";

/**
 * Expected hashes were computed by a separate Python implementation of FNV-1a (32 bit) and of the
 * base-27 encoding in Kubernetes' name alphabet, not by the code under test.
 */
describe("template hashes", () => {
  it("FNV-1a 32 matches its published test vectors", () => {
    assert.equal(fnv32a(""), 0x811c9dc5);
    assert.equal(fnv32a("a"), 0xe40c292c);
    assert.equal(fnv32a("foobar"), 0xbf9cf968);
  });

  const cases: [string, unknown, string][] = [
    [
      "keys sorted at every depth",
      { b: 1, a: { d: [1, { f: 2, e: 3 }], c: "x" } },
      '{"a":{"c":"x","d":[1,{"e":3,"f":2}]},"b":1}',
    ],
    [
      "null and undefined fields dropped like absent ones",
      { a: null, b: undefined, c: 0, d: "", e: false },
      '{"c":0,"d":"","e":false}',
    ],
    ["arrays keep their order", [3, 1, 2], "[3,1,2]"],
    ["a Date as its ISO string", { t: new Date("2026-01-01T00:00:00Z") }, '{"t":"2026-01-01T00:00:00.000Z"}'],
    ["strings escaped as JSON", { 'q"': 'a"b' }, '{"q\\"":"a\\"b"}'],
  ];
  for (const [name, value, expected] of cases) {
    it(`canonical JSON: ${name}`, () => assert.equal(canonicalJson(value), expected));
  }

  const template = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "web:1" }] },
  };
  it("a pod template hashes to mcdp6mf whatever the key order, with or without the hash label", () => {
    assert.equal(podTemplateHash(template), "mcdp6mf");
    assert.equal(
      podTemplateHash({
        spec: { containers: [{ image: "web:1", name: "web" }] },
        metadata: { labels: { app: "web" } },
      }),
      "mcdp6mf",
    );
    assert.equal(
      podTemplateHash({
        ...template,
        metadata: { labels: { app: "web", "rollouts-pod-template-hash": "zzz" } },
      }),
      "mcdp6mf",
    );
    assert.notEqual(
      podTemplateHash({ ...template, spec: { containers: [{ name: "web", image: "web:2" }] } }),
      "mcdp6mf",
    );
  });

  it("shortHash of a steps list", () => {
    assert.equal(shortHash([{ setWeight: 20 }, { pause: {} }]), "dwfnfjx");
  });
});

describe("owner references and revisions", () => {
  it("what a Rollout creates is controlled by it, and waits for its deletion", () => {
    const ro = rollout();
    assert.deepEqual(controllerRef(ro), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "Rollout",
      name: "web",
      uid: "uid-1",
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  const rs = (
    name: string,
    revision: number | undefined,
    replicas: number,
    statusReplicas = replicas,
  ): V1ReplicaSet => ({
    metadata: {
      name,
      labels: { "rollouts-pod-template-hash": name },
      annotations: revision === undefined ? {} : { "kestrel.dev/revision": String(revision) },
      generation: 2,
    },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas: statusReplicas, observedGeneration: 2 },
  });

  it("undoTarget: a named revision, the previous one, or a message listing the known ones", () => {
    const all = [rs("a", 1, 0), rs("b", 3, 0), rs("c", 2, 0), rs("x", undefined, 0), rs("cur", 4, 5)];
    assert.equal((undoTarget(all, 2, "cur") as { rs: V1ReplicaSet }).rs.metadata?.name, "c");
    assert.equal((undoTarget(all, 0, "cur") as { rs: V1ReplicaSet }).rs.metadata?.name, "b");
    assert.deepEqual(undoTarget(all, 9, "cur"), {
      error: "revision 9 not found; known revisions: 1, 2, 3, 4",
    });
    assert.deepEqual(undoTarget([rs("cur", 1, 5)], 0, "cur"), { error: "no earlier revision to undo to" });
    assert.deepEqual(undoTarget([], 3, "cur"), { error: "revision 3 not found; known revisions: none" });
  });

  it("historyToDelete: scaled-down revisions beyond the limit, oldest first; never kept ones, never one with pods", () => {
    const all = [
      rs("r1", 1, 0),
      rs("r2", 2, 0),
      rs("r3", 3, 0, 1),
      rs("r4", 4, 0),
      rs("r5", 5, 2),
      rs("r6", 6, 0),
    ];
    const names = (list: V1ReplicaSet[]): string[] => list.map((r) => r.metadata?.name ?? "");
    assert.deepEqual(
      names(historyToDelete(all, new Set(["r6"]), 1)),
      ["r2", "r1"],
      "r4 kept by the limit; r3 still has a pod",
    );
    assert.deepEqual(names(historyToDelete(all, new Set(["r6", "r1"]), 0)), ["r4", "r2"]);
  });

  it("a ReplicaSet's counts are trusted only once its controller has seen the latest spec", () => {
    const seen = rs("a", 1, 3);
    assert.equal(observedCurrent(seen), true);
    assert.equal(observedCurrent({ ...seen, status: { ...seen.status!, observedGeneration: 1 } }), false);
    assert.equal(
      observedCurrent({
        ...seen,
        metadata: { ...seen.metadata, generation: undefined },
        status: { replicas: 3 },
      }),
      true,
    );
  });
});
