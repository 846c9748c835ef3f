import assert from "node:assert/strict";
import { Metric } from "../../../controller/api/analysis.js";

/**
 * The string forms the schema lets through for the templated metric fields (the API server
 * applies the same pattern; test/e2e/analysis/args.test.ts applies them for real).
 */
const field = (name: string) =>
  (Metric as unknown as { properties: Record<string, { pattern: string; minimum: number }> }).properties[
    name
  ]!;

describe("schema of the metric fields that take {{args.NAME}}", () => {
  const durationFields = ["interval", "initialDelay"];
  const intFields = ["count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"];
  const table: [string[], string, boolean][] = [
    [durationFields, "30s", true],
    [durationFields, "1m30s", true],
    [durationFields, "500ms", true],
    [durationFields, "2h", true],
    [durationFields, "30", true],
    [durationFields, "{{args.every}}", true],
    [durationFields, "{{ args.every }}", true],
    [durationFields, "{{args.every}}s", false],
    [durationFields, "x{{args.every}}", false],
    [durationFields, "1m30s{{args.every}}", false],
    [durationFields, "fast", false],
    [durationFields, "5d", false],
    [durationFields, "1m 30s", false],
    [intFields, "{{args.n}}", true],
    [intFields, "{{ args.n }}", true],
    [intFields, "3", false],
    [intFields, "abc", false],
    [intFields, "{{args.n}}{{args.m}}", false],
    [intFields, "{{n}}", false],
  ];
  for (const [fields, value, ok] of table) {
    for (const name of fields) {
      it(`${name}: ${JSON.stringify(value)} is ${ok ? "accepted" : "refused"}`, () => {
        assert.equal(new RegExp(field(name).pattern).test(value), ok);
      });
    }
  }

  it("keeps the integer minimums: count at least 1, limits and durations at least 0", () => {
    assert.deepEqual(
      [...intFields, ...durationFields].map((n) => field(n).minimum),
      [1, 0, 0, 0, 0, 0],
    );
  });
});
