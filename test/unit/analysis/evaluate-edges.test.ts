import assert from "node:assert/strict";
import {
  ConditionError,
  evaluateCondition,
  isMissingValue,
  validateCondition,
  type Value,
} from "../../../controller/analysis/evaluate.js";

/**
 * The parser keeps every condition it parsed for the life of the process, so a source seen once
 * is never parsed again. These tests are about parsing itself, so each call gets a source it has
 * not seen: trailing spaces, which the grammar ignores, a different number each time.
 */
let calls = 0;
const fresh = (source: string): string => `${source}${" ".repeat(++calls)}`;
const holds = (source: string, result: Value): boolean => evaluateCondition(fresh(source), result).value;

describe("condition language: parsing edges", () => {
  it("braces inside either quote kind stay text; outside they are a predicate", () => {
    assert.equal(holds("result.m == '{x}'", { m: "{x}" }), true);
    assert.equal(holds('result.m == "{x}"', { m: "{x}" }), true);
    assert.equal(holds('result.m == "a\\"{b}"', { m: 'a"{b}' }), true);
    assert.equal(holds("result.m == 'it\\'s {x}'", { m: "it's {x}" }), true);
    assert.equal(holds('result.m == "\'{"', { m: "'{" }), true);
    assert.equal(holds('"}" == "}" and all(result.xs, {# > 1})', { xs: [2, 3] }), true);
    assert.equal(holds('"}" == "}" and all(result.xs, {# > 1})', { xs: [2, 0] }), false);
  });

  it("a literal on its own, a key after a dot, an index that is an expression", () => {
    assert.equal(holds("true", 0), true);
    assert.equal(holds("result.ok", { ok: true }), true);
    assert.equal(holds("result[len(result) - 1] == 3", [1, 2, 3]), true);
    assert.equal(validateCondition(fresh("result[x] > 0"))?.startsWith('unknown name "x"'), true);
  });

  it("a call on anything but a known name is refused", () => {
    assert.equal(
      validateCondition(fresh("result.len(1) > 0"))?.startsWith("unknown function; available: len"),
      true,
    );
  });

  it("a syntax error names the position", () => {
    assert.equal(
      validateCondition("result[0] >= )"),
      'cannot parse "result[0] >= )": Expected expression after >= at position 13',
    );
  });
});

describe("condition language: evaluation edges", () => {
  it("unary minus negates, unary plus does not", () => {
    assert.equal(holds("-result[0] < 0", [2]), true);
    assert.equal(holds("+result[0] > 0", [2]), true);
    assert.equal(holds("-result[0] == 0 - 2", [2]), true);
  });

  it("an index beyond the vector, or below it, is missing data", () => {
    for (const source of ["result[1] > 0", "result[-1] > 0"])
      assert.throws(
        () => evaluateCondition(source, [1]),
        (err) => isMissingValue(err),
      );
  });

  it("every comparison with NaN is no data", () => {
    for (const op of ["<", "<=", ">", ">=", "==", "!="])
      assert.equal(evaluateCondition(`result[0] ${op} 1`, [Number.NaN]).noData, true, op);
    assert.equal(evaluateCondition("result[0] + 1 > 0 or true", [Number.NaN]).noData, true);
  });

  it("any: true when at least one holds, whatever the others", () => {
    assert.equal(holds("any(result, {# > 1})", [2, 3]), true);
    assert.equal(holds("any(result, {# > 1})", [0, 3]), true);
  });

  it("isNaN of a missing element is true; of something that cannot be indexed, an error", () => {
    assert.equal(holds("isNaN(result[3])", [1]), true);
    assert.throws(() => evaluateCondition("isNaN(result.a)", 5), ConditionError);
  });

  it("default: for undefined, null, NaN and a missing key; an error is not a default", () => {
    assert.equal(holds("default(result.a, 1) == 1", { a: null }), true);
    assert.equal(holds("default(result, 2) == 2", undefined), true);
    assert.equal(holds("default(result.a, 1) == 1", { b: 0 }), true);
    assert.equal(holds("default(result.a, 1) == 0", { a: 0 }), true);
    assert.throws(() => evaluateCondition("default(result.a, 1) == 1", 5), /cannot index 5/);
  });

  it("null cannot be indexed", () => {
    assert.throws(() => evaluateCondition("result.a == 1", null), /cannot index null/);
  });

  it("numbers: a one-element vector is its number; text, several values or none are not", () => {
    assert.equal(holds("result > 1", [5]), true);
    assert.throws(() => evaluateCondition("result < 1", "abc"), /expected a number, got "abc"/);
    assert.throws(() => evaluateCondition("result < 1", [1, 2]), /expected a number, got \[1,2\]/);
    assert.throws(() => evaluateCondition("result < 1", ["a"]), /expected a number, got \["a"\]/);
    assert.throws(
      () => evaluateCondition("result < 1", []),
      (err) => isMissingValue(err) && (err as Error).message === "the result is empty",
    );
  });
});
