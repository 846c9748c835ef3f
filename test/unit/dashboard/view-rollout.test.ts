import type { CoreV1Event, V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { StoredRollout } from "../../../controller/api/rollout.js";
import {
  eventViews,
  listRow,
  replicaSetViews,
  stepsView,
} from "../../../controller/dashboard/view-rollout.js";

function rollout(currentStepIndex: number | undefined, weight = 0): StoredRollout {
  return {
    metadata: { name: "web", namespace: "shop", uid: "u1" },
    spec: {
      replicas: 4,
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: {} },
            { analysis: { templates: [{ templateName: "rate" }] } },
            { pause: { duration: "30s" } },
          ],
        },
      },
    },
    status: {
      phase: "Paused",
      message: "paused at step 2",
      currentStepIndex,
      stableRS: "aaa",
      currentPodHash: "bbb",
      canary: { weights: { canary: { weight }, stable: { weight: 100 - weight } } },
    },
  } as StoredRollout;
}

describe("dashboard: the steps as a timeline", () => {
  it("steps before the index are done, the one at it current, the rest pending, each in words", () => {
    assert.deepEqual(stepsView(rollout(1)), [
      { index: 0, label: "set weight 20%", state: "done" },
      { index: 1, label: "pause until promoted", state: "current" },
      { index: 2, label: "analysis rate", state: "pending" },
      { index: 3, label: "pause 30s", state: "pending" },
    ]);
  });
  it("past the last step every step is done", () => {
    assert.deepEqual(
      stepsView(rollout(4)).map((s) => s.state),
      ["done", "done", "done", "done"],
    );
  });
  it("no index yet: the first step is current", () => {
    assert.equal(stepsView(rollout(undefined))[0]!.state, "current");
  });
});

const measured = (uid: string, startedAt: string, values: string[]): AnalysisRun => ({
  metadata: {
    name: `run-${startedAt}`,
    ownerReferences: [{ uid, kind: "Rollout", name: "web", apiVersion: "v" }],
  },
  spec: { metrics: [] } as unknown as AnalysisRun["spec"],
  status: {
    phase: "Running",
    startedAt,
    metricResults: [
      {
        name: "m",
        phase: "Running",
        count: 0,
        successful: 0,
        failed: 0,
        inconclusive: 0,
        error: 0,
        consecutiveError: 0,
        measurements: values.map((value) => ({ phase: "Successful", scheduledAt: startedAt, value })),
      },
    ],
  },
});

describe("dashboard: a list row", () => {
  it("phase, the current step counted from 1, weight, and the sparkline of this Rollout's latest run only", () => {
    const row = listRow(rollout(1, 20), [
      measured("u1", "2026-01-01T00:00:00Z", ["1", "2"]),
      measured("u1", "2026-01-02T00:00:00Z", ["0.9", "0.8", "0.7"]),
      measured("other", "2026-01-03T00:00:00Z", ["5"]),
    ]);
    assert.deepEqual(row, {
      namespace: "shop",
      name: "web",
      strategy: "canary",
      phase: "Paused",
      step: "2/4",
      weight: 20,
      message: "paused at step 2",
      sparkline: [0.9, 0.8, 0.7],
      sparklinePhase: "Running",
    });
  });
});

describe("dashboard: a list row's step", () => {
  it("all steps done shows the last one, not one past it", () => {
    assert.equal(listRow(rollout(4), []).step, "4/4");
    assert.equal(listRow(rollout(undefined), []).step, "1/4");
  });
});

describe("dashboard: ReplicaSets and Events", () => {
  const rs = (
    name: string,
    hash: string,
    revision: number,
    replicas: number,
    ready: number,
  ): V1ReplicaSet => ({
    metadata: {
      name,
      labels: { "rollouts-pod-template-hash": hash },
      annotations: { "kestrel.dev/revision": String(revision) },
    },
    spec: {
      replicas,
      selector: {},
      template: { spec: { containers: [{ name: "app", image: `app:${revision}` }] } },
    },
    status: { replicas, readyReplicas: ready, availableReplicas: ready },
  });
  it("roles from status (stable, canary, old), newest revision first, with pod counts", () => {
    assert.deepEqual(
      replicaSetViews(rollout(1), [
        rs("web-aaa", "aaa", 2, 3, 3),
        rs("web-old", "zzz", 1, 0, 0),
        rs("web-bbb", "bbb", 3, 1, 0),
      ]),
      [
        {
          name: "web-bbb",
          revision: 3,
          role: "canary",
          images: ["app:3"],
          desired: 1,
          ready: 0,
          available: 0,
        },
        {
          name: "web-aaa",
          revision: 2,
          role: "stable",
          images: ["app:2"],
          desired: 3,
          ready: 3,
          available: 3,
        },
        { name: "web-old", revision: 1, role: "old", images: ["app:1"], desired: 0, ready: 0, available: 0 },
      ],
    );
  });
  it("Events oldest first by when they were last seen", () => {
    const ev = (reason: string, last: string): CoreV1Event => ({
      metadata: {},
      involvedObject: {},
      reason,
      message: reason,
      type: "Normal",
      lastTimestamp: new Date(last),
    });
    assert.deepEqual(
      eventViews([ev("B", "2026-01-02T00:00:00Z"), ev("A", "2026-01-01T00:00:00Z")]).map((e) => [
        e.reason,
        e.at,
      ]),
      [
        ["A", "2026-01-01T00:00:00.000Z"],
        ["B", "2026-01-02T00:00:00.000Z"],
      ],
    );
  });
});
