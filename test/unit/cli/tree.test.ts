import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { StoredRollout } from "../../../controller/api/rollout.js";
import { drawTree } from "../../../controller/cli/present.js";
import { rolloutTree } from "../../../controller/cli/tree.js";

const rollout = {
  metadata: { name: "web", uid: "ro-uid" },
  spec: {},
  status: { stableRS: "aaa", currentPodHash: "bbb" },
} as unknown as StoredRollout;

function rs(name: string, hash: string, revision: number, available: number): k8s.V1ReplicaSet {
  return {
    metadata: {
      name,
      uid: `${name}-uid`,
      labels: { "rollouts-pod-template-hash": hash },
      annotations: { "kestrel.dev/revision": String(revision) },
    },
    spec: { replicas: available, selector: {} },
    status: { replicas: available, availableReplicas: available },
  };
}
function pod(name: string, owner: string): k8s.V1Pod {
  return {
    metadata: {
      name,
      ownerReferences: [{ uid: `${owner}-uid`, apiVersion: "apps/v1", kind: "ReplicaSet", name: owner }],
    },
    status: { phase: "Running" },
  };
}
const run = {
  metadata: { name: "web-bbb-1", labels: { "rollouts-pod-template-hash": "bbb" } },
  spec: {},
  status: {
    phase: "Running",
    metricResults: [
      { name: "success-rate", measurements: [{ value: "0.5" }, { value: "0.7012987012987013" }] },
      { name: "latency", measurements: [] },
    ],
  },
} as unknown as AnalysisRun;

describe("rolloutTree: what get draws under a Rollout", () => {
  it("newest revision first, pods then runs under each, the last child of each level closing it, values rounded", () => {
    const tree = rolloutTree(
      rollout,
      [rs("web-aaa", "aaa", 1, 2), rs("web-bbb", "bbb", 2, 1)],
      [pod("web-aaa-x", "web-aaa"), pod("web-bbb-y", "web-bbb"), pod("web-aaa-z", "web-aaa")],
      [run],
    );
    assert.deepEqual(drawTree(tree), [
      "├─ revision 2 ReplicaSet web-bbb (canary) 1/1 available",
      "│  ├─ pod web-bbb-y Running",
      "│  └─ AnalysisRun web-bbb-1 Running success-rate=0.7013 latency=-",
      "└─ revision 1 ReplicaSet web-aaa (stable) 2/2 available",
      "   ├─ pod web-aaa-x Running",
      "   └─ pod web-aaa-z Running",
    ]);
  });

  it("a ReplicaSet neither stable nor current is old, and one without pods has no children", () => {
    const tree = rolloutTree(rollout, [rs("web-ccc", "ccc", 3, 0)], [], []);
    assert.deepEqual(drawTree(tree), ["└─ revision 3 ReplicaSet web-ccc (old) 0/0 available"]);
  });
});
