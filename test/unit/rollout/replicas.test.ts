import assert from "node:assert/strict";
import {
  nextSplit,
  resolveIntOrPercent,
  surgeLimits,
  weightTarget,
} from "../../../controller/rollout/replicas.js";

describe("replica arithmetic", () => {
  const weights: [number, number, { canary: number; stable: number }][] = [
    [10, 20, { canary: 2, stable: 8 }],
    [10, 50, { canary: 5, stable: 5 }],
    [10, 100, { canary: 10, stable: 0 }],
    [3, 10, { canary: 1, stable: 2 }],
    [0, 50, { canary: 0, stable: 0 }],
  ];
  for (const [replicas, weight, expected] of weights) {
    it(`weight ${weight} of ${replicas} replicas is ${expected.canary} canary / ${expected.stable} stable`, () => {
      assert.deepEqual(weightTarget(replicas, weight), expected);
    });
  }

  it("resolves counts and percentages, rounding surge up and unavailability down", () => {
    assert.equal(resolveIntOrPercent("25%", 10, true, 0), 3);
    assert.equal(resolveIntOrPercent("25%", 10, false, 0), 2);
    assert.equal(resolveIntOrPercent(4, 10, true, 0), 4);
    assert.equal(resolveIntOrPercent(undefined, 10, true, 7), 7);
  });

  it("allows one unavailable pod when both limits are zero", () => {
    assert.deepEqual(surgeLimits(10, 0, 0), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(surgeLimits(10, undefined, undefined), { maxSurge: 3, maxUnavailable: 0 });
  });

  const transitions: {
    name: string;
    current: [number, number, number, number];
    target: [number, number];
    limits: [number, number];
    next: [number, number];
  }[] = [
    {
      name: "surges the canary first",
      current: [0, 0, 10, 10],
      target: [2, 8],
      limits: [3, 0],
      next: [2, 10],
    },
    {
      name: "shrinks stable once canary pods are available",
      current: [2, 2, 10, 10],
      target: [2, 8],
      limits: [3, 0],
      next: [2, 8],
    },
    { name: "caps the surge", current: [0, 0, 10, 10], target: [5, 5], limits: [1, 0], next: [1, 10] },
    {
      name: "uses maxUnavailable to shrink stable before the canary is ready",
      current: [0, 0, 10, 10],
      target: [5, 5],
      limits: [0, 2],
      next: [0, 8],
    },
    {
      name: "scales stable back up within the surge, keeping the canary until stable pods are available",
      current: [5, 5, 5, 5],
      target: [0, 10],
      limits: [3, 0],
      next: [5, 8],
    },
  ];
  for (const t of transitions) {
    it(`next split ${t.name}`, () => {
      const [canaryReplicas, canaryAvailable, stableReplicas, stableAvailable] = t.current;
      const next = nextSplit(
        10,
        { canary: t.target[0], stable: t.target[1] },
        { canaryReplicas, canaryAvailable, stableReplicas, stableAvailable },
        { maxSurge: t.limits[0], maxUnavailable: t.limits[1] },
      );
      assert.deepEqual(next, { canary: t.next[0], stable: t.next[1] });
    });
  }
});
