import assert from "node:assert/strict";
import type { LookupFunction } from "node:net";
import type { Metric } from "../../../controller/api/analysis.js";
import { openGuard, type AddressGuard } from "../../../controller/analysis/address-guard.js";
import type { MeasureContext } from "../../../controller/analysis/provider.js";
import { prometheusProvider, queryPrometheus } from "../../../controller/analysis/providers/prometheus.js";
import { closedPort, json, LocalServer, trickling } from "./local-server.js";

const vector = (...values: string[]) => ({
  status: "success",
  data: { resultType: "vector", result: values.map((v) => ({ metric: {}, value: [1700000000, v] })) },
});

/** The Prometheus provider's query against a real server on 127.0.0.1 playing Prometheus. */
describe("Prometheus provider: the query", () => {
  let server: LocalServer;
  beforeEach(async () => (server = await new LocalServer().start()));
  afterEach(() => server.stop());

  it("POSTs the query as a form to /api/v1/query, with the timeout in seconds (default 10)", async () => {
    server.handler = json(200, vector("0.5", "0.75"));
    assert.deepEqual(await queryPrometheus({ address: server.url, query: 'up{job="a b"}' }), {
      kind: "vector",
      values: [0.5, 0.75],
    });
    const req = server.received[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/api/v1/query");
    assert.match(req.headers["content-type"] ?? "", /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      query: 'up{job="a b"}',
      timeout: "10s",
    });
    assert.equal(req.headers.authorization, undefined);
  });

  it("trailing slashes of the address are dropped; the timeout given is sent, at least 1s", async () => {
    server.handler = json(200, { status: "success", data: { resultType: "scalar", result: [1, "3"] } });
    assert.deepEqual(await queryPrometheus({ address: `${server.url}//`, query: "1", timeoutSeconds: 3 }), {
      kind: "scalar",
      value: 3,
    });
    await queryPrometheus({ address: server.url, query: "1", timeoutSeconds: 0.5 });
    assert.deepEqual(
      server.received.map((r) => [r.url, new URLSearchParams(r.body).get("timeout")]),
      [
        ["/api/v1/query", "3s"],
        ["/api/v1/query", "1s"],
      ],
    );
  });

  it("sends the headers given and a bearer token as Authorization", async () => {
    server.handler = json(200, vector("1"));
    await queryPrometheus({
      address: server.url,
      query: "up",
      headers: { "X-Scope-OrgID": "team-a" },
      bearerToken: "tok",
    });
    assert.equal(server.received[0]!.headers["x-scope-orgid"], "team-a");
    assert.equal(server.received[0]!.headers.authorization, "Bearer tok");
  });

  it("sends basic credentials as Authorization: Basic", async () => {
    server.handler = json(200, vector("1"));
    await queryPrometheus({ address: server.url, query: "up", basicAuth: { username: "u", password: "p" } });
    // base64("u:p")
    assert.equal(server.received[0]!.headers.authorization, "Basic dTpw");
  });

  it("a PromQL error in a 400/422 JSON body is read, not thrown", async () => {
    server.handler = json(422, { status: "error", errorType: "execution", error: "many-to-many matching" });
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x" }), {
      kind: "promql",
      errorType: "execution",
      message: "many-to-many matching",
    });
  });

  it("an answer that is not Prometheus' JSON is an HTTP error with the status and at most 200 characters", async () => {
    server.handler = (_req, res) => res.writeHead(502).end(`bad gateway ${"x".repeat(300)}`);
    const out = await queryPrometheus({ address: server.url, query: "x" });
    assert.deepEqual(out, {
      kind: "http",
      status: 502,
      message: `HTTP 502: bad gateway ${"x".repeat(200 - "bad gateway ".length)}`,
    });
  });

  it("JSON without a status is an HTTP error too", async () => {
    server.handler = json(200, { data: 1 });
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x" }), {
      kind: "http",
      status: 200,
      message: "HTTP 200: [object Object]",
    });
  });

  it("no answer within the timeout is a timeout, naming the seconds and the address", async () => {
    server.handler = () => undefined; // never answers
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x", timeoutSeconds: 1 }), {
      kind: "timeout",
      message: `no answer within 1s from ${server.url}`,
    });
  });

  it("an answer that trickles on past the timeout is a timeout too (the whole exchange is bounded)", async () => {
    server.handler = trickling;
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x", timeoutSeconds: 1 }), {
      kind: "timeout",
      message: `no answer within 1s from ${server.url}`,
    });
  });

  it("a closed port is unreachable, naming the address and the code", async () => {
    const address = `http://127.0.0.1:${await closedPort()}`;
    const out = await queryPrometheus({ address, query: "x" });
    assert.deepEqual(out, {
      kind: "unreachable",
      message: `cannot reach ${address}: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${address.split(":")[2]}`,
    });
  });

  it("connects through the lookup given, so a name cannot resolve into a refused range", async () => {
    const asked: string[] = [];
    const lookup = ((host: string, options: object, callback: never) => {
      asked.push(host);
      openGuard.lookup(host === "prom.invalid" ? "127.0.0.1" : "169.254.169.254", options, callback);
    }) as LookupFunction;
    server.handler = json(200, vector("1"));
    assert.deepEqual(
      await queryPrometheus({ address: `http://prom.invalid:${server.port}`, query: "up", lookup }),
      {
        kind: "vector",
        values: [1],
      },
    );
    const refused = await queryPrometheus({
      address: `http://meta.invalid:${server.port}`,
      query: "up",
      lookup,
    });
    assert.equal(refused.kind, "unreachable");
    assert.match((refused as { message: string }).message, /refused by the rule "link-local range/);
    assert.deepEqual(asked, ["prom.invalid", "meta.invalid"]);
    assert.equal(server.received.length, 1);
  });
});

describe("Prometheus provider: a measurement end to end", () => {
  let server: LocalServer;
  beforeEach(async () => (server = await new LocalServer().start()));
  afterEach(() => server.stop());

  type Prom = NonNullable<Metric["provider"]["prometheus"]>;
  const metric = (prom: Partial<Prom> = {}): Metric => ({
    name: "success-rate",
    successCondition: "result[0] >= 0.9",
    provider: { prometheus: { address: server.url, query: 'rate{app="{{args.app}}"}', ...prom } },
  });

  function context(m: Metric, secrets: Record<string, string> = {}, addresses: AddressGuard = openGuard) {
    const seen = { secrets: [] as string[], started: 0, ended: 0 };
    const ctx: MeasureContext = {
      run: { metadata: { name: "r", namespace: "n" }, spec: { metrics: [m] } },
      metric: m,
      scheduledAt: "2026-01-01T00:00:00Z",
      args: { app: "web" },
      secret: (name, key) => {
        seen.secrets.push(`${name}/${key}`);
        const v = secrets[`${name}/${key}`];
        return v === undefined ? Promise.reject(new Error(`no ${name}/${key}`)) : Promise.resolve(v);
      },
      addresses,
      timer: () => {
        seen.started++;
        return () => void seen.ended++;
      },
    };
    return { ctx, seen };
  }

  it("fills the arguments into the query, sends headers and timeout, judges the answer; the call is timed", async () => {
    server.handler = json(200, vector("0.95"));
    const { ctx, seen } = context(metric({ headers: [{ key: "X-Scope-OrgID", value: "t" }], timeout: 4 }));
    assert.deepEqual(await prometheusProvider.measure(ctx), {
      phase: "Successful",
      value: "[0.95]",
      message: "successCondition result[0] >= 0.9 holds for [0.95]",
    });
    const req = server.received[0]!;
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      query: 'rate{app="web"}',
      timeout: "4s",
    });
    assert.equal(req.headers["x-scope-orgid"], "t");
    assert.equal(req.headers.authorization, undefined);
    assert.deepEqual(seen, { secrets: [], started: 1, ended: 1 });
  });

  it("reads the bearer token from its Secret", async () => {
    server.handler = json(200, vector("0.5"));
    const m = metric({ authentication: { bearerTokenSecret: { name: "prom", key: "token" } } });
    const { ctx, seen } = context(m, { "prom/token": "abc" });
    assert.equal((await prometheusProvider.measure(ctx)).phase, "Failed");
    assert.equal(server.received[0]!.headers.authorization, "Bearer abc");
    assert.deepEqual(seen.secrets, ["prom/token"]);
  });

  it("reads basic credentials from their Secret, under the keys username and password by default", async () => {
    server.handler = json(200, vector("1"));
    // As a client reads it where the API server's defaults were not applied (an older object).
    const noKeys = { name: "creds" } as { name: string; usernameKey: string; passwordKey: string };
    const m = metric({ authentication: { basicAuthSecret: noKeys } });
    const { ctx, seen } = context(m, { "creds/username": "ann", "creds/password": "pw" });
    await prometheusProvider.measure(ctx);
    assert.equal(
      server.received[0]!.headers.authorization,
      `Basic ${Buffer.from("ann:pw").toString("base64")}`,
    );
    assert.deepEqual(seen.secrets, ["creds/username", "creds/password"]);
  });

  it("reads basic credentials under the keys named", async () => {
    server.handler = json(200, vector("1"));
    const m = metric({
      authentication: { basicAuthSecret: { name: "creds", usernameKey: "u", passwordKey: "p" } },
    });
    const { ctx, seen } = context(m, { "creds/u": "bob", "creds/p": "pw2" });
    await prometheusProvider.measure(ctx);
    assert.equal(
      server.received[0]!.headers.authorization,
      `Basic ${Buffer.from("bob:pw2").toString("base64")}`,
    );
    assert.deepEqual(seen.secrets, ["creds/u", "creds/p"]);
  });

  it("connects through the guard's lookup", async () => {
    const asked: string[] = [];
    const guard: AddressGuard = {
      check: () => Promise.resolve(undefined),
      lookup: ((host: string, options: object, callback: never) => {
        asked.push(host);
        openGuard.lookup("127.0.0.1", options, callback);
      }) as LookupFunction,
    };
    server.handler = json(200, vector("1"));
    const { ctx } = context(metric({ address: `http://prom.invalid:${server.port}` }), {}, guard);
    assert.equal((await prometheusProvider.measure(ctx)).phase, "Successful");
    assert.deepEqual(asked, ["prom.invalid"]);
  });

  it("an unreachable Prometheus is an Error (not a Failed measurement), after the call was timed", async () => {
    const address = `http://127.0.0.1:${await closedPort()}`;
    const { ctx, seen } = context(metric({ address }));
    const out = await prometheusProvider.measure(ctx);
    assert.equal(out.phase, "Error");
    assert.match(
      (out as { message: string }).message,
      /^Prometheus unreachable: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
    );
    assert.deepEqual([seen.started, seen.ended], [1, 1]);
  });

  it("a metric without a prometheus provider is an Error, and nothing is called", async () => {
    const m: Metric = { name: "m", provider: { web: { url: server.url } } };
    const { ctx, seen } = context(m);
    assert.deepEqual(await prometheusProvider.measure(ctx), {
      phase: "Error",
      message: "the metric has no prometheus provider",
    });
    assert.deepEqual([server.received.length, seen.started], [0, 0]);
  });

  it("a query naming an argument the run lacks is an Error, and nothing is called", async () => {
    const { ctx, seen } = context(metric({ query: "up{x='{{args.missing}}'}" }));
    const out = await prometheusProvider.measure(ctx);
    assert.equal(out.phase, "Error");
    assert.match((out as { message: string }).message, /^query not sent: .*missing/);
    assert.deepEqual([server.received.length, seen.started], [0, 0]);
  });
});
