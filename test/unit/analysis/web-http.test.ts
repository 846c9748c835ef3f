import assert from "node:assert/strict";
import type { LookupFunction } from "node:net";
import type { Metric } from "../../../controller/api/analysis.js";
import { openGuard, type AddressGuard } from "../../../controller/analysis/address-guard.js";
import type { MeasureContext } from "../../../controller/analysis/provider.js";
import { callWeb, webProvider, type WebRequest } from "../../../controller/analysis/providers/web.js";
import { closedPort, json, LocalServer, trickling } from "./local-server.js";

/**
 * The Web provider's HTTP call against a real server on 127.0.0.1: what is sent, and how each
 * way a call can end is classified.
 */
describe("Web provider: the HTTP call", () => {
  let server: LocalServer;
  beforeEach(async () => (server = await new LocalServer().start()));
  afterEach(() => server.stop());

  const get = (url: string, more: Partial<WebRequest> = {}): WebRequest => ({
    url,
    method: "GET",
    headers: {},
    timeoutSeconds: 5,
    insecure: false,
    ...more,
  });

  it("sends the method, headers and body; gives the status and the raw text of the answer", async () => {
    server.handler = (_req, res) => res.writeHead(200).end('{"ok": true}');
    const answer = await callWeb(
      get(`${server.url}/health?x=1`, { method: "POST", headers: { "X-Token": "t1" }, body: "ping" }),
    );
    assert.deepEqual(answer, { kind: "response", status: 200, body: '{"ok": true}' });
    assert.equal(server.received.length, 1);
    const req = server.received[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/health?x=1");
    assert.equal(req.headers["x-token"], "t1");
    assert.equal(req.body, "ping");
  });

  it("a status outside 2xx is an answer to classify, not a failure of the call", async () => {
    server.handler = (_req, res) => res.writeHead(503).end("down");
    assert.deepEqual(await callWeb(get(server.url)), { kind: "response", status: 503, body: "down" });
  });

  it("does not follow a redirect: the 302 itself is the answer", async () => {
    server.handler = (req, res) =>
      req.url === "/"
        ? res.writeHead(302, { location: "/elsewhere" }).end()
        : res.writeHead(200).end("followed");
    assert.deepEqual(await callWeb(get(`${server.url}/`)), { kind: "response", status: 302, body: "" });
    assert.deepEqual(
      server.received.map((r) => r.url),
      ["/"],
    );
  });

  it("takes a body of exactly 1 MiB and refuses one byte more", async () => {
    const mib = 1024 * 1024;
    server.handler = (req, res) => res.writeHead(200).end("x".repeat(req.url === "/big" ? mib + 1 : mib));
    const fits = await callWeb(get(`${server.url}/fits`));
    assert.equal(fits.kind === "response" && fits.body.length, mib);
    assert.deepEqual(await callWeb(get(`${server.url}/big`)), {
      kind: "unreachable",
      message: "ERR_BAD_RESPONSE: maxContentLength size of 1048576 exceeded",
    });
  });

  it("a closed port is a refused connection, naming the address and port", async () => {
    const port = await closedPort();
    assert.deepEqual(await callWeb(get(`http://127.0.0.1:${port}/x`)), {
      kind: "refused",
      address: `127.0.0.1:${port}`,
    });
  });

  it("a refused connection names the scheme's port when the URL has none", async () => {
    assert.deepEqual(await callWeb(get("http://127.0.0.1/x")), { kind: "refused", address: "127.0.0.1:80" });
    assert.deepEqual(await callWeb(get("https://127.0.0.1/x")), {
      kind: "refused",
      address: "127.0.0.1:443",
    });
  });

  it("no answer within timeoutSeconds is a timeout, naming the seconds", async () => {
    server.handler = () => undefined; // never answers
    assert.deepEqual(await callWeb(get(server.url, { timeoutSeconds: 1 })), { kind: "timeout", seconds: 1 });
  });

  it("an answer that trickles on past timeoutSeconds is a timeout too (the whole exchange is bounded)", async () => {
    server.handler = trickling;
    assert.deepEqual(await callWeb(get(server.url, { timeoutSeconds: 1 })), { kind: "timeout", seconds: 1 });
  });

  it("a host DNS does not know is a DNS failure, naming the host", async () => {
    assert.deepEqual(await callWeb(get("http://no-such-host.invalid/x")), {
      kind: "dns",
      host: "no-such-host.invalid",
    });
  });

  it("a connection cut without an answer is unreachable, with its code", async () => {
    server.handler = (_req, res) => res.socket?.destroy();
    const answer = await callWeb(get(server.url));
    assert.deepEqual(answer, { kind: "unreachable", message: "ECONNRESET: socket hang up" });
  });

  it("connects through the lookup given, and a name it refuses (DNS rebinding) is address-refused", async () => {
    const asked: string[] = [];
    // A name that resolves into the metadata range when connecting, through the guard's lookup.
    const rebinding = ((host: string, options: object, callback: never) => {
      asked.push(host);
      openGuard.lookup(host === "ok.invalid" ? "127.0.0.1" : "169.254.169.254", options, callback);
    }) as LookupFunction;
    server.handler = (_req, res) => res.writeHead(200).end("1");
    assert.deepEqual(await callWeb(get(`http://ok.invalid:${server.port}/`, { lookup: rebinding })), {
      kind: "response",
      status: 200,
      body: "1",
    });
    assert.deepEqual(await callWeb(get(`http://metadata.invalid:${server.port}/`, { lookup: rebinding })), {
      kind: "address-refused",
      message:
        '169.254.169.254 resolved to 169.254.169.254 when connecting, refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    });
    assert.deepEqual(asked, ["ok.invalid", "metadata.invalid"]);
    assert.equal(server.received.length, 1);
  });
});

describe("Web provider: a measurement end to end", () => {
  let server: LocalServer;
  beforeEach(async () => (server = await new LocalServer().start()));
  afterEach(() => server.stop());

  const metric = (web: Partial<NonNullable<Metric["provider"]["web"]>> = {}): Metric => ({
    name: "health",
    successCondition: "result == true",
    provider: { web: { url: `${server.url}/status`, jsonPath: "$.ok", ...web } },
  });

  function context(m: Metric, addresses: AddressGuard = openGuard) {
    const timed = { started: 0, ended: 0 };
    const ctx: MeasureContext = {
      run: { metadata: { name: "r", namespace: "n" }, spec: { metrics: [m] } },
      metric: m,
      scheduledAt: "2026-01-01T00:00:00Z",
      args: { token: "s3cret" },
      secret: () => assert.fail("no Secret is read by the Web provider"),
      addresses,
      timer: () => {
        timed.started++;
        return () => void timed.ended++;
      },
    };
    return { ctx, timed };
  }

  it("calls the url with its headers (arguments filled in), reads jsonPath and judges it; the call is timed", async () => {
    server.handler = json(200, { ok: true });
    const m = metric({ headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }] });
    const { ctx, timed } = context(m);
    assert.deepEqual(await webProvider.measure(ctx), {
      phase: "Successful",
      value: "true",
      message: "successCondition result == true holds for true",
    });
    assert.equal(server.received[0]!.headers.authorization, "Bearer s3cret");
    assert.equal(server.received[0]!.method, "GET");
    assert.deepEqual(timed, { started: 1, ended: 1 });
  });

  it("a jsonBody is sent as JSON with its content type, by the method named", async () => {
    server.handler = json(200, { ok: false });
    const { ctx } = context(metric({ method: "PUT", jsonBody: { probe: [1, "a"] } }));
    assert.deepEqual(await webProvider.measure(ctx), {
      phase: "Failed",
      value: "false",
      message: "successCondition result == true is false for false",
    });
    const req = server.received[0]!;
    assert.equal(req.method, "PUT");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.body, '{"probe":[1,"a"]}');
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
    server.handler = json(200, { ok: true });
    const { ctx } = context(metric({ url: `http://health.invalid:${server.port}/status` }), guard);
    assert.equal((await webProvider.measure(ctx)).phase, "Successful");
    assert.deepEqual(asked, ["health.invalid"]);
  });

  it("a failed call is an Error in words, after the call was timed", async () => {
    server.handler = (_req, res) => res.writeHead(500).end("boom");
    const { ctx, timed } = context(metric());
    assert.deepEqual(await webProvider.measure(ctx), {
      phase: "Error",
      message: `Web call to ${server.url}/status answered HTTP 500, want 2xx`,
    });
    assert.deepEqual(timed, { started: 1, ended: 1 });
  });

  it("a metric without a web provider is an Error, and nothing is called", async () => {
    const m: Metric = { name: "m", provider: { prometheus: { address: server.url, query: "up" } } };
    const { ctx, timed } = context(m);
    assert.deepEqual(await webProvider.measure(ctx), {
      phase: "Error",
      message: "the metric has no web provider",
    });
    assert.deepEqual([server.received.length, timed.started], [0, 0]);
  });

  it("an unresolved {{args...}} in the url is an Error, and nothing is called", async () => {
    const { ctx, timed } = context(metric({ url: `${server.url}/{{args.path}}` }));
    assert.deepEqual(await webProvider.measure(ctx), {
      phase: "Error",
      message:
        "Web call not sent: url or body still holds {{args...}}: the run's arguments were not resolved",
    });
    assert.deepEqual([server.received.length, timed.started], [0, 0]);
  });
});
