import assert from "node:assert/strict";
import net from "node:net";
import { successRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { startMetricsApp, waitUntilScraped, type MetricsApp } from "../support/metrics-app.js";
import { useNamespace } from "../support/namespace.js";
import {
  annotate,
  apply,
  revisions,
  rolloutManifest,
  runsOf,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

/** Every 2s, failing past 2 failed measurements. */
const rollbackMetric = { interval: "2s", failureLimit: 2 };

describe("Analysis: an unreachable Prometheus never promotes a canary", () => {
  const ns = useNamespace("analysis");
  useController(ns);
  const apps: MetricsApp[] = [];
  after(async () => Promise.all(apps.map((a) => a.stop())));

  async function version(name: string, errorRate: number): Promise<MetricsApp> {
    const app = await startMetricsApp(`${ns()}-${name}`, { version: name, errorRate });
    apps.push(app);
    await waitUntilScraped(app);
    return app;
  }

  // Aborts, promotions and undo on a bad canary run on real pods and real requests
  // (real-traffic.test.ts, real-undo.test.ts). This scenario keeps a stand-in process because it is
  // about Prometheus going away, independently of what any pod serves.

  it("Prometheus unreachable: measurements Error, never promotes, aborts after consecutiveErrorLimit; retry succeeds once it is back", async function () {
    this.timeout(150_000);
    await version("flaky", 0);
    // A switchable TCP relay to the real Prometheus stands in for a network outage.
    const target = new URL(testCluster().prometheusUrl);
    let open = false;
    const relay = net.createServer((client) => {
      if (!open) return client.destroy();
      const upstream = net.connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
    const relayUrl = `http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    try {
      await apply(
        ns(),
        successRateTemplate("via-relay", relayUrl, {
          metric: { ...rollbackMetric, consecutiveErrorLimit: 2 },
        }),
      );
      await apply(
        ns(),
        rolloutManifest("flaky", {
          replicas: 4,
          extraSpec: {
            strategy: {
              canary: {
                steps: [{ setWeight: 50 }, { pause: { duration: "5s" } }],
                analysis: {
                  templates: [{ templateName: "via-relay" }],
                  args: [{ name: "app", value: `${ns()}-flaky` }],
                },
              },
            },
          },
        }),
      );
      await waitForPhase(ns(), "flaky", "Healthy");
      await setImage(ns(), "flaky", v2);
      const ro = await waitForPhase(ns(), "flaky", "Degraded", 60_000);
      assert.match(
        ro.status?.message ?? "",
        /errored 3 times in a row, more than consecutiveErrorLimit 2: Prometheus unreachable/,
      );
      assert.deepEqual(
        Object.fromEntries((await revisions(ns(), "flaky")).map((r) => [r.image, r.replicas])),
        { [v1]: 4, [v2]: 0 },
      );

      open = true;
      await annotate(ns(), "flaky", "kestrel.dev/retry=true");
      await waitForSplit(ns(), "flaky", { [v2]: 4 }, { timeoutMs: 60_000 });
      await waitForPhase(ns(), "flaky", "Healthy");
      const runs = await runsOf(ns(), "flaky");
      assert.deepEqual(runs.map((r) => r.status?.phase).sort(), ["Error", "Successful"]);
    } finally {
      relay.close();
    }
  });
});
