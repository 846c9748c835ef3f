import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { ControllerProcess, useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, waitForPhase } from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor, waitForReasons } from "../support/wait.js";
import {
  assertOneUndoEach,
  assertReleaseOrder,
  assertReleaseWrites,
  assertRollbackOrder,
  assertRollbackWrites,
  shopGroup,
  duringRelease,
  members,
  memberState,
  placeholderMembers,
  untilOnlyV1,
  waitForGroup,
  webFails,
} from "./shop.js";
import { groupEvents, groupStatus } from "../support/groups.js";

/** A member's spec history when the group undid it once: v2, the undo asked, back on v1. */
const undoneOnce = [
  { version: "v1", rollbackTo: false },
  { version: "v2", rollbackTo: false },
  { version: "v2", rollbackTo: true },
  { version: "v1", rollbackTo: false },
];

describe("RolloutGroup on real pods: db-adapter <- api <- web", () => {
  useRealNode();
  const ns = useNamespace("group");
  useController(ns);

  it("releases db-adapter, api, web in that order, as their requests show; web's failing analysis undoes web, then api, then db-adapter, each after the previous is back", async function () {
    this.timeout(180_000);
    await duringRelease(ns(), "undo", async ({ shop, rollouts, timeline }) => {
      const failedAt = await webFails(ns(), timeline);
      const done = await waitForGroup(ns(), "shop", (s) => s.phase === "RolledBack", "RolledBack");
      await untilOnlyV1(timeline);
      await timeline.stop();
      rollouts.stop();

      assertReleaseOrder(timeline, failedAt);
      assertRollbackOrder(timeline, failedAt);
      assertReleaseWrites(rollouts.log, shop);
      assertRollbackWrites(rollouts.log, shop);

      const release = done.releases?.at(-1);
      assert.equal(release?.failedMember, "web");
      assert.match(release?.failure ?? "", /aborted by analysis.*metric "success-rate" failed/);
      assert.match(done.message ?? "", /web failed \(aborted by analysis.*success-rate/);
      assert.deepEqual(release?.rollbackOrder, ["web", "api", "db-adapter"]);
      const events = await waitFor("the group's GroupRolledBack Event", async () => {
        const e = await groupEvents(ns(), "shop");
        return e.some((x) => x.reason === "GroupRolledBack") ? e : undefined;
      });
      const one = (reason: string, message: RegExp) =>
        assert.equal(
          events.filter((e) => e.reason === reason && message.test(e.message)).length,
          1,
          `one ${reason} Event matching ${message}: ${JSON.stringify(events)}`,
        );
      one("MemberFailed", /web failed: aborted by analysis.*success-rate/);
      one("GroupRollingBack", /undoing web, api, db-adapter in that order/);
      for (const name of members) one("MemberUndone", new RegExp(`^${name}: back on ${shop.v1[name]}`));
      one("GroupRolledBack", /web failed; undone in order: web, api, db-adapter$/);

      for (const name of members) {
        assert.deepEqual(rollouts.specHistory(name), undoneOnce, `${name}'s spec history`);
        const ro = await waitForPhase(ns(), name, "Healthy");
        assert.equal(ro.status?.stableRS, shop.v1[name], `${name} stable on v1 again`);
      }
      await assertOneUndoEach(ns(), shop);
    });
  });
});

describe("RolloutGroup on real pods: onFailure freeze", () => {
  useRealNode();
  const ns = useNamespace("group-freeze");
  useController(ns);

  it("web's failing analysis freezes the release: nothing undone, db-adapter and api keep answering v2 only", async function () {
    this.timeout(150_000);
    await duringRelease(ns(), "freeze", async ({ shop, rollouts, timeline }) => {
      await webFails(ns(), timeline);
      const frozen = await waitForGroup(ns(), "shop", (s) => s.phase === "Frozen", "Frozen");
      const frozenAt = timeline.now();
      const v2At = (m: "db-adapter" | "api") => timeline.latest(m).v2 ?? 0;
      const before = { "db-adapter": v2At("db-adapter"), api: v2At("api") };
      // The observation window: an undo of api would have its v1 pods answering within a few
      // seconds (pod start and readiness probe), well inside 8 s.
      await sleep(8_000);
      await timeline.stop();
      rollouts.stop();

      assertReleaseOrder(timeline, frozenAt);
      assertReleaseWrites(rollouts.log, shop);
      for (const m of ["db-adapter", "api"] as const) {
        assert.equal(
          timeline.firstAnswer(m, "v1", frozenAt),
          undefined,
          `${m} answered v1 again:\n${timeline.describe()}`,
        );
        assert.ok(v2At(m) > before[m], `${m} kept answering v2`);
      }
      // No spec went back, and no undo was asked (web's own abort leaves its template on v2).
      for (const name of members)
        assert.deepEqual(
          rollouts.specHistory(name),
          [
            { version: "v1", rollbackTo: false },
            { version: "v2", rollbackTo: false },
          ],
          `${name}'s spec history`,
        );
      const release = frozen.releases?.at(-1);
      assert.equal(release?.failedMember, "web");
      assert.match(release?.failure ?? "", /aborted by analysis.*success-rate/);
      assert.deepEqual(
        release?.members.map((m) => [m.name, m.state]),
        [
          ["db-adapter", "Healthy"],
          ["api", "Healthy"],
          ["web", "Failed"],
        ],
      );
      const now = await groupStatus(ns(), "shop");
      assert.equal(now.phase, "Frozen");
      assert.equal(now.releases?.at(-1)?.rollbackOrder, undefined);
      const events = await waitForReasons("GroupFrozen", () => groupEvents(ns(), "shop"), ["GroupFrozen"]);
      const reasons = events.map((e) => e.reason);
      assert.ok(
        !reasons.some((r) => r.startsWith("MemberUndo") || r === "GroupRollingBack"),
        JSON.stringify(reasons),
      );
    });
  });
});

describe("RolloutGroup on real pods: a controller SIGKILLed mid-rollback", () => {
  useRealNode();
  const ns = useNamespace("group-kill");
  const first = useController(ns);
  let next: ControllerProcess | undefined;
  afterEach(function () {
    if (this.currentTest?.state === "failed" && next)
      process.stderr.write(`--- restarted controller log (${next.logFile}) ---\n${next.tail(60)}\n`);
  });
  after(async function () {
    this.timeout(30_000);
    await next?.stop();
  });

  it("the next controller finishes the rollback in order, each member undone once", async function () {
    this.timeout(180_000);
    await duringRelease(ns(), "undo", async ({ shop, rollouts, timeline }) => {
      const failedAt = await webFails(ns(), timeline);
      await waitForGroup(
        ns(),
        "shop",
        (s) =>
          ["Undoing", "Undone"].includes(memberState(s, "web") ?? "") && memberState(s, "api") !== "Undone",
        "web undoing or undone, api not yet undone",
        60_000,
      );
      await first().kill();
      // The kill came mid-rollback: api (at best undoing) and db-adapter not yet back.
      const atKill = await groupStatus(ns(), "shop");
      assert.equal(atKill.phase, "RollingBack");
      assert.notEqual(memberState(atKill, "api"), "Undone", "killed too late: api was already undone");
      next = new ControllerProcess([ns()]);
      await next.start();

      const done = await waitForGroup(ns(), "shop", (s) => s.phase === "RolledBack", "RolledBack");
      await untilOnlyV1(timeline);
      await timeline.stop();
      rollouts.stop();

      assert.deepEqual(done.releases?.at(-1)?.rollbackOrder, ["web", "api", "db-adapter"]);
      assertRollbackOrder(timeline, failedAt);
      assertRollbackWrites(rollouts.log, shop);
      // Once each: the undo asked once (spec.rollbackTo set once), the spec back once, one new revision.
      for (const name of members)
        assert.deepEqual(rollouts.specHistory(name), undoneOnce, `${name}'s spec history`);
      await assertOneUndoEach(ns(), shop);
    });
  });
});

describe("RolloutGroup: membership and spec checks", () => {
  const ns = useNamespace("group-two");
  useController(ns);

  it("a Rollout in two groups: the second group is refused for that member, with a condition naming it", async function () {
    this.timeout(120_000);
    await placeholderMembers(ns());
    await apply(ns(), shopGroup("shop", "undo"));
    await waitForGroup(ns(), "shop", (s) => s.phase === "Healthy", "Healthy");
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "RolloutGroup",
      metadata: { name: "other" },
      spec: { members: [{ name: "web" }] },
    });
    const c = await waitFor("a MemberConflict condition on other", async () =>
      (await groupStatus(ns(), "other")).conditions?.find((x) => x.type === "MemberConflict"),
    );
    assert.match(c.message ?? "", /Rollout web already belongs to RolloutGroup shop/);
  });

  it("the API server refuses an unknown dependsOn target, naming the field", async function () {
    await assert.rejects(
      apply(ns(), {
        ...shopGroup("bad", "undo"),
        spec: { members: [{ name: "web", dependsOn: ["nope"] }] },
      }),
      /dependsOn: every name must be a member of this group/,
    );
  });
});
