import assert from "node:assert/strict";
import type { AnalysisRunSpec, Metric, WebProvider } from "../../../controller/api/analysis.js";
import { resolveRunSpec } from "../../../controller/analysis/resolve.js";

/** The edges of what each field's value may be, each expected outcome worked out by hand. */
const address = "http://prometheus.monitoring:9090";

function spec(m: Partial<Metric>, args: AnalysisRunSpec["args"] = []): AnalysisRunSpec {
  return {
    args,
    metrics: [
      {
        name: "m",
        successCondition: "result[0] >= 0.95",
        provider: { prometheus: { address, query: "up" } },
        ...m,
      },
    ],
  };
}
const arg = (name: string, value: string) => ({ name, value });
const secret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: "s", key: "k" } } });
const resolved = (s: AnalysisRunSpec): ReturnType<typeof resolveRunSpec> => resolveRunSpec(s);
const metricOf = (s: AnalysisRunSpec): Record<string, unknown> => {
  const r = resolved(s);
  assert.ok(r.ok, JSON.stringify(r));
  return r.spec.metrics[0]! as Record<string, unknown>;
};
const refusal = (s: AnalysisRunSpec): string => {
  const r = resolved(s);
  assert.ok(!r.ok, "expected a refusal");
  return r.message;
};

describe("resolving: numbers a condition takes from an argument", () => {
  for (const value of ["12", "-7", ".5", "-.5", "0.25", "1.", "1e10", "1E+10", "2.5e-3", "true", "false"])
    it(`${JSON.stringify(value)} is taken`, () => {
      assert.equal(
        metricOf(spec({ successCondition: "result[0] >= {{args.v}}" }, [arg("v", value)])).successCondition,
        `result[0] >= ${value}`,
      );
    });
  for (const value of ["x1", "1e", "1e+", "1x", "..5", "- 1", "1 2", "True", "nil"])
    it(`${JSON.stringify(value)} is refused`, () => {
      assert.equal(
        refusal(spec({ successCondition: "result[0] >= {{args.v}}" }, [arg("v", value)])),
        `metric "m": successCondition "result[0] >= {{args.v}}": argument "v" = ${JSON.stringify(value)} is not a single number or true/false, so it could change the condition; put it in quotes in the condition if it is text`,
      );
    });

  it("a condition without a placeholder is stored as written, unchecked here", () => {
    assert.equal(metricOf(spec({ failureCondition: "result[0] <" })).failureCondition, "result[0] <");
  });
});

describe("resolving: counts and limits given as numbers", () => {
  const ok: [Partial<Metric>, string, number][] = [
    [{ count: 1 }, "count", 1],
    [{ failureLimit: 0 }, "failureLimit", 0],
    [{ inconclusiveLimit: 2147483647 }, "inconclusiveLimit", 2147483647],
    [{ consecutiveErrorLimit: "2147483647" }, "consecutiveErrorLimit", 2147483647],
    [{ count: "10" }, "count", 10],
  ];
  for (const [m, field, want] of ok)
    it(`${JSON.stringify(m)} is taken`, () => {
      assert.equal(metricOf(spec(m))[field], want);
    });

  const refused: [Partial<Metric>, string][] = [
    [{ count: 0 }, 'metric "m": count 0: want an integer of at least 1'],
    [{ count: 2.5 }, 'metric "m": count 2.5: want an integer of at least 1'],
    [{ failureLimit: -1 }, 'metric "m": failureLimit -1: want a non-negative integer'],
    [{ failureLimit: 2147483648 }, 'metric "m": failureLimit 2147483648: want a non-negative integer'],
    [{ failureLimit: "2147483648" }, 'metric "m": failureLimit "2147483648", want a non-negative integer'],
  ];
  for (const [m, message] of refused)
    it(`${JSON.stringify(m)} is refused`, () => {
      assert.equal(refusal(spec(m)), message);
    });
});

describe("resolving: durations given as numbers", () => {
  it("a number of seconds is taken as it is", () => {
    assert.equal(metricOf(spec({ interval: 30 })).interval, 30);
    assert.equal(metricOf(spec({ initialDelay: 0 })).initialDelay, 0);
  });
  it("a negative number is refused", () => {
    assert.equal(
      refusal(spec({ interval: -5 })),
      'metric "m": interval -5: want a duration such as "30s", "1m30s", "500ms" or "2h"',
    );
  });
});

describe("resolving: the Web provider's fields", () => {
  const web = (w: Partial<WebProvider>, args: AnalysisRunSpec["args"] = []) =>
    spec(
      { successCondition: "result == true", provider: { web: { url: "http://health.shop/status", ...w } } },
      args,
    );
  const webOf = (s: AnalysisRunSpec) => (metricOf(s).provider as { web: WebProvider }).web;

  it("a body takes a number or true/false outside quotes, anything else is refused", () => {
    assert.equal(webOf(web({ body: '{"n": {{args.v}}}' }, [arg("v", "3")])).body, '{"n": 3}');
    assert.equal(webOf(web({ body: '{"b": {{args.v}}}' }, [arg("v", "true")])).body, '{"b": true}');
    assert.equal(webOf(web({ body: '{"b": {{args.v}}}' }, [arg("v", "false")])).body, '{"b": false}');
    assert.equal(webOf(web({ body: '{"s": "{{args.v}}"}' }, [arg("v", "a b")])).body, '{"s": "a b"}');
    assert.equal(
      refusal(web({ body: '{"n": {{args.v}}}' }, [arg("v", '1, "x": 2')])),
      'metric "m": body: argument "v" = "1, \\"x\\": 2" is not a single number or true/false, so it could change the body\'s structure; put it in quotes in the body if it is text',
    );
  });

  it("a body without a placeholder is sent as written", () => {
    assert.equal(webOf(web({ body: "{{ not json" })).body, "{{ not json");
  });

  it("jsonBody: every string, in objects and arrays, takes any text", () => {
    const got = webOf(
      web(
        { jsonBody: { app: "{{args.app}}", tags: ["{{args.app}}-x", 1, null, { deep: "{{args.app}}" }] } },
        [arg("app", 'we"b')],
      ),
    );
    assert.deepEqual(got.jsonBody, { app: 'we"b', tags: ['we"b-x', 1, null, { deep: 'we"b' }] });
  });

  it("a Secret may not go in url, body or jsonBody: only a header value takes it", () => {
    const only = "which only a web header value may use";
    assert.equal(
      refusal(web({ url: "http://{{args.t}}/x" }, [secret("t")])),
      `metric "m": url "http://{{args.t}}/x": argument "t" comes from a Secret, ${only}`,
    );
    assert.equal(
      refusal(web({ body: "{{args.t}}" }, [secret("t")])),
      `metric "m": body "{{args.t}}": argument "t" comes from a Secret, ${only}`,
    );
    assert.equal(
      refusal(web({ jsonBody: { t: "{{args.t}}" } }, [secret("t")])),
      `metric "m": jsonBody "{{args.t}}": argument "t" comes from a Secret, ${only}`,
    );
    assert.deepEqual(
      webOf(web({ headers: [{ key: "Authorization", value: "Bearer {{args.t}}" }] }, [secret("t")])).headers,
      [{ key: "Authorization", value: "Bearer {{args.t}}" }],
    );
  });

  it("a header value naming a missing argument, or a header name with a placeholder, is refused", () => {
    assert.equal(
      refusal(web({ headers: [{ key: "X-App", value: "{{args.nope}}" }] })),
      `metric "m": header X-App: argument "nope" has no value (declare it in the template's args or pass it from the Rollout)`,
    );
    assert.equal(
      refusal(web({ headers: [{ key: "X-{{args.a}}", value: "1" }] }, [arg("a", "b")])),
      'metric "m": header name "X-{{args.a}}": a header name takes no {{args.NAME}}',
    );
  });

  it("a url with only a user name carries credentials too", () => {
    assert.equal(
      refusal(web({ url: "http://{{args.u}}@health.shop/x" }, [arg("u", "admin")])),
      'metric "m": url "http://{{args.u}}@health.shop/x" resolved to "http://admin@health.shop/x", which carries credentials; put them in headers instead',
    );
  });

  it("a url is checked even without a placeholder", () => {
    assert.equal(
      refusal(web({ url: "ftp://health.shop/x" })),
      'metric "m": url "ftp://health.shop/x", want an http(s) URL such as http://service.namespace:8080/health',
    );
  });
});

describe("resolving: the query with a Secret", () => {
  it("a Secret's argument outside quotes passes with a stand-in (its value is checked when measuring)", () => {
    const m = metricOf(
      spec({ provider: { prometheus: { address, query: "x > {{args.t}}" } } }, [secret("t")]),
    );
    assert.equal((m.provider as { prometheus: { query: string } }).prometheus.query, "x > {{args.t}}");
  });
});
