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
  v3,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

/** The rollback tests' analysis: every 2s, failing past 2 failed measurements. */
const rollbackMetric = { interval: "2s", failureLimit: 2 };

describe("Analysis: Prometheus success rate rolls a bad canary back by itself", () => {
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

  // A canary aborted on its success rate and a healthy one promoted run on real pods and real
  // requests in real-traffic.test.ts; these scenarios still use stand-in processes because they
  // change what Prometheus sees (a fixed error rate per name, Prometheus stopped) independently of pods.

  it("onFailure undo with toRevision leaves spec.template equal to that revision, Healthy on it", async function () {
    this.timeout(150_000);
    await version("undo", 0.3);
    await apply(
      ns(),
      successRateTemplate("success-rate", testCluster().prometheusUrl, { metric: rollbackMetric }),
    );
    const spec = (steps: object[]) => ({
      strategy: {
        canary: {
          steps,
          analysis: {
            templates: [{ templateName: "success-rate" }],
            args: [{ name: "app", value: `${ns()}-undo` }],
          },
          onFailure: { action: "undo", toRevision: 1 },
        },
      },
    });
    await apply(
      ns(),
      rolloutManifest("undo", { replicas: 4, extraSpec: spec([{ setWeight: 50 }, { pause: {} }]) as never }),
    );
    await waitForPhase(ns(), "undo", "Healthy");
    // Revision 2 goes out before the metrics turn bad: promote it at once.
    await setImage(ns(), "undo", v2);
    await annotate(ns(), "undo", "kestrel.dev/promote=full");
    await waitForSplit(ns(), "undo", { [v2]: 4 });
    await waitForPhase(ns(), "undo", "Healthy");
    await setImage(ns(), "undo", v3);
    await waitForSplit(ns(), "undo", { [v1]: 4 }, { timeoutMs: 60_000 });
    const ro = await waitForPhase(ns(), "undo", "Healthy");
    assert.equal(ro.spec.template.spec?.containers[0]?.image, v1);
    const revs = await revisions(ns(), "undo");
    assert.deepEqual(
      revs.map((r) => [r.image, r.revision]),
      [
        [v2, 2],
        [v3, 3],
        [v1, 4],
      ],
    );
    assert.equal(ro.status?.stableRS, revs.find((r) => r.image === v1)?.hash);
  });

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
