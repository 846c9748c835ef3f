import assert from "node:assert/strict";
import { substituteArgs } from "../../../controller/analysis/template.js";

describe("query templating", () => {
  it("inserts values inside and outside quotes", () => {
    assert.equal(
      substituteArgs('rate(x{app="{{args.app}}"}[{{ args.window }}])', { app: "web-1", window: "5m" }),
      'rate(x{app="web-1"}[5m])',
    );
  });

  const injections: [string, string, RegExp][] = [
    ['x{app="{{args.app}}"}', 'web"} or vector(1) or x{a="', /contains ", a backslash or a newline/],
    ["x{app='{{args.app}}'}", "web' ", /contains '/],
    ['x{app="{{args.app}}"}', 'web\\"', /backslash/],
    ["x > {{args.threshold}}", "0 or vector(1)", /not a plain number or name/],
    ['x{app="{{args.app}}"}', "web\n", /newline/],
  ];
  for (const [query, value, message] of injections) {
    it(`refuses an argument that would change the query: ${JSON.stringify(value)}`, () => {
      assert.throws(() => substituteArgs(query, { app: value, threshold: value }), message);
    });
  }

  it("names a missing argument", () => {
    assert.throws(() => substituteArgs('x{a="{{args.nope}}"}', {}), /argument "nope" has no value/);
  });
});
