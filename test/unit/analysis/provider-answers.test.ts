import assert from "node:assert/strict";
import type { Metric } from "../../../controller/api/analysis.js";
import { openGuard } from "../../../controller/analysis/address-guard.js";
import type { MeasureContext } from "../../../controller/analysis/provider.js";
import {
  measurePrometheus,
  prometheusProvider,
  queryPrometheus,
} from "../../../controller/analysis/providers/prometheus.js";
import { providers } from "../../../controller/analysis/providers/registry.js";
import { webProvider } from "../../../controller/analysis/providers/web.js";
import { json, LocalServer } from "./local-server.js";

/** Prometheus answers that are not an instant vector or scalar, and what the Web call sends. */
describe("providers: more answers and requests", () => {
  let server: LocalServer;
  beforeEach(async () => (server = await new LocalServer().start()));
  afterEach(() => server.stop());

  it("Prometheus: success without data is a PromQL error of unknown type", async () => {
    server.handler = json(200, { status: "success" });
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x" }), {
      kind: "promql",
      errorType: "unknown",
      message: "Prometheus answered without data",
    });
  });

  it("Prometheus: a range (matrix) result is refused, naming its type", async () => {
    server.handler = json(200, { status: "success", data: { resultType: "matrix", result: [] } });
    assert.deepEqual(await queryPrometheus({ address: server.url, query: "x[5m]" }), {
      kind: "promql",
      errorType: "unsupported",
      message: "result type matrix is not supported; use an instant vector or scalar",
    });
  });

  it("Prometheus: a vector's values are shown in order, NaN as NaN", () => {
    const metric: Metric = { name: "m", failureCondition: "result[0] > 1", provider: {} };
    assert.equal(measurePrometheus(metric, { kind: "vector", values: [0.5, Number.NaN] }).value, "[0.5,NaN]");
  });

  const web = (w: Partial<NonNullable<Metric["provider"]["web"]>>): MeasureContext => {
    const metric: Metric = {
      name: "h",
      successCondition: "result == true",
      provider: { web: { url: `${server.url}/x`, ...w } },
    };
    return {
      run: { metadata: { name: "r", namespace: "n" }, spec: { metrics: [metric] } },
      metric,
      scheduledAt: "2026-01-01T00:00:00Z",
      args: {},
      secret: () => assert.fail("no Secret"),
      addresses: openGuard,
      timer: () => () => undefined,
    };
  };

  it("Web: a content type the metric names is kept with a jsonBody, whatever its case", async () => {
    server.handler = json(200, true);
    const ctx = web({
      method: "POST",
      jsonBody: { a: 1 },
      headers: [{ key: "content-TYPE", value: "application/merge-patch+json" }],
    });
    assert.equal((await webProvider.measure(ctx)).phase, "Successful");
    assert.equal(server.received[0]!.headers["content-type"], "application/merge-patch+json");
  });

  it("Web: a call without a body sends no content type", async () => {
    server.handler = json(200, true);
    assert.equal((await webProvider.measure(web({}))).phase, "Successful");
    assert.equal(server.received[0]!.headers["content-type"], undefined);
  });

  it("Web: a body still holding {{args...}} is not sent", async () => {
    const out = await webProvider.measure(web({ method: "POST", body: '{"n": {{args.n}}}' }));
    assert.deepEqual(out, {
      phase: "Error",
      message:
        "Web call not sent: url or body still holds {{args...}}: the run's arguments were not resolved",
    });
    assert.equal(server.received.length, 0);
  });

  it("the registry finds each provider under its field name", () => {
    assert.equal(providers.get("prometheus"), prometheusProvider);
    assert.equal(providers.get("web"), webProvider);
  });
});
