import assert from "node:assert/strict";
import {
  nextSplit,
  resolveIntOrPercent,
  surgeLimits,
  weightTarget,
} from "../../../controller/rollout/replicas.js";

describe("replica arithmetic", () => {
  // [replicas, weight, maxSurge, stable, canary]. The weight-30 rows at the default surge (25%,
  // rounded up) are what Argo Rollouts v1.10 was measured to run; the others follow its rule by
  // hand: the nearest share among {ceil, floor} x {replicas, replicas + 1 if surge}, ties to the
  // earlier, no side empty for weights 1-99 unless one replica may not surge.
  const weights: [number, number, number, number, number][] = [
    [1, 30, 1, 1, 1],
    [2, 30, 1, 2, 1],
    [3, 30, 1, 2, 1],
    [5, 30, 2, 4, 2],
    [10, 30, 3, 7, 3],
    [1, 30, 0, 1, 0],
    [1, 50, 0, 0, 1],
    [1, 95, 1, 1, 1],
    [1, 5, 1, 1, 1],
    [2, 50, 1, 1, 1],
    [2, 75, 1, 1, 2],
    [2, 75, 0, 1, 1],
    [3, 50, 1, 2, 2],
    [3, 50, 0, 1, 2],
    [3, 10, 1, 3, 1],
    [3, 10, 0, 2, 1],
    [5, 20, 2, 4, 1],
    [5, 50, 2, 3, 3],
    [5, 50, 0, 2, 3],
    [5, 80, 2, 1, 4],
    [10, 5, 3, 10, 1],
    [10, 15, 3, 9, 2],
    [10, 20, 3, 8, 2],
    [10, 25, 3, 8, 3],
    [10, 25, 0, 7, 3],
    [10, 50, 3, 5, 5],
    [10, 100, 3, 0, 10],
    [10, 0, 3, 10, 0],
    [0, 50, 0, 0, 0],
  ];
  for (const [replicas, weight, maxSurge, stable, canary] of weights) {
    it(`weight ${weight} of ${replicas} replicas (maxSurge ${maxSurge}) is ${stable} stable / ${canary} canary`, () => {
      assert.deepEqual(weightTarget(replicas, weight, maxSurge), { canary, stable });
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

  // The first move from a full stable towards a weight, within the limits: [replicas, weight,
  // maxSurge, maxUnavailable, canary, stable]. Hand-derived: total pods never exceed replicas +
  // maxSurge, available pods never drop below replicas - maxUnavailable.
  const firstMoves: [number, number, number, number, number, number][] = [
    [10, 10, 1, 1, 1, 9],
    [10, 30, 3, 0, 3, 10],
    [10, 30, 0, 5, 0, 7],
    [1, 5, 1, 0, 1, 1],
    [1, 95, 1, 0, 1, 1],
    [2, 30, 1, 0, 1, 2],
    [5, 30, 2, 0, 2, 5],
    [5, 30, 1, 1, 1, 4],
  ];
  for (const [replicas, weight, maxSurge, maxUnavailable, canary, stable] of firstMoves) {
    it(`first move to weight ${weight} of ${replicas} (surge ${maxSurge}, unavailable ${maxUnavailable}) is ${canary} canary / ${stable} stable`, () => {
      const limits = { maxSurge, maxUnavailable };
      const target = weightTarget(replicas, weight, maxSurge);
      const current = {
        canaryReplicas: 0,
        canaryAvailable: 0,
        stableReplicas: replicas,
        stableAvailable: replicas,
      };
      assert.deepEqual(nextSplit(replicas, target, current, limits), { canary, stable });
    });
  }
});
