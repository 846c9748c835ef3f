import assert from "node:assert/strict";
import type { Metric } from "../../../controller/api/analysis.js";
import {
  addressPolicy,
  parseAllowed,
  refusal,
  targetOf,
  type Target,
} from "../../../controller/analysis/address-policy.js";
import { judge } from "../../../controller/analysis/measure.js";
import { providerOf, type MetricProvider } from "../../../controller/analysis/provider.js";
import {
  classifyWeb,
  normalisePath,
  readJsonPath,
} from "../../../controller/analysis/providers/web-result.js";
import { redact } from "../../../controller/analysis/redact.js";

/** The edges of the analysis core's small rules, each expected value worked out by hand. */
const t = (host: string, port = "80", ips: string[] = []): Target => ({ host, port, ips });
const open = (allowed: string[] = []) => ({ allowed: parseAllowed(allowed) });
const link = '"link-local range 169.254.0.0/16 (cloud instance metadata)"';

describe("address policy: edges", () => {
  it("only the ::ffff: form is an IPv4 address written as IPv6", () => {
    assert.equal(refusal(t("1::ffff:169.254.1.1"), open(), []), undefined);
    assert.equal(
      refusal(t("::FFFF:169.254.1.1"), open(), []),
      `169.254.1.1:80 is refused by the rule ${link}`,
    );
  });

  it("a bracketed IPv6 host is read without its brackets", () => {
    assert.equal(
      refusal(t("[fe80::1]"), open(), []),
      'fe80::1:80 is refused by the rule "link-local range fe80::/10"',
    );
  });

  it("entries are trimmed and read in lower case", () => {
    assert.equal(refusal(t("prom.example"), open([" Prom.Example "]), []), undefined);
  });

  it("an IPv6 CIDR holds its own range and nothing beyond", () => {
    const p = open(["fd00::/64"]);
    assert.equal(refusal(t("fd00::1"), p, []), undefined);
    assert.equal(
      refusal(t("fd00:0:0:1::1"), p, []),
      'fd00:0:0:1::1:80 is refused by the rule "--provider-allowed-hosts": it matches none of fd00::/64',
    );
  });

  it("an address without a prefix is that address alone", () => {
    const p = open(["10.1.2.3"]);
    assert.equal(refusal(t("10.1.2.3"), p, []), undefined);
    assert.equal(
      refusal(t("10.1.2.4"), p, []),
      '10.1.2.4:80 is refused by the rule "--provider-allowed-hosts": it matches none of 10.1.2.3',
    );
  });

  it("prefix lengths 0 and 32 are taken, 33 and 129 (IPv6) are not", () => {
    assert.equal(refusal(t("8.8.8.8"), open(["0.0.0.0/0"]), []), undefined);
    assert.equal(refusal(t("10.1.2.3"), open(["10.1.2.3/32"]), []), undefined);
    assert.equal(refusal(t("fd00::1"), open(["fd00::1/128"]), []), undefined);
    assert.throws(() => parseAllowed(["fd00::/129"]), /"fd00::\/129" has a bad prefix length/);
    assert.throws(() => parseAllowed(["10.0.0.0/8x"]), /has a bad prefix length/);
  });

  it("a one-letter host name is a host name", () => {
    assert.equal(refusal(t("a"), open(["a"]), []), undefined);
  });

  it("an address host is matched against a CIDR by itself", () => {
    assert.equal(refusal(t("10.1.2.3"), open(["10.0.0.0/8"]), []), undefined);
  });

  it("a name that resolves to nothing is in no CIDR", () => {
    assert.equal(
      refusal(t("unknown.internal"), open(["10.0.0.0/8"]), []),
      'unknown.internal:80 is refused by the rule "--provider-allowed-hosts": it matches none of 10.0.0.0/8',
    );
  });

  it("one matching entry of several is enough", () => {
    assert.equal(
      refusal(t("prometheus.monitoring"), open(["*.other", "prometheus.monitoring"]), []),
      undefined,
    );
  });

  it("the API server: its host in any case; another host on its port is allowed unless it resolves there", () => {
    const policy = { allowed: [], apiServer: { host: "Kubernetes.Default", port: "443" } };
    assert.equal(
      refusal(t("kubernetes.default", "443"), policy, []),
      `kubernetes.default:443 is refused by the rule "the API server's own address" (kubernetes.default:443)`,
    );
    assert.equal(refusal(t("web.shop", "443", ["10.0.0.5"]), policy, ["10.96.0.1"]), undefined);
    assert.equal(
      refusal(t("web.shop", "443", ["10.0.0.5", "10.96.0.1"]), policy, ["10.96.0.1"]),
      `web.shop:443 is refused by the rule "the API server's own address" (kubernetes.default:443)`,
    );
  });

  it("targetOf: the host without brackets, the port or the scheme's", () => {
    assert.deepEqual(targetOf(new URL("http://[fe80::1]:8080/x")), { host: "fe80::1", port: "8080" });
    assert.deepEqual(targetOf(new URL("http://web.shop/x")), { host: "web.shop", port: "80" });
    assert.deepEqual(targetOf(new URL("https://web.shop/x")), { host: "web.shop", port: "443" });
  });

  it("an API server URL that does not parse gives no API server rule", () => {
    assert.equal(addressPolicy([], "not a url").apiServer, undefined);
    assert.equal(addressPolicy([], undefined).apiServer, undefined);
  });
});

describe("Web result: edges", () => {
  const url = "http://health.shop/status";
  const metric: Metric = { name: "h", successCondition: "result == true", provider: { web: { url } } };
  const response = (status: number, body = "true") => ({ kind: "response" as const, status, body });

  it("2xx is judged, from 200 to 299; 199 and 300 are Errors", () => {
    assert.equal(classifyWeb(metric, url, undefined, response(200)).phase, "Successful");
    assert.equal(classifyWeb(metric, url, undefined, response(299)).phase, "Successful");
    assert.deepEqual(classifyWeb(metric, url, undefined, response(199)), {
      phase: "Error",
      message: `Web call to ${url} answered HTTP 199, want 2xx`,
    });
    assert.deepEqual(classifyWeb(metric, url, undefined, response(300)), {
      phase: "Error",
      message: `Web call to ${url} answered HTTP 300, want 2xx`,
    });
  });

  it("a value is shown whole up to 256 characters, cut with ... beyond", () => {
    const m: Metric = { ...metric, successCondition: "len(result) > 0" };
    const fits = "a".repeat(254); // 256 characters with its quotes
    assert.equal(classifyWeb(m, url, undefined, response(200, JSON.stringify(fits))).value, `"${fits}"`);
    const long = "b".repeat(300);
    assert.equal(
      classifyWeb(m, url, undefined, response(200, JSON.stringify(long))).value,
      `"${"b".repeat(252)}...`,
    );
  });

  it("a failure's message is one line", () => {
    assert.deepEqual(classifyWeb(metric, url, undefined, { kind: "unreachable", message: "a\n\n  b \n" }), {
      phase: "Error",
      message: `Web call to ${url} failed: a b`,
    });
  });

  it("paths: braces with spaces inside, empty braces, an unbalanced brace left as written", () => {
    assert.equal(normalisePath("{ $.a.b }"), "$.a.b");
    assert.equal(normalisePath("{ }"), "$");
    assert.equal(normalisePath("{$.a"), "{$.a");
    assert.deepEqual(readJsonPath({ a: 1 }, "{$.a"), {
      found: false,
      message: "jsonPath {$.a matched nothing in the response",
    });
  });

  it("a path the library refuses is not valid, saying why", () => {
    assert.deepEqual(readJsonPath({ a: 1 }, "$..[?("), {
      found: false,
      message: "jsonPath $..[?( is not valid: Eval [?(expr)] prevented in JSONPath expression.",
    });
  });
});

describe("judging a measured value: edges", () => {
  const obs = (result: number[]) => ({
    result,
    shown: JSON.stringify(result),
    noDataWhy: (d?: string) => d ?? "nothing",
  });
  const m = (c: Partial<Metric>): Metric => ({ name: "m", provider: {}, ...c });

  it("no data takes Inconclusive by default, and says so", () => {
    assert.deepEqual(judge(m({ successCondition: "result[0] > 1" }), obs([Number.NaN])), {
      phase: "Inconclusive",
      value: "[null]",
      message: "no data: nothing (onNoData: Inconclusive)",
    });
  });

  it("only a failureCondition, false: Successful, saying which condition", () => {
    assert.deepEqual(judge(m({ failureCondition: "result[0] > 1" }), obs([0])), {
      phase: "Successful",
      value: "[0]",
      message: "failureCondition result[0] > 1 is false for [0]",
    });
  });

  it("both conditions false: Inconclusive", () => {
    assert.deepEqual(
      judge(m({ successCondition: "result[0] > 5", failureCondition: "result[0] < 1" }), obs([3])),
      {
        phase: "Inconclusive",
        value: "[3]",
        message: "neither condition holds for [3]",
      },
    );
  });
});

describe("choosing a metric's provider: edges", () => {
  const p = (name: string): MetricProvider => ({
    name,
    measure: () => Promise.reject(new Error("not here")),
  });
  const registry = new Map([
    ["prometheus", p("prometheus")],
    ["web", p("web")],
  ]);
  const metric = (provider: Record<string, unknown>) => ({ name: "m", provider }) as Metric;

  it("a field present but undefined names no provider", () => {
    const got = providerOf(metric({ prometheus: undefined, web: { url: "http://x" } }), registry);
    assert.equal("provider" in got && got.provider.name, "web");
  });

  it("a provider this controller does not run is passed over when another is named", () => {
    const got = providerOf(metric({ datadog: {}, web: { url: "http://x" } }), registry);
    assert.equal("provider" in got && got.provider.name, "web");
  });

  it("several: named in sorted order", () => {
    assert.deepEqual(
      providerOf(metric({ web: { url: "http://x" }, prometheus: { address: "a", query: "q" } }), registry),
      {
        error: 'metric "m" names several providers (prometheus, web); name one',
      },
    );
  });
});

describe("redaction: edges", () => {
  it("an outcome without a value keeps none", () => {
    assert.deepEqual(redact({ message: "token s3cret" }, ["s3cret"]), { message: "token [redacted]" });
  });
});
