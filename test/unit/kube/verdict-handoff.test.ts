import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { OwnerIndex } from "../../../controller/kube/owner-index.js";
import { verdictHandoff } from "../../../controller/kube/verdict-handoff.js";

type Run = AnalysisRun & k8s.KubernetesObject;

const run = (phase: string | undefined, resourceVersion: string): Run =>
  ({
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: "web-abc-2",
      namespace: "ns",
      resourceVersion,
      ownerReferences: [
        {
          apiVersion: "kestrel.dev/v1alpha1",
          kind: "Rollout",
          name: "web",
          uid: "uid-web",
          controller: true,
        },
      ],
    },
    spec: { metrics: [] },
    ...(phase ? { status: { phase } } : {}),
  }) as unknown as Run;

/** The handoff wired to a real OwnerIndex, recording what it enqueued. */
function wired(): { index: OwnerIndex<Run>; enqueued: string[]; handoff: (b: Run, w: Run) => void } {
  const index = new OwnerIndex<Run>();
  const enqueued: string[] = [];
  const handoff = verdictHandoff({
    assume: (over, written) => index.assume(over, written),
    enqueueOwner: (r) => enqueued.push(`${r.metadata?.namespace}/${r.metadata?.ownerReferences?.[0]?.name}`),
  });
  return { index, enqueued, handoff };
}

describe("verdictHandoff: a verdict this controller wrote reaches its Rollout in-process", () => {
  const ending: [string | undefined, string][] = [
    [undefined, "Failed"],
    ["Pending", "Successful"],
    ["Running", "Failed"],
    ["Running", "Error"],
    ["Running", "Inconclusive"],
  ];
  for (const [from, to] of ending)
    it(`${from ?? "no phase"} -> ${to}: the Rollout is queued and reads the written run`, () => {
      const { index, enqueued, handoff } = wired();
      const before = run(from, "10");
      index.update("add", before);
      const written = run(to, "11");
      handoff(before, written);
      assert.deepEqual(enqueued, ["ns/web"]);
      assert.equal(index.ownedBy("uid-web")[0], written);
    });

  const notEnding: [string | undefined, string][] = [
    [undefined, "Running"],
    ["Running", "Running"],
    ["Failed", "Failed"],
    ["Successful", "Successful"],
  ];
  for (const [from, to] of notEnding)
    it(`${from ?? "no phase"} -> ${to}: no verdict is new, nothing is queued or assumed`, () => {
      const { index, enqueued, handoff } = wired();
      const before = run(from, "10");
      index.update("add", before);
      handoff(before, run(to, "11"));
      assert.deepEqual(enqueued, []);
      assert.equal(index.ownedBy("uid-web")[0], before);
    });
});

describe("OwnerIndex.assume: our own write shown before the watch brings it", () => {
  it("replaces the entry the write was made over", () => {
    const index = new OwnerIndex<Run>();
    const before = run("Running", "10");
    index.update("add", before);
    const written = run("Failed", "11");
    assert.equal(index.assume(before, written), true);
    assert.deepEqual(index.ownedBy("uid-web"), [written]);
  });

  it("leaves an entry the watch has already moved past the write's base", () => {
    const index = new OwnerIndex<Run>();
    const before = run("Running", "10");
    const newer = run("Failed", "12");
    index.update("add", before);
    index.update("update", newer);
    assert.equal(index.assume(before, run("Failed", "11")), false);
    assert.deepEqual(index.ownedBy("uid-web"), [newer]);
  });

  it("adds nothing for an object the cache does not hold (deleted meanwhile)", () => {
    const index = new OwnerIndex<Run>();
    assert.equal(index.assume(run("Running", "10"), run("Failed", "11")), false);
    assert.deepEqual(index.ownedBy("uid-web"), []);
  });
});
