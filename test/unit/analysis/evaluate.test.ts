import assert from "node:assert/strict";
import { evaluateCondition, validateCondition } from "../../../controller/analysis/evaluate.js";

describe("condition evaluator", () => {
  const cases: [string, number | number[], boolean, boolean?][] = [
    ["result[0] >= 0.95", [0.97], true],
    ["result[0] >= 0.95", [0.7], false],
    ["result >= 0.95", 0.99, true],
    ["result >= 0.95", [0.99], true],
    ["len(result) == 0", [], true],
    ["len(result) == 2", [1, 2], true],
    ["isNaN(result[0])", [Number.NaN], true],
    ["isNaN(result[0])", [], true],
    ["all(result, {# >= 0.9})", [0.95, 0.91], true],
    ["all(result, {# >= 0.9})", [0.95, 0.5], false],
    ["any(result, {# < 0.5})", [0.95, 0.4], true],
    ["default(result[0], 0) < 0.05", [], true],
    ["result[0] > 0.9 && result[1] < 0.1 || false", [0.95, 0.01], true],
    ["!(result[0] > 0.9)", [0.5], true],
    ["result[0] * 100 >= 95", [0.96], true],
    ["sum(result) / len(result) > 0.5", [0.4, 0.8], true],
  ];
  for (const [expr, result, expected] of cases) {
    it(`${expr} with ${JSON.stringify(result)} is ${expected}`, () => {
      assert.equal(evaluateCondition(expr, result).value, expected);
    });
  }

  it("flags a comparison with NaN as no data instead of a verdict", () => {
    const r = evaluateCondition("result[0] >= 0.95", [Number.NaN]);
    assert.deepEqual(r, { value: false, noData: true });
  });

  it("throws a missing-value error for an index beyond the result", () => {
    assert.throws(() => evaluateCondition("result[0] >= 0.95", []), /result\[0\] does not exist/);
  });

  const refused: [string, RegExp][] = [
    ["result[0] >=", /cannot parse "result\[0\] >=": .* at position/],
    ["process.exit(1)", /unknown function; available: len, isNaN/],
    ["require('fs')", /unknown function/],
    ["constructor", /unknown name "constructor"/],
    ["result[0] >= 0.9; result[1]", /single expression|cannot parse/],
  ];
  for (const [expr, message] of refused) {
    it(`refuses ${JSON.stringify(expr)} with a clear message`, () => {
      assert.match(validateCondition(expr) ?? "", message);
    });
  }

  const templated = [
    "result[0] >= {{args.min}}",
    "result[0] >= {{ args.min }} && result[0] <= {{args.max}}",
    '"{{args.env}}" == "prod" || result[0] > 0',
  ];
  for (const expr of templated) {
    it(`accepts the template ${JSON.stringify(expr)} (its values are checked when a run resolves them)`, () => {
      assert.equal(validateCondition(expr), undefined);
    });
  }

  it("still refuses a template that is wrong whatever its values", () => {
    assert.match(
      validateCondition("result[0] >= {{args.min}} {{args.max}}") ?? "",
      /single expression|cannot parse/,
    );
    assert.match(validateCondition("constructor > {{args.min}}") ?? "", /unknown name "constructor"/);
  });
});
