import assert from "node:assert/strict";
import type { Metric } from "../../../controller/api/analysis.js";
import type { AddressGuard } from "../../../controller/analysis/address-guard.js";
import type { MeasureContext } from "../../../controller/analysis/provider.js";
import { prometheusProvider } from "../../../controller/analysis/providers/prometheus.js";
import { webProvider } from "../../../controller/analysis/providers/web.js";

/** A guard that refuses everything and records what it was asked; its lookup must never run. */
function refusingGuard(): AddressGuard & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    check: (url) => {
      asked.push(url);
      return Promise.resolve('x:80 is refused by the rule "test"');
    },
    lookup: () => assert.fail("no connection may be attempted"),
  };
}

const ctx = (metric: Metric, addresses: AddressGuard): MeasureContext => ({
  run: { metadata: { name: "r", namespace: "n" }, spec: { metrics: [metric] } },
  metric,
  scheduledAt: "2026-01-01T00:00:00Z",
  args: { app: "web" },
  secret: () => assert.fail("no Secret is needed"),
  addresses,
  timer: () => () => undefined,
});

describe("providers refuse an address before any request", () => {
  it("Prometheus: the address is checked and the query not sent", async () => {
    const guard = refusingGuard();
    const metric: Metric = {
      name: "m",
      successCondition: "result[0] > 0",
      provider: { prometheus: { address: "http://169.254.169.254:9090", query: "up" } },
    };
    assert.deepEqual(await prometheusProvider.measure(ctx(metric, guard)), {
      phase: "Error",
      message: 'query not sent: x:80 is refused by the rule "test"',
    });
    assert.deepEqual(guard.asked, ["http://169.254.169.254:9090"]);
  });

  it("Web: the url is checked and the call not sent", async () => {
    const guard = refusingGuard();
    const metric: Metric = {
      name: "m",
      successCondition: "result == true",
      provider: { web: { url: "http://169.254.169.254/latest/meta-data/" } },
    };
    assert.deepEqual(await webProvider.measure(ctx(metric, guard)), {
      phase: "Error",
      message:
        'Web call to http://169.254.169.254/latest/meta-data/ not sent: x:80 is refused by the rule "test"',
    });
    assert.deepEqual(guard.asked, ["http://169.254.169.254/latest/meta-data/"]);
  });
});
