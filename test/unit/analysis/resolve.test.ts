import assert from "node:assert/strict";
import type { AnalysisRunSpec, Metric } from "../../../controller/api/analysis.js";
import { resolveRunSpec } from "../../../controller/analysis/resolve.js";

const address = "http://prometheus.monitoring:9090";
const query = 'sum(rate(http_requests_total{app="{{args.app}}"}[1m]))';

function spec(m: Partial<Metric>, args: AnalysisRunSpec["args"]): AnalysisRunSpec {
  return {
    args: [{ name: "app", value: "web" }, ...(args ?? [])],
    metrics: [
      {
        name: "success-rate",
        successCondition: "result[0] >= 0.95",
        provider: { prometheus: { address, query } },
        ...m,
      },
    ],
  };
}

const arg = (name: string, value: string) => [{ name, value }];
const secretArg = (name: string) => [{ name, valueFrom: { secretKeyRef: { name: "s", key: "k" } } }];

describe("resolving {{args.NAME}} into a run's metrics", () => {
  const resolves: {
    name: string;
    m: Partial<Metric>;
    args?: AnalysisRunSpec["args"];
    want: Partial<Metric>;
  }[] = [
    { name: "count", m: { count: "{{args.n}}" }, args: arg("n", "5"), want: { count: 5 } },
    {
      name: "count with spaces inside the braces",
      m: { count: "{{ args.n }}" },
      args: arg("n", "3"),
      want: { count: 3 },
    },
    {
      name: "failureLimit",
      m: { failureLimit: "{{args.limit}}" },
      args: arg("limit", "0"),
      want: { failureLimit: 0 },
    },
    {
      name: "inconclusiveLimit",
      m: { inconclusiveLimit: "{{args.i}}" },
      args: arg("i", "2"),
      want: { inconclusiveLimit: 2 },
    },
    {
      name: "consecutiveErrorLimit",
      m: { consecutiveErrorLimit: "{{args.e}}" },
      args: arg("e", "7"),
      want: { consecutiveErrorLimit: 7 },
    },
    {
      name: "interval (compound)",
      m: { interval: "{{args.every}}" },
      args: arg("every", "1m30s"),
      want: { interval: "1m30s" },
    },
    {
      name: "interval (plain seconds)",
      m: { interval: "{{args.every}}" },
      args: arg("every", "30"),
      want: { interval: "30" },
    },
    {
      name: "initialDelay",
      m: { initialDelay: "{{args.wait}}" },
      args: arg("wait", "500ms"),
      want: { initialDelay: "500ms" },
    },
    {
      name: "successCondition (number)",
      m: { successCondition: "result[0] >= {{args.min}}" },
      args: arg("min", "0.95"),
      want: { successCondition: "result[0] >= 0.95" },
    },
    {
      name: "successCondition (negative, exponent)",
      m: { successCondition: "result[0] > {{args.min}}" },
      args: arg("min", "-1e-3"),
      want: { successCondition: "result[0] > -1e-3" },
    },
    {
      name: "failureCondition (true/false)",
      m: { failureCondition: "{{args.always}} && result[0] < 0.5" },
      args: arg("always", "false"),
      want: { failureCondition: "false && result[0] < 0.5" },
    },
    {
      name: "a condition's quoted text",
      m: { successCondition: 'len(result) > 0 || "{{args.app}}" == "web"' },
      want: { successCondition: 'len(result) > 0 || "web" == "web"' },
    },
    {
      name: "literal values untouched",
      m: { count: 3, interval: "1m30s", failureLimit: 2 },
      want: { count: 3, interval: "1m30s", failureLimit: 2 },
    },
  ];
  resolves.push({
    name: "a literal numeric string, as Argo's int-or-string reads it (bypassing the schema)",
    m: { count: "5" },
    want: { count: 5 },
  });
  for (const c of resolves) {
    it(`resolves ${c.name}`, () => {
      const r = resolveRunSpec(spec(c.m, c.args));
      assert.ok(r.ok, JSON.stringify(r));
      const got = r.spec.metrics[0]!;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });
  }

  it("resolves address, whole or in part, and leaves the query as written", () => {
    const whole = resolveRunSpec({
      args: [
        { name: "prom", value: "https://prom.example:9090" },
        { name: "app", value: "web" },
      ],
      metrics: [
        {
          name: "m",
          successCondition: "true",
          provider: { prometheus: { address: "{{args.prom}}", query } },
        },
      ],
    });
    assert.ok(whole.ok);
    assert.deepEqual(whole.spec.metrics[0]!.provider.prometheus, {
      address: "https://prom.example:9090",
      query,
    });
    const part = resolveRunSpec({
      args: [
        { name: "ns", value: "monitoring" },
        { name: "app", value: "web" },
      ],
      metrics: [
        {
          name: "m",
          successCondition: "true",
          provider: { prometheus: { address: "http://prometheus.{{args.ns}}:9090", query } },
        },
      ],
    });
    assert.ok(part.ok);
    assert.equal(part.spec.metrics[0]!.provider.prometheus!.address, "http://prometheus.monitoring:9090");
  });

  it("changes nothing in a spec without placeholders outside query", () => {
    const s = spec({ count: 2, interval: "5s" }, []);
    const r = resolveRunSpec(s);
    assert.ok(r.ok);
    assert.deepEqual(r.spec, s);
  });

  const refuses: { name: string; m: Partial<Metric>; args?: AnalysisRunSpec["args"]; message: string }[] = [
    // Values that are not what the field holds.
    {
      name: "count not a number",
      m: { count: "{{args.n}}" },
      args: arg("n", "abc"),
      message: 'metric "success-rate": count "{{args.n}}" resolved to "abc", want an integer of at least 1',
    },
    {
      name: "count of zero",
      m: { count: "{{args.n}}" },
      args: arg("n", "0"),
      message: 'metric "success-rate": count "{{args.n}}" resolved to "0", want an integer of at least 1',
    },
    {
      name: "count negative",
      m: { count: "{{args.n}}" },
      args: arg("n", "-2"),
      message: 'metric "success-rate": count "{{args.n}}" resolved to "-2", want an integer of at least 1',
    },
    {
      name: "count a fraction",
      m: { count: "{{args.n}}" },
      args: arg("n", "2.5"),
      message: 'metric "success-rate": count "{{args.n}}" resolved to "2.5", want an integer of at least 1',
    },
    {
      name: "failureLimit beyond int32",
      m: { failureLimit: "{{args.l}}" },
      args: arg("l", "2147483648"),
      message:
        'metric "success-rate": failureLimit "{{args.l}}" resolved to "2147483648", want a non-negative integer',
    },
    {
      name: "inconclusiveLimit with a space",
      m: { inconclusiveLimit: "{{args.i}}" },
      args: arg("i", " 1"),
      message:
        'metric "success-rate": inconclusiveLimit "{{args.i}}" resolved to " 1", want a non-negative integer',
    },
    {
      name: "consecutiveErrorLimit empty",
      m: { consecutiveErrorLimit: "{{args.e}}" },
      args: arg("e", ""),
      message:
        'metric "success-rate": consecutiveErrorLimit "{{args.e}}" resolved to "", want a non-negative integer',
    },
    {
      name: "interval not a duration",
      m: { interval: "{{args.every}}" },
      args: arg("every", "5 minutes"),
      message:
        'metric "success-rate": interval "{{args.every}}" resolved to "5 minutes", want a duration such as "30s", "1m30s", "500ms" or "2h"',
    },
    {
      name: "initialDelay in days",
      m: { initialDelay: "{{args.wait}}" },
      args: arg("wait", "1d"),
      message:
        'metric "success-rate": initialDelay "{{args.wait}}" resolved to "1d", want a duration such as "30s", "1m30s", "500ms" or "2h"',
    },
    {
      name: "a field that is more than the placeholder",
      m: { interval: "{{args.n}}s" },
      args: arg("n", "5"),
      message:
        'metric "success-rate": interval "{{args.n}}s" must be exactly one "{{args.NAME}}" and nothing else',
    },
    {
      name: "a literal count that is not a number (bypassing the schema)",
      m: { count: "abc" },
      message: 'metric "success-rate": count "abc", want an integer of at least 1',
    },
    // Arguments that are missing or secret.
    {
      name: "an undefined argument",
      m: { count: "{{args.n}}" },
      message:
        'metric "success-rate": count "{{args.n}}": argument "n" has no value (declare it in the template\'s args or pass it from the Rollout)',
    },
    {
      name: "a declared argument without a value",
      m: { failureLimit: "{{args.l}}" },
      args: [{ name: "l" }],
      message:
        'metric "success-rate": failureLimit "{{args.l}}": argument "l" has no value (declare it in the template\'s args or pass it from the Rollout)',
    },
    {
      name: "an undefined argument in a condition",
      m: { successCondition: "result[0] >= {{args.min}}" },
      message:
        'metric "success-rate": successCondition "result[0] >= {{args.min}}": argument "min" has no value (declare it in the template\'s args or pass it from the Rollout)',
    },
    {
      name: "an undefined argument in the query",
      m: { provider: { prometheus: { address, query: 'x{a="{{args.nope}}"}' } } },
      message:
        'metric "success-rate": query not sent: argument "nope" has no value (declare it in the template\'s args or pass it from the Rollout)',
    },
    {
      name: "a Secret in a stored field",
      m: { count: "{{args.token}}" },
      args: secretArg("token"),
      message:
        'metric "success-rate": count "{{args.token}}": argument "token" comes from a Secret, which only query may use',
    },
    // Injection.
    {
      name: "an expression for a condition's value",
      m: { successCondition: "result[0] >= {{args.min}}" },
      args: arg("min", "1 || true"),
      message:
        'metric "success-rate": successCondition "result[0] >= {{args.min}}": argument "min" = "1 || true" is not a single number or true/false, so it could change the condition; put it in quotes in the condition if it is text',
    },
    {
      name: "a call for a condition's value",
      m: { failureCondition: "result[0] < {{args.max}}" },
      args: arg("max", "len(result)"),
      message:
        'metric "success-rate": failureCondition "result[0] < {{args.max}}": argument "max" = "len(result)" is not a single number or true/false, so it could change the condition; put it in quotes in the condition if it is text',
    },
    {
      name: "a name for a condition's value",
      m: { successCondition: "result[0] >= {{args.min}}" },
      args: arg("min", "result"),
      message:
        'metric "success-rate": successCondition "result[0] >= {{args.min}}": argument "min" = "result" is not a single number or true/false, so it could change the condition; put it in quotes in the condition if it is text',
    },
    {
      name: "a quote out of a condition's string",
      m: { successCondition: '"{{args.env}}" == "prod"' },
      args: arg("env", 'x" || true || "'),
      message:
        'metric "success-rate": successCondition "\\"{{args.env}}\\" == \\"prod\\"": argument "env" contains ", a backslash or a newline, which could break out of the string it is inserted into',
    },
    {
      name: "a condition that no longer parses once resolved",
      m: { successCondition: "result[0] >= {{args.a}}.{{args.b}}" },
      args: [...arg("a", "1.5"), ...arg("b", "2")],
      message:
        'metric "success-rate": successCondition "result[0] >= {{args.a}}.{{args.b}}" resolved to "result[0] >= 1.5.2": cannot parse "result[0] >= 1.5.2": Unexpected period at position 16',
    },
    {
      name: "a query value that adds PromQL",
      m: { provider: { prometheus: { address, query: "x > {{args.t}}" } } },
      args: arg("t", "0 or vector(1)"),
      message:
        'metric "success-rate": query not sent: argument "t" = "0 or vector(1)" is used outside quotes and is not a plain number or name; quote it in the query',
    },
    {
      name: "an address that is not a URL",
      m: { provider: { prometheus: { address: "{{args.prom}}", query } } },
      args: arg("prom", "prometheus:9090"),
      message:
        'metric "success-rate": address "{{args.prom}}" resolved to "prometheus:9090", want an http(s) URL such as http://prometheus.monitoring:9090',
    },
    {
      name: "an address of another scheme",
      m: { provider: { prometheus: { address: "{{args.prom}}", query } } },
      args: arg("prom", "file:///etc/passwd"),
      message:
        'metric "success-rate": address "{{args.prom}}" resolved to "file:///etc/passwd", want an http(s) URL such as http://prometheus.monitoring:9090',
    },
    {
      name: "an address with credentials",
      m: { provider: { prometheus: { address: "http://{{args.host}}:9090", query } } },
      args: arg("host", "user:pw@evil.example"),
      message:
        'metric "success-rate": address "http://{{args.host}}:9090" resolved to "http://user:pw@evil.example:9090", which carries credentials; put them in authentication instead',
    },
    {
      name: "an address value with whitespace",
      m: { provider: { prometheus: { address: "http://{{args.host}}:9090", query } } },
      args: arg("host", "a b"),
      message:
        'metric "success-rate": address "http://{{args.host}}:9090": argument "host" = "a b" contains whitespace or a control character',
    },
    {
      name: "a Secret in the address",
      m: { provider: { prometheus: { address: "{{args.prom}}", query } } },
      args: secretArg("prom"),
      message:
        'metric "success-rate": address "{{args.prom}}": argument "prom" comes from a Secret, which only query may use',
    },
  ];
  for (const c of refuses) {
    it(`refuses ${c.name}`, () => {
      const r = resolveRunSpec(spec(c.m, c.args));
      assert.deepEqual(r, { ok: false, metric: "success-rate", message: c.message });
    });
  }

  it("refuses a value that would itself read as a placeholder once stored", () => {
    const r = resolveRunSpec(
      spec({ successCondition: '"{{args.env}}" == "prod"' }, arg("env", "{{args.app}}")),
    );
    assert.deepEqual(r, {
      ok: false,
      metric: "success-rate",
      message:
        'metric "success-rate": successCondition "\\"{{args.env}}\\" == \\"prod\\"": argument "env" = "{{args.app}}" contains "{{", which would read as a placeholder',
    });
  });

  it("is a no-op on a spec it resolved (the stored spec is resolved again on every look)", () => {
    const first = resolveRunSpec(
      spec(
        { count: "{{args.n}}", interval: "{{args.every}}", successCondition: '"{{args.env}}" == "prod"' },
        [...arg("n", "3"), ...arg("every", "1m30s"), ...arg("env", "prod")],
      ),
    );
    assert.ok(first.ok);
    assert.deepEqual(resolveRunSpec(first.spec), first);
  });

  it("accepts a Secret in the query (inserted only when measuring)", () => {
    const r = resolveRunSpec(
      spec({ provider: { prometheus: { address, query: 'x{t="{{args.token}}"}' } } }, secretArg("token")),
    );
    assert.ok(r.ok);
    assert.equal(r.spec.metrics[0]!.provider.prometheus!.query, 'x{t="{{args.token}}"}');
  });

  it("names the metric that fails when several are given", () => {
    const r = resolveRunSpec({
      args: [{ name: "n", value: "x" }],
      metrics: [
        { name: "first", successCondition: "true", provider: { prometheus: { address, query: "q" } } },
        {
          name: "second",
          count: "{{args.n}}",
          successCondition: "true",
          provider: { prometheus: { address, query: "q" } },
        },
      ],
    });
    assert.deepEqual(r, {
      ok: false,
      metric: "second",
      message: 'metric "second": count "{{args.n}}" resolved to "x", want an integer of at least 1',
    });
  });
});
