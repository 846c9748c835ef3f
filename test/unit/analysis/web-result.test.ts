import assert from "node:assert/strict";
import type { Metric } from "../../../controller/api/analysis.js";
import {
  classifyWeb,
  normalisePath,
  readJsonPath,
  type WebAnswer,
} from "../../../controller/analysis/providers/web-result.js";

const url = "http://health.shop:8080/status";
const metric = (m: Partial<Metric> = {}): Metric => ({
  name: "health",
  successCondition: "result == 'It worked!'",
  provider: { web: { url, jsonPath: "$.message" } },
  ...m,
});
const ok = (body: string): WebAnswer => ({ kind: "response", status: 200, body });

describe("Web provider: result classification", () => {
  const cases: {
    name: string;
    m?: Partial<Metric>;
    jsonPath?: string;
    answer: WebAnswer;
    phase: string;
    message: string;
    value?: string;
  }[] = [
    {
      name: "the expected message",
      answer: ok('{"message":"It worked!"}'),
      phase: "Successful",
      message: `successCondition result == 'It worked!' holds for "It worked!"`,
      value: '"It worked!"',
    },
    {
      name: "another message",
      answer: ok('{"message":"It broke"}'),
      phase: "Failed",
      message: `successCondition result == 'It worked!' is false for "It broke"`,
      value: '"It broke"',
    },
    {
      name: "a host DNS does not know",
      answer: { kind: "dns", host: "health.shop" },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status failed: the host health.shop was not found (DNS)",
    },
    {
      name: "a refused connection",
      answer: { kind: "refused", address: "health.shop:8080" },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status failed: connection refused by health.shop:8080",
    },
    {
      name: "a timeout",
      answer: { kind: "timeout", seconds: 3 },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status failed: no answer within 3s",
    },
    {
      name: "an address the policy refuses",
      answer: { kind: "address-refused", message: 'x is refused by the rule "r"' },
      phase: "Error",
      message: 'Web call to http://health.shop:8080/status not sent: x is refused by the rule "r"',
    },
    {
      name: "another network failure, on one line",
      answer: { kind: "unreachable", message: "ECONNRESET: socket\nhang up" },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status failed: ECONNRESET: socket hang up",
    },
    {
      name: "HTTP 500, whatever the body says",
      answer: { kind: "response", status: 500, body: '{"message":"It worked!"}' },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status answered HTTP 500, want 2xx",
    },
    {
      name: "HTTP 302 (redirects are not followed)",
      answer: { kind: "response", status: 302, body: "" },
      phase: "Error",
      message: "Web call to http://health.shop:8080/status answered HTTP 302, want 2xx",
    },
    {
      name: "a body that is not JSON, without quoting it",
      answer: ok("<html>secret-ish</html>"),
      phase: "Error",
      message: "Web call to http://health.shop:8080/status answered a body that is not JSON (23 characters)",
    },
    {
      name: "a path that is missing",
      jsonPath: "$.data.message",
      answer: ok('{"message":"It worked!"}'),
      phase: "Error",
      message:
        "Web call to http://health.shop:8080/status: jsonPath $.data.message matched nothing in the response",
    },
    {
      name: "a boolean at the path",
      m: { successCondition: "result == true" },
      jsonPath: "$.ok",
      answer: ok('{"ok":true}'),
      phase: "Successful",
      message: "successCondition result == true holds for true",
      value: "true",
    },
    {
      name: "an object at the path, a key in the condition",
      m: { successCondition: "result.ok == true" },
      jsonPath: "$",
      answer: ok('{"ok":false}'),
      phase: "Failed",
      message: 'successCondition result.ok == true is false for {"ok":false}',
      value: '{"ok":false}',
    },
    {
      name: "a number compared",
      m: { successCondition: "result > 0.9" },
      jsonPath: "{$.score}",
      answer: ok('{"score":0.95}'),
      phase: "Successful",
      message: "successCondition result > 0.9 holds for 0.95",
      value: "0.95",
    },
    {
      name: "a key the condition names is missing: no data, onNoData decides",
      m: { successCondition: "result.ok == true", onNoData: "Failed" },
      jsonPath: "$",
      answer: ok("{}"),
      phase: "Failed",
      message: 'no data: the key "ok" does not exist (onNoData: Failed)',
      value: "{}",
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.phase}`, () => {
      const out = classifyWeb(metric(c.m), url, c.jsonPath ?? "$.message", c.answer);
      assert.equal(out.phase, c.phase);
      assert.equal(out.message, c.message);
      assert.equal(out.value, c.value);
    });
  }
});

describe("Web provider: JSONPath", () => {
  const body = { message: "hi", data: { items: [{ v: 1 }, { v: 2 }], ok: true, none: null }, n: 0 };
  const cases: { path: string | undefined; want: unknown }[] = [
    { path: "$.message", want: "hi" },
    { path: "{$.message}", want: "hi" },
    { path: "{.data.ok}", want: true },
    { path: ".data.ok", want: true },
    { path: "$.data.items[1].v", want: 2 },
    { path: "$.data.items[*].v", want: [1, 2] },
    { path: "$.data.items", want: [{ v: 1 }, { v: 2 }] },
    { path: "$.data.none", want: null },
    { path: "$.n", want: 0 },
    { path: undefined, want: body },
  ];
  for (const c of cases) {
    it(`${String(c.path)} -> ${JSON.stringify(c.want)}`, () => {
      assert.deepEqual(readJsonPath(body, c.path), { found: true, value: c.want });
    });
  }

  it("a path that matches nothing is not found, naming the path", () => {
    assert.deepEqual(readJsonPath(body, "$.data.missing"), {
      found: false,
      message: "jsonPath $.data.missing matched nothing in the response",
    });
  });

  it("runs no filter script (eval is off)", () => {
    const out = readJsonPath(body, "$.data.items[?(@.v > 1)]");
    assert.equal(out.found, false);
  });

  it("reads Argo's braces and a missing $", () => {
    assert.equal(normalisePath("{$.a.b}"), "$.a.b");
    assert.equal(normalisePath(" {.a} "), "$.a");
    assert.equal(normalisePath("[0]"), "$[0]");
    assert.equal(normalisePath(undefined), "$");
  });
});
