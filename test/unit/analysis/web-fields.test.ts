import assert from "node:assert/strict";
import type { AnalysisRunSpec, Metric, WebProvider } from "../../../controller/api/analysis.js";
import { evaluateCondition } from "../../../controller/analysis/evaluate.js";
import { providerOf, type MetricProvider } from "../../../controller/analysis/provider.js";
import { webRequest } from "../../../controller/analysis/providers/web.js";
import { redact } from "../../../controller/analysis/redact.js";
import { resolveRunSpec } from "../../../controller/analysis/resolve.js";

const secretArg = { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } };

function spec(web: Partial<WebProvider>, args: AnalysisRunSpec["args"] = []): AnalysisRunSpec {
  return {
    args: [{ name: "host", value: "health.shop" }, secretArg, ...args],
    metrics: [
      {
        name: "health",
        successCondition: "result == true",
        provider: { web: { url: "http://health.shop/status", ...web } },
      },
    ],
  };
}

const resolvedWeb = (s: AnalysisRunSpec): WebProvider | string => {
  const r = resolveRunSpec(s);
  return r.ok ? r.spec.metrics[0]!.provider.web! : r.message;
};

describe("conditions on a JSON result (Web)", () => {
  const cases: { condition: string; result: unknown; want: boolean }[] = [
    { condition: "result == 'It worked!'", result: "It worked!", want: true },
    { condition: "result == 'It worked!'", result: "It broke", want: false },
    { condition: "result.ok == true", result: { ok: true }, want: true },
    { condition: "result.ok == true", result: { ok: "true" }, want: false },
    { condition: "result['ok'] == true", result: { ok: true }, want: true },
    { condition: "result.data.score > 0.9", result: { data: { score: 0.95 } }, want: true },
    { condition: "result > 0.9", result: 0.5, want: false },
    { condition: "result.items[1] == 'b'", result: { items: ["a", "b"] }, want: true },
    { condition: "result.error == nil", result: { error: null }, want: true },
    { condition: "len(result.items) == 2", result: { items: ["a", "b"] }, want: true },
  ];
  for (const c of cases) {
    it(`${c.condition} for ${JSON.stringify(c.result)} is ${c.want}`, () => {
      assert.equal(evaluateCondition(c.condition, c.result as never).value, c.want);
    });
  }

  it("a missing key is missing data, not an error in the condition", () => {
    assert.throws(
      () => evaluateCondition("result.ok == true", {}),
      (e: Error) => e.constructor.name === "MissingValue",
    );
  });

  it("reaches own keys only, never the prototype", () => {
    for (const key of ["constructor", "__proto__", "toString"])
      assert.throws(
        () => evaluateCondition(`result.${key} == nil`, { ok: true }),
        (e: Error) => e.message === `the key "${key}" does not exist`,
      );
  });
});

describe("resolving a Web metric's fields", () => {
  it("resolves url from a plain argument and keeps header values as written", () => {
    const web = resolvedWeb(
      spec({
        url: "http://{{args.host}}:8080/status",
        headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }],
      }),
    );
    assert.deepEqual(web, {
      url: "http://health.shop:8080/status",
      headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }],
    });
  });

  it("refuses a Secret's argument in url (it would be stored)", () => {
    assert.equal(
      resolvedWeb(spec({ url: "http://x/?t={{args.token}}" })),
      'metric "health": url "http://x/?t={{args.token}}": argument "token" comes from a Secret, which only a web header value may use',
    );
  });

  it("refuses a url that is not http(s), naming the field", () => {
    assert.equal(
      resolvedWeb(spec({ url: "ftp://health.shop/x" })),
      'metric "health": url "ftp://health.shop/x", want an http(s) URL such as http://service.namespace:8080/health',
    );
  });

  it("refuses credentials in the url", () => {
    assert.equal(
      resolvedWeb(spec({ url: "http://u:p@health.shop/" })),
      'metric "health": url "http://u:p@health.shop/", which carries credentials; put them in headers instead',
    );
  });

  it("refuses a header argument holding a newline (it would add a header)", () => {
    assert.equal(
      resolvedWeb(
        spec({ headers: [{ key: "X-Team", value: "{{args.team}}" }] }, [
          { name: "team", value: "a\r\nX-Admin: 1" },
        ]),
      ),
      'metric "health": header X-Team: argument "team" contains a control character (a newline would start a new header)',
    );
  });

  it("refuses an argument in a header name", () => {
    assert.equal(
      resolvedWeb(spec({ headers: [{ key: "{{args.host}}", value: "1" }] })),
      'metric "health": header name "{{args.host}}": a header name takes no {{args.NAME}}',
    );
  });

  it("inserts text into a body only inside quotes", () => {
    assert.deepEqual(resolvedWeb(spec({ method: "POST", body: '{"host":"{{args.host}}"}' })), {
      url: "http://health.shop/status",
      method: "POST",
      body: '{"host":"health.shop"}',
    });
    assert.equal(
      resolvedWeb(spec({ method: "POST", body: '{"host":{{args.host}}}' })),
      'metric "health": body: argument "host" = "health.shop" is not a single number or true/false, so it could change the body\'s structure; put it in quotes in the body if it is text',
    );
  });

  it("inserts any text into jsonBody's strings, which are serialised again", () => {
    const web = resolvedWeb(
      spec({ method: "POST", jsonBody: { q: 'say "{{args.quote}}"', n: 1 } }, [
        { name: "quote", value: "a}b" },
      ]),
    );
    assert.deepEqual(web, {
      url: "http://health.shop/status",
      method: "POST",
      jsonBody: { q: 'say "a}b"', n: 1 },
    });
  });
});

describe("the Web request a metric describes", () => {
  it("fills a header from a Secret's value at measurement time, and sends jsonBody as JSON", () => {
    const req = webRequest(
      {
        url: "http://health.shop/status",
        method: "POST",
        headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }],
        jsonBody: { a: 1 },
      },
      { token: "s3cret" },
    );
    assert.deepEqual(req, {
      url: "http://health.shop/status",
      method: "POST",
      headers: { Authorization: "Bearer s3cret", "Content-Type": "application/json" },
      body: '{"a":1}',
      timeoutSeconds: 10,
      insecure: false,
    });
  });

  it("refuses a Secret's value holding a newline", () => {
    assert.throws(
      () => webRequest({ url: "http://x/", headers: [{ key: "A", value: "{{args.t}}" }] }, { t: "x\ny" }),
      /argument "t" contains a control character/,
    );
  });
});

describe("the provider registry", () => {
  const fake = (name: string): MetricProvider => ({
    name,
    measure: () => Promise.reject(new Error("unused")),
  });
  const registry = new Map([
    ["prometheus", fake("prometheus")],
    ["web", fake("web")],
  ]);
  const metric = (provider: Metric["provider"]): Metric => ({
    name: "m",
    successCondition: "true",
    provider,
  });

  it("finds the provider a metric names", () => {
    const found = providerOf(metric({ web: { url: "http://x/" } }), registry);
    assert.equal("provider" in found && found.provider.name, "web");
  });

  it("says when a metric names none the controller runs", () => {
    assert.deepEqual(providerOf(metric({}), registry), {
      error: 'metric "m" names no provider this controller runs (it runs prometheus, web)',
    });
  });

  it("says when a metric names two", () => {
    assert.deepEqual(
      providerOf(
        metric({ web: { url: "http://x/" }, prometheus: { address: "http://p", query: "1" } }),
        registry,
      ),
      { error: 'metric "m" names several providers (prometheus, web); name one' },
    );
  });
});

describe("masking Secret values in a measurement", () => {
  it("masks every occurrence in message and value, the longest secret first", () => {
    assert.deepEqual(
      redact({ phase: "Failed", message: "got abc and abcdef", value: '"abcdef"' }, ["abc", "abcdef", ""]),
      { phase: "Failed", message: "got [redacted] and [redacted]", value: '"[redacted]"' },
    );
  });
});
