import assert from "node:assert/strict";
import { durationPattern, parseDurationMs } from "../../../controller/api/duration.js";

describe("durations (Go's forms, plus plain seconds)", () => {
  const valid: [string | number, number][] = [
    [30, 30_000],
    [0, 0],
    ["30", 30_000],
    ["0", 0],
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["1m30s", 90_000],
    ["1h2m3s", 3_723_000],
    ["1h0m0.5s", 3_600_500],
    ["1.5h", 5_400_000],
    [".5s", 500],
    ["2s500ms", 2500],
    ["1500us", 1.5],
    ["3000000ns", 3],
    ["1s1s", 2000],
  ];
  for (const [input, ms] of valid) {
    it(`${JSON.stringify(input)} is ${ms} ms`, () => {
      assert.equal(parseDurationMs(input), ms);
      if (typeof input === "string") assert.match(input, new RegExp(durationPattern));
    });
  }

  const invalid: (string | number)[] = [
    "",
    "s",
    "-5s",
    -1,
    Number.NaN,
    "1d",
    "5 m",
    " 5m",
    "1m30",
    "1.5",
    "30sec",
    "1m 30s",
    "abc",
    "{{args.interval}}",
  ];
  for (const input of invalid) {
    it(`${typeof input === "number" ? String(input) : JSON.stringify(input)} is not a duration`, () => {
      assert.equal(parseDurationMs(input), undefined);
      if (typeof input === "string") assert.doesNotMatch(input, new RegExp(durationPattern));
    });
  }
});
