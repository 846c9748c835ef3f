import assert from "node:assert/strict";
import type { Metric } from "../../../controller/api/analysis.js";
import { measure } from "../../../controller/analysis/measure.js";
import { parseResponse } from "../../../controller/analysis/providers/prometheus.js";

const metric = (m: Partial<Metric> = {}): Metric => ({
  name: "success-rate",
  successCondition: "result[0] >= 0.95",
  provider: { prometheus: { address: "http://p", query: "q" } },
  ...m,
});

describe("measure", () => {
  const cases: { name: string; m?: Partial<Metric>; body: object; phase: string; message: RegExp }[] = [
    { name: "a passing vector", body: vec(["0.99"]), phase: "Successful", message: /holds for \[0.99\]/ },
    { name: "a failing vector", body: vec(["0.7"]), phase: "Failed", message: /is false for \[0.7\]/ },
    {
      name: "an empty vector",
      body: vec([]),
      phase: "Inconclusive",
      message: /no data: the query returned an empty vector/,
    },
    { name: "NaN", body: vec(["NaN"]), phase: "Inconclusive", message: /no data: the query returned NaN/ },
    {
      name: "an empty vector with onNoData Failed",
      m: { onNoData: "Failed" },
      body: vec([]),
      phase: "Failed",
      message: /no data/,
    },
    {
      name: "a scalar",
      body: { status: "success", data: { resultType: "scalar", result: [1, "0.96"] } },
      phase: "Successful",
      message: /0.96/,
    },
    {
      name: "a PromQL error",
      body: { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' },
      phase: "Error",
      message: /PromQL error: parse error/,
    },
    {
      name: "a failureCondition that holds",
      m: { successCondition: undefined, failureCondition: "result[0] < 0.9" },
      body: vec(["0.5"]),
      phase: "Failed",
      message: /failureCondition result\[0\] < 0.9 is true/,
    },
    {
      name: "a malformed condition",
      m: { successCondition: "result[0] >=" },
      body: vec(["0.5"]),
      phase: "Error",
      message: /condition error: cannot parse/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.phase}`, () => {
      const out = measure(metric(c.m), parseResponse(c.body as never));
      assert.equal(out.phase, c.phase);
      assert.match(out.message, c.message);
    });
  }

  it("classifies provider failures as Error with the cause in words", () => {
    assert.match(
      measure(metric(), { kind: "unreachable", message: "cannot reach http://p" }).message,
      /Prometheus unreachable/,
    );
    assert.match(
      measure(metric(), { kind: "timeout", message: "no answer within 2s" }).message,
      /Prometheus timed out/,
    );
    assert.match(
      measure(metric(), { kind: "http", status: 500, message: "HTTP 500: boom" }).message,
      /Prometheus HTTP error: HTTP 500/,
    );
  });
});

function vec(values: string[]): object {
  return {
    status: "success",
    data: { resultType: "vector", result: values.map((v) => ({ metric: {}, value: [1, v] })) },
  };
}
