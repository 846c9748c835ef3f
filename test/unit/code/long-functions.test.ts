import assert from "node:assert/strict";
import { longFunctionsIn, longFunctionsUnder } from "./long-functions.js";

/** The house rule: no function in controller/ over about 80 lines, without exception. */
const LIMIT = 80;

/** A function of `n` lines in all: the header, n - 2 statements, the closing brace. */
const fn = (header: string, n: number, close = "}"): string =>
  [header, ...Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`), close].join("\n");

describe("function length", () => {
  it(`no function in controller/ is longer than ${LIMIT} lines`, () => {
    const long = longFunctionsUnder("controller", LIMIT).map(
      (f) => `${f.file}:${f.line} ${f.name} is ${f.lines} lines`,
    );
    assert.deepEqual(long, []);
  });

  it("counts a function's lines from its header to its closing brace, its doc comment left out", () => {
    const text = ["/**", " * doc", " */", fn("function exact() {", 80), fn("function over() {", 81)].join(
      "\n",
    );
    assert.deepEqual(longFunctionsIn("a.ts", text, 80), [
      { file: "a.ts", name: "over", line: 84, lines: 81 },
    ]);
  });

  it("finds methods, constructors, arrow functions and function expressions, nested ones too", () => {
    const text = [
      "class Box {",
      fn("  method() {", 6, "  }"),
      fn("  constructor() {", 6, "  }"),
      "}",
      fn("const arrow = () => {", 6, "};"),
      fn("const expr = function () {", 6, "};"),
      fn("export const table = { entry: () => {", 6, "} };"),
      "function outer() {",
      fn("  [1].map((x) => {", 6, "  });"),
      "}",
    ].join("\n");
    assert.deepEqual(
      longFunctionsIn("b.ts", text, 5).map((f) => `${f.line} ${f.name} ${f.lines}`),
      [
        "2 Box.method 6",
        "8 Box.constructor 6",
        "15 arrow 6",
        "21 expr 6",
        "27 entry 6",
        "33 outer 8",
        "34 <anonymous>@34 6",
      ],
    );
  });

  it("leaves out declarations without a body and functions at the limit", () => {
    const text = ["declare function f(): void;", "interface I { m(): void }", fn("function g() {", 5)].join(
      "\n",
    );
    assert.deepEqual(longFunctionsIn("c.ts", text, 5), []);
  });
});
