import assert from "node:assert/strict";
import { substituteArgs, substituteHeader, TemplateError } from "../../../controller/analysis/template.js";

/** What an argument may be in a PromQL query, rule by rule, each expected outcome worked out by hand. */
describe("query templating: values outside quotes", () => {
  const accepted = [
    "12",
    "-3",
    "0.25",
    "-0.5",
    "1e5",
    "1e10",
    "2.5e-3",
    "15m",
    "30s",
    "100ms",
    "2h",
    "up",
    "job:rate5m",
    "a.b-c",
    "_x",
    "X9",
  ];
  for (const value of accepted)
    it(`inserts ${JSON.stringify(value)} as it is`, () => {
      assert.equal(substituteArgs("x > {{args.v}}", { v: value }), `x > ${value}`);
    });

  const refused = ["0 or up", "1.", ".5", "1e", "1x", "-a", "5 m", "1.2.3", "9abc", "a b", "", "up{}", "-"];
  for (const value of refused)
    it(`refuses ${JSON.stringify(value)}, naming the argument`, () => {
      assert.throws(
        () => substituteArgs("x > {{args.v}}", { v: value }),
        (err: Error) =>
          err instanceof TemplateError &&
          err.message ===
            `argument "v" = ${JSON.stringify(value)} is used outside quotes and is not a plain number or name; quote it in the query`,
      );
    });
});

describe("query templating: values inside quotes", () => {
  const breaks = (quote: string) =>
    `argument "v" contains ${quote}, a backslash or a newline, which could break out of the string it is inserted into`;

  // One rule each: the quote kind that opened the string, a backslash alone, each line break.
  const injections: { query: string; value: string; message: string }[] = [
    { query: 'x{a="{{args.v}}"}', value: 'a"b', message: breaks('"') },
    { query: "x{a='{{args.v}}'}", value: "a'b", message: breaks("'") },
    { query: "x{a=`{{args.v}}`}", value: "a`b", message: breaks("`") },
    { query: 'x{a="{{args.v}}"}', value: "a\\b", message: breaks('"') },
    { query: 'x{a="{{args.v}}"}', value: "a\nb", message: breaks('"') },
    { query: 'x{a="{{args.v}}"}', value: "a\rb", message: breaks('"') },
  ];
  for (const c of injections)
    it(`refuses ${JSON.stringify(c.value)} in ${c.query}`, () => {
      assert.throws(() => substituteArgs(c.query, { v: c.value }), { name: "Error", message: c.message });
    });

  it("another quote kind than the string's own is text", () => {
    assert.equal(substituteArgs('x{a="{{args.v}}"}', { v: "it's `x`" }), 'x{a="it\'s `x`"}');
    assert.equal(substituteArgs("x{a='{{args.v}}'}", { v: 'say "hi"' }), "x{a='say \"hi\"'}");
  });

  // Inside quotes any text may go (a space, a bracket): each of these would be refused outside.
  const inside: [string, string][] = [
    ['x{a="{{args.v}}"}', 'x{a="a b"}'],
    ["x{a=`{{args.v}}`}", "x{a=`a b`}"],
    ['x{a="pre {{args.v}} post"}', 'x{a="pre a b post"}'],
    ['x{a="\\"{{args.v}}"}', 'x{a="\\"a b"}'],
    ['x{a="b", c="{{args.v}}"}', 'x{a="b", c="a b"}'],
  ];
  for (const [query, want] of inside)
    it(`knows ${query} puts the value inside a string`, () => {
      assert.equal(substituteArgs(query, { v: "a b" }), want);
    });

  it("a string closed before the placeholder leaves it outside quotes", () => {
    assert.throws(() => substituteArgs('x{a="b"} > {{args.v}}', { v: "a b" }), /used outside quotes/);
    assert.throws(() => substituteArgs('x{a="b\\\\"} > {{args.v}}', { v: "a b" }), /used outside quotes/);
  });
});

describe("header templating", () => {
  it("inserts any text, quotes and backslashes too, since a header has no quoting", () => {
    assert.equal(substituteHeader('Bearer {{args.t}} "x"', { t: 'a"b\\c d' }), 'Bearer a"b\\c d "x"');
  });

  for (const [name, value] of [
    ["a newline", "a\nX-Evil: 1"],
    ["a carriage return", "a\rb"],
    ["a tab", "a\tb"],
    ["NUL", "a\u0000b"],
  ] as const)
    it(`refuses ${name}, even inside quotes`, () => {
      assert.throws(() => substituteHeader('"{{args.t}}"', { t: value }), {
        message: 'argument "t" contains a control character (a newline would start a new header)',
      });
    });

  it("names a missing argument", () => {
    assert.throws(() => substituteHeader("{{args.t}}", {}), /argument "t" has no value/);
  });
});
