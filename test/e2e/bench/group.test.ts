import assert from "node:assert/strict";
import { runGroup } from "../../../bench/group.js";
import { memberNames } from "../../../bench/lib/group-members.js";
import { quickSizes } from "../../../bench/quick.js";
import { assertFinite, assertWritten, useBenchContext } from "./support.js";

/**
 * bench:group at its quick size (one rollback of a chain of 3) in CI, so its code cannot rot. It
 * asserts the result's shape and the orders it records, never a time.
 */
describe("bench:group at quick size", () => {
  const ctx = useBenchContext();

  it("a chain of 3 released in order, undone in reverse order, every span measured and written", async function () {
    this.timeout(5 * 60_000);
    const o = quickSizes.group;
    const r = await runGroup(ctx(), o);
    const size = o.members[0]!;
    const chain = memberNames(size);
    assert.equal(r.samples.length, o.count);
    for (const s of r.samples) {
      assert.equal(s.failedMember, chain.at(-1));
      assert.deepEqual(s.releaseOrder, chain.slice(0, -1), "released in dependency order");
      assert.deepEqual(s.rollbackOrder, [...chain].reverse(), "undone in reverse dependency order");
      assert.deepEqual(
        s.steps.map((x) => x.member),
        s.rollbackOrder,
      );
      assert.ok(
        s.inOrder,
        `a member was undone before the one before it was back: ${JSON.stringify(s.steps)}`,
      );
      for (const x of s.steps) assert.ok(x.waitMs >= 0 && x.undoMs >= 0, JSON.stringify(x));
    }
    assertFinite(r.samples, "samples");
    assertFinite(r.summary, "summary");
    assert.deepEqual(Object.keys(r.summary), [String(size)]);
    assert.deepEqual(
      r.summary[String(size)]?.positions.map((p) => p.member),
      [...chain].reverse(),
    );
    assertWritten(r.file, "group");
  });
});
