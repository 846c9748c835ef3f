import assert from "node:assert/strict";
import { promQuery, startMetricsApp, waitUntilScraped, type MetricsApp } from "../support/metrics-app.js";
import { waitFor } from "../support/wait.js";

describe("smoke: Prometheus scrapes processes the tests start", () => {
  let app: MetricsApp | undefined;
  after(async () => app?.stop());

  it("returns through its HTTP API the value a prom-client process exposes", async function () {
    this.timeout(60_000);
    app = await startMetricsApp("smoke-prom", { version: "smoke", errorRate: 0.25 });
    await waitUntilScraped(app);
    const setting = await promQuery(`app_error_rate_setting{instance="${app.instance}"}`);
    assert.equal(setting.length, 1);
    assert.equal(Number(setting[0]!.value[1]), 0.25);
    assert.equal(setting[0]!.metric.version, "smoke");

    // A changed value shows up on the next scrapes: Prometheus reads the live process.
    await app.setErrorRate(0.5);
    await waitFor("the new value to be scraped", async () => {
      const r = await promQuery(`app_error_rate_setting{instance="${app!.instance}"}`);
      return Number(r[0]?.value[1]) === 0.5 ? true : undefined;
    });
    const served = await promQuery(`sum(app_requests_total{instance="${app.instance}"})`);
    assert.ok(Number(served[0]?.value[1]) > 0, "the request counter is scraped too");
  });
});
