import assert from "node:assert/strict";
import {
  decideLease,
  defaultTiming,
  stillLeading,
  type LeaseRecord,
} from "../../../controller/kube/lease-decision.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");
const other: LeaseRecord = {
  holderIdentity: "replica-b",
  leaseDurationSeconds: 15,
  renewTime: new Date(t0),
  acquireTime: new Date(t0),
  leaseTransitions: 3,
};

describe("leader election decisions", () => {
  const cases: {
    name: string;
    existing: LeaseRecord | undefined;
    observedAt: number;
    now: number;
    expect: { action: string; acquired?: boolean; holder?: string; transitions?: number };
  }[] = [
    {
      name: "creates the lease when none exists",
      existing: undefined,
      observedAt: t0,
      now: t0,
      expect: { action: "create", transitions: 0 },
    },
    {
      name: "renews its own lease without counting a transition",
      existing: { ...other, holderIdentity: "replica-a" },
      observedAt: t0,
      now: t0 + 2_000,
      expect: { action: "update", acquired: false, transitions: 3 },
    },
    {
      name: "waits while another holder's lease is fresh by our own clock",
      existing: other,
      observedAt: t0 + 5_000,
      now: t0 + 19_000,
      expect: { action: "wait", holder: "replica-b" },
    },
    {
      name: "takes over once leaseDuration has passed since we saw the record change",
      existing: other,
      observedAt: t0,
      now: t0 + 15_000,
      expect: { action: "update", acquired: true, transitions: 4 },
    },
    {
      name: "takes a released lease (empty holder) at once",
      existing: { ...other, holderIdentity: "" },
      observedAt: t0,
      now: t0 + 1,
      expect: { action: "update", acquired: true, transitions: 4 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideLease(c.existing, c.observedAt, c.now, "replica-a", defaultTiming);
      assert.equal(d.action, c.expect.action);
      if (d.action === "wait") assert.equal(d.holder, c.expect.holder);
      if (d.action === "update") {
        assert.equal(d.acquired, c.expect.acquired);
        assert.equal(d.record.holderIdentity, "replica-a");
        assert.equal(d.record.renewTime?.getTime(), c.now);
      }
      if (d.action !== "wait") assert.equal(d.record.leaseTransitions, c.expect.transitions);
    });
  }

  it("a leader stops acting after renewDeadline, before a follower may take over at leaseDuration", () => {
    assert.ok(stillLeading(t0, t0 + 9_999, defaultTiming));
    assert.ok(!stillLeading(t0, t0 + 10_000, defaultTiming));
    assert.ok(defaultTiming.renewDeadlineMs < defaultTiming.leaseDurationMs);
  });
});
