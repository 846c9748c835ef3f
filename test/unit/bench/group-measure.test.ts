import assert from "node:assert/strict";
import { measureGroupRollback, type GroupRollbackInput } from "../../../bench/lib/group-measure.js";
import type { RolloutState } from "../../../bench/lib/timelines.js";

const t0 = Date.parse("2026-12-01T00:00:00.000Z");

/** A watch sample of a member at t0 + ms. */
const at = (ms: number, o: Partial<RolloutState>): RolloutState => ({
  at: t0 + ms,
  generation: 2,
  observedGeneration: 2,
  phase: "Healthy",
  step: 2,
  podHash: "new",
  stableHash: "new",
  available: 4,
  ...o,
});

/** Healthy at the new hash before the decision; undo written at `undo`; back on "old" at `back`. */
const member = (undo: number, back: number): RolloutState[] => [
  at(-5_000, {}),
  at(undo, { generation: 3 }),
  at(undo + 5, { generation: 4, observedGeneration: 4, phase: "Progressing", podHash: "old" }),
  at(back, { generation: 4, observedGeneration: 4, podHash: "old", stableHash: "old", available: 4 }),
];

const input = (histories: Record<string, RolloutState[]>): GroupRollbackInput => ({
  decidedAt: new Date(t0).toISOString(),
  failedMember: "m02",
  rollbackOrder: ["m02", "m01", "m00"],
  order: ["m00", "m01", "m02"],
  newHash: new Map(Object.keys(histories).map((m) => [m, "new"])),
  oldHash: new Map(Object.keys(histories).map((m) => [m, "old"])),
  replicas: 4,
  history: (m) => histories[m] ?? [],
  rollingBackAt: t0 + 50,
  rolledBackAt: t0 + 900,
});

describe("bench:group measurement", () => {
  it("splits the time to the last member back into each member's wait and its own undo", () => {
    const s = measureGroupRollback(
      input({ m02: member(100, 200), m01: member(250, 500), m00: member(560, 800) }),
    );
    assert.deepEqual(s.steps, [
      { member: "m02", waitMs: 100, undoMs: 100, backMs: 200 },
      { member: "m01", waitMs: 50, undoMs: 250, backMs: 500 },
      { member: "m00", waitMs: 60, undoMs: 240, backMs: 800 },
    ]);
    assert.equal(s.lastMemberBackMs, 800);
    assert.equal(s.waitMs + s.undoMs, s.lastMemberBackMs);
    assert.equal(s.groupRollingBackMs, 50);
    assert.equal(s.groupRolledBackMs, 900);
    assert.equal(s.inOrder, true);
  });

  it("flags an undo written before the member undone before it was back", () => {
    const s = measureGroupRollback(
      input({ m02: member(100, 400), m01: member(300, 500), m00: member(560, 800) }),
    );
    assert.equal(s.inOrder, false);
    assert.equal(s.steps[1]?.waitMs, -100);
  });

  it("counts a member back only when fully available at its old hash", () => {
    const m01 = member(250, 500);
    m01.splice(
      3,
      0,
      at(400, { generation: 4, observedGeneration: 4, podHash: "old", stableHash: "old", available: 3 }),
    );
    const s = measureGroupRollback(input({ m02: member(100, 200), m01, m00: member(560, 800) }));
    assert.equal(s.steps[1]?.backMs, 500);
  });

  it("orders the release by when each member was first Healthy at its new hash", () => {
    const histories = { m00: member(560, 800), m01: member(250, 500), m02: member(100, 200) };
    histories.m00[0] = at(-9_000, {});
    histories.m01[0] = at(-6_000, {});
    // The failing member never was Healthy at its new hash.
    histories.m02[0] = at(-3_000, { phase: "Degraded", stableHash: "old" });
    assert.deepEqual(measureGroupRollback(input(histories)).releaseOrder, ["m00", "m01"]);
  });

  it("names the member the watch never saw back", () => {
    const m00 = member(560, 800).slice(0, 3);
    assert.throws(
      () => measureGroupRollback(input({ m02: member(100, 200), m01: member(250, 500), m00 })),
      /m00: the watch never saw it back on old/,
    );
  });
});
