import assert from "node:assert/strict";
import {
  getCondition,
  removeCondition,
  setCondition,
  type Condition,
} from "../../../controller/rollout/conditions.js";

/** Conditions as Kubernetes keeps them: expected times written from the two rules (transition, update). */

const t0 = "2026-01-01T00:00:00.000Z";
const t1 = new Date("2026-01-01T00:01:00.000Z");
const c = (type: string, status: string, reason = "R", message = "m"): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: t0,
  lastUpdateTime: t0,
});
const times = (x: Condition | undefined): string => `${x?.lastTransitionTime} ${x?.lastUpdateTime}`;

describe("conditions", () => {
  it("a new condition is appended with both times now, the others kept in place", () => {
    const list = setCondition([c("A", "True")], { type: "B", status: "True", reason: "R", message: "m" }, t1);
    assert.deepEqual(
      list.map((x) => x.type),
      ["A", "B"],
    );
    assert.equal(times(list[1]), `${t1.toISOString()} ${t1.toISOString()}`);
    assert.equal(times(list[0]), `${t0} ${t0}`);
    assert.deepEqual(setCondition(undefined, c("A", "True"), t1).length, 1);
  });

  it("the same condition again: both times kept; the first one in the list is replaced, not duplicated", () => {
    const list = setCondition([c("A", "True"), c("B", "True")], c("A", "True"), t1);
    assert.deepEqual(
      list.map((x) => `${x.type} ${times(x)}`),
      [`A ${t0} ${t0}`, `B ${t0} ${t0}`],
    );
  });

  it("same status, new reason or message: update time now, transition time kept", () => {
    for (const next of [c("A", "True", "Other"), c("A", "True", "R", "other")]) {
      const [x] = setCondition([c("A", "True")], next, t1);
      assert.equal(times(x), `${t0} ${t1.toISOString()}`, `${next.reason} ${next.message}`);
    }
  });

  it("a new status: both times now", () => {
    const [x] = setCondition([c("A", "True")], c("A", "False"), t1);
    assert.equal(times(x), `${t1.toISOString()} ${t1.toISOString()}`);
  });

  it("removeCondition drops only that type; getCondition finds by type", () => {
    const list = [c("A", "True"), c("B", "False")];
    assert.deepEqual(
      removeCondition(list, "A").map((x) => x.type),
      ["B"],
    );
    assert.deepEqual(removeCondition(undefined, "A"), []);
    assert.equal(getCondition(list, "B")?.status, "False");
    assert.equal(getCondition(list, "C"), undefined);
  });
});
