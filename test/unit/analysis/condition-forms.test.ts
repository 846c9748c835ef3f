import assert from "node:assert/strict";
import { evaluateCondition, validateCondition, type Value } from "../../../controller/analysis/evaluate.js";

/** Every operator and function of the condition language, with values worked out by hand. */
describe("condition language: every form", () => {
  const truthTable: [string, Value, boolean][] = [
    ["result[0] == 1", [1], true],
    ["result[0] == 1", [2], false],
    ["result[0] != 1", [2], true],
    ["result[0] != 1", [1], false],
    ["result[0] < 1", [1], false],
    ["result[0] < 1", [0.5], true],
    ["result[0] <= 1", [1], true],
    ["result[0] <= 1", [1.5], false],
    ["result[0] > 1", [1], false],
    ["result[0] > 1", [2], true],
    ["result[0] >= 1", [1], true],
    ["result[0] >= 1", [0.9], false],
    ["result[0] + 1 == 3", [2], true],
    ["result[0] - 1 == 1", [2], true],
    ["result[0] * 3 == 6", [2], true],
    ["result[0] / 4 == 0.5", [2], true],
    ["result[0] % 3 == 1", [7], true],
    ["-result[0] == -2", [2], true],
    ["+result[0] == 2", [2], true],
    ["not (result[0] > 1)", [0], true],
    ["result[0] > 1 and result[1] > 1", [2, 0], false],
    ["result[0] > 1 or result[1] > 1", [2, 0], true],
    ["result[0] > 1 && result[1] > 1", [2, 2], true],
    ["result[0] > 1 || result[1] > 1", [0, 0], false],
    ["result[0] > 1 or result[1] > 1 and false", [2, 2], true],
    ["(result[0] > 1 or result[1] > 1) and false", [2, 2], false],
    ["none(result, {# > 1})", [0, 1], true],
    ["none(result, {# > 1})", [0, 2], false],
    ["one(result, {# > 1})", [2, 0], true],
    ["one(result, {# > 1})", [2, 3], false],
    ["any(result, {# > 1})", [0, 0], false],
    ["all(result, {# > 1})", [], true],
    ["len(filter(result, {# > 1})) == 2", [1, 2, 3], true],
    ["sum(map(result, {# * 10})) == 60", [1, 2, 3], true],
    ["abs(result[0]) == 2", [-2], true],
    ["min(result) == 1", [3, 1, 2], true],
    ["max(result) == 3", [3, 1, 2], true],
    ["avg(result) == 2", [1, 2, 3], true],
    ["isNaN(avg(result))", [], true],
    ["sum(result) == 0", [], true],
    ["len(result) == 1", 5, true],
    ["len(result) == 5", "hello", true],
    ["min(result) == 4", 4, true],
    ["default(result[0], 7) == 7", [Number.NaN], true],
    ["default(result[0], 7) == 3", [3], true],
    ["default(result.missing, 1) == 1", { present: 2 }, true],
    ["result.ok == true", { ok: true }, true],
    ["result['message'] == 'It worked!'", { message: "It worked!" }, true],
    ["result.error == nil", { error: null }, true],
    ["result.items[1] == 'b'", { items: ["a", "b"] }, true],
    ["result == false", false, true],
    ["isNaN(result[0])", [3], false],
  ];
  for (const [source, result, expected] of truthTable) {
    it(`${source} with ${JSON.stringify(result)} is ${expected}`, () => {
      assert.equal(evaluateCondition(source, result).value, expected);
    });
  }

  it("truthiness: a non-zero number is true, zero and NaN are false, text is not a truth", () => {
    assert.equal(evaluateCondition("result[0] && true", [2]).value, true);
    assert.equal(evaluateCondition("result[0] || false", [0]).value, false);
    assert.equal(evaluateCondition("!result[0]", [Number.NaN]).value, true);
    assert.equal(evaluateCondition("!result", "yes").value, true);
  });

  it("a comparison with NaN on either side is no data, not a verdict; arithmetic alone is not", () => {
    assert.equal(evaluateCondition("result[0] >= 0.95", [Number.NaN]).noData, true);
    assert.equal(evaluateCondition("0.95 <= result[0]", [Number.NaN]).noData, true);
    assert.equal(evaluateCondition("result[0] >= 0.95", [0.97]).noData, false);
    assert.equal(evaluateCondition("isNaN(result[0] + 1)", [Number.NaN]).noData, false);
  });

  const errors: [string, Value, RegExp][] = [
    ["result[0]", [1], /gives 1, not true or false/],
    ["result.x == 1", [1], /an index must be a number/],
    ["result.x == 1", 5, /cannot index 5/],
    ["result[1 == 1]", [1], /an index must be a number/],
    ["result[0] == 1", "text", /cannot index "text"/],
    ["result[true] == 1", { a: 1 }, /a key of an object must be text/],
    ["result.constructor == nil", { a: 1 }, /the key "constructor" does not exist/],
    ["all(result) ", [1], /all\(\) needs a predicate like \{# > 0.9\}/],
    ["map(result) == 1", [1], /map\(\) needs an expression like \{# \* 100\}/],
    ["abs() == 1", [1], /abs\(\) needs 1 argument\(s\)/],
  ];
  for (const [source, result, message] of errors) {
    it(`${source} with ${JSON.stringify(result)} is refused: ${message.source}`, () => {
      assert.throws(() => evaluateCondition(source, result), message);
    });
  }

  const refused: [string, RegExp][] = [
    ["result[0] ** 2 > 1", /unsupported operator \*\*|cannot parse/],
    ["~result[0] > 1", /unsupported operator ~/],
    ["x > 1", /unknown name "x": conditions can use result \(and # inside all\/any\)/],
    [
      "result.filter(1) > 0",
      /unknown function; available: len, isNaN, default, all, any, none, one, filter, map, abs, min, max, sum, avg/,
    ],
    ["[1, 2]", /unsupported syntax \(ArrayExpression\)/],
    ["result[0] > 1 ? true : false", /unsupported syntax \(ConditionalExpression\)/],
  ];
  for (const [source, message] of refused) {
    it(`validateCondition refuses ${source}: ${message.source}`, () => {
      assert.match(validateCondition(source) ?? "", message);
    });
  }

  it("validateCondition accepts every function by name, and result.key (a key is not a variable)", () => {
    for (const f of ["len", "isNaN", "abs", "min", "max", "sum", "avg"])
      assert.equal(validateCondition(`${f}(result) > 0`), undefined, f);
    for (const f of ["all", "any", "none", "one"])
      assert.equal(validateCondition(`${f}(result, {# > 0})`), undefined, f);
    assert.equal(validateCondition("len(filter(result, {# > 0})) > 0"), undefined);
    assert.equal(validateCondition("default(result.anything, 0) > 0"), undefined);
  });

  it("braces inside quotes stay braces", () => {
    assert.equal(evaluateCondition("result.m == '{x}'", { m: "{x}" }).value, true);
    assert.equal(evaluateCondition('result.m == "a\\"{b}"', { m: 'a"{b}' }).value, true);
  });
});
