import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { AnalysisRun, MetricResult } from "../../../controller/api/analysis.js";
import type { Rollout } from "../../../controller/api/rollout.js";
import { startComponent, stopComponent } from "../../cluster/restart.js";
import { successRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { keepClusterHealthy, localClusterInfo } from "../support/drills.js";
import { startMetricsApp, waitUntilScraped, type MetricsApp } from "../support/metrics-app.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  revisions,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * Fault drill (issue 7): the real Prometheus the analysis queries is stopped mid-analysis and
 * started again. While it is away every measurement is an Error (unreachable), and right after
 * it is back the rate() window may be empty (no data, counted as Error here by onNoData). The
 * run must go on or end by its own limits, and the rollout must never promote on missing data:
 * errors never fill the metric's `count`, so only real passing measurements promote.
 */
describe("Drill: Prometheus restarts mid-analysis", () => {
  keepClusterHealthy(["prometheus"]);
  const ns = useNamespace("drill-prometheus");
  useController(ns);
  let app: MetricsApp | undefined;
  const appName = (): string => `${ns()}-v2`;

  before(async function () {
    this.timeout(60_000);
    if (process.env.KESTREL_CLUSTER === "existing") return;
    app = await startMetricsApp(appName(), { version: "v2", errorRate: 0 });
    await waitUntilScraped(app);
  });
  after(async () => app?.stop());
  // Whatever a test did, the next one starts with Prometheus up and the app's rate in it again
  // (a test that ends right after the restart would leave the next one an empty window).
  afterEach(async function () {
    this.timeout(180_000);
    if (process.env.KESTREL_CLUSTER === "existing") return;
    await startComponent("prometheus");
    if (app) await waitUntilScraped(app);
  });

  /** A success-rate template as a user writes it, tolerant of a data gap by its own limits. */
  async function template(name: string, metric: { count: number; consecutiveErrorLimit: number }) {
    await apply(
      ns(),
      successRateTemplate(name, testCluster().prometheusUrl, {
        window: "10s",
        metric: { interval: "1s", ...metric, onNoData: "Error" },
      }),
    );
  }

  /** A canary at 50% whose next step is the analysis; it goes to 100% only once the run passes. */
  async function canary(name: string, templateName: string): Promise<void> {
    const manifest: Rollout = rolloutManifest(name, { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [
        { setWeight: 50 },
        { analysis: { templates: [{ templateName }], args: [{ name: "app", value: appName() }] } },
      ],
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, v2);
  }

  async function run(rollout: string): Promise<AnalysisRun | undefined> {
    const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({
      group: "kestrel.dev",
      version: "v1alpha1",
      plural: "analysisruns",
      namespace: ns(),
      labelSelector: `kestrel.dev/rollout=${rollout}`,
    })) as { items: AnalysisRun[] };
    return list.items[0];
  }

  const result = (r: AnalysisRun | undefined): MetricResult | undefined => r?.status?.metricResults?.[0];

  async function waitForRun(rollout: string, what: string, ok: (m: MetricResult) => boolean) {
    return waitFor(
      `the run of ${rollout} to have ${what}`,
      async () => {
        const r = await run(rollout);
        const m = result(r);
        if (!m) throw new Error("no run yet");
        if (!ok(m))
          throw new Error(`run ${r?.status?.phase}: ${JSON.stringify({ ...m, measurements: undefined })}`);
        return r!;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  /**
   * Samples, every 100 ms, the canary's scale and then the run's phase. The run is read after
   * the ReplicaSets, so a promoted canary next to a run that is not (yet) Successful means the
   * rollout promoted before its analysis passed.
   */
  function watchForEarlyPromotion(rollout: string): { stop(): Promise<string[]> } {
    let sampling = true;
    const violations: string[] = [];
    const loop = (async () => {
      while (sampling) {
        try {
          const canaryReplicas = (await revisions(ns(), rollout)).find((r) => r.image === v2)?.replicas ?? 0;
          const r = await run(rollout);
          if (canaryReplicas === 2 && r?.status?.phase !== "Successful")
            violations.push(
              `canary at 2/2 while the run was ${r?.status?.phase ?? "absent"} (${JSON.stringify({ ...result(r), measurements: undefined })})`,
            );
        } catch {
          // a transient read error is not evidence either way
        }
        await sleep(100);
      }
    })();
    return {
      async stop() {
        sampling = false;
        await loop;
        return violations;
      },
    };
  }

  it("restarted while measuring, generous limits: the run rides out the outage, takes all `count` good measurements, and only then promotes", async function () {
    this.timeout(180_000);
    localClusterInfo();
    await template("ride-out", { count: 6, consecutiveErrorLimit: 30 });
    await canary("ride-out", "ride-out");
    const early = watchForEarlyPromotion("ride-out");
    let violations: string[] | undefined;
    try {
      await waitForRun("ride-out", "2 good measurements", (m) => m.successful >= 2);
      await stopComponent("prometheus");
      // Down for longer than the count's remaining slots: an errored measurement must not fill one.
      const down = await waitForRun("ride-out", "6 errors while Prometheus is down", (m) => m.error >= 6);
      const during = result(down)!;
      assert.equal(
        down.status?.phase,
        "Running",
        `still running while Prometheus is down: ${down.status?.message}`,
      );
      assert.ok(during.count < 6, `errors filled no slot of count 6 (count ${during.count})`);
      assert.match(during.message ?? "", /Prometheus unreachable/);
      const mid = await getRollout(ns(), "ride-out");
      assert.equal(mid.status?.currentStepIndex, 1, "the rollout waits at its analysis step");
      await startComponent("prometheus");

      await waitForSplit(ns(), "ride-out", { [v2]: 2 }, { timeoutMs: 90_000 });
      await waitForPhase(ns(), "ride-out", "Healthy");
    } finally {
      violations = await early.stop();
    }
    assert.deepEqual(violations, [], "never promoted before the run passed");
    const done = await run("ride-out");
    const m = result(done)!;
    assert.equal(done?.status?.phase, "Successful", done?.status?.message);
    assert.equal(m.count, 6, "count measurements without error");
    assert.equal(m.successful, 6, "every counted measurement was a real pass");
    assert.equal(m.failed, 0);
    assert.ok(m.error >= 6, `the outage was measured as errors (${m.error})`);
  });

  it("down with a small consecutiveErrorLimit: the run errors and the rollout aborts to the stable version", async function () {
    this.timeout(180_000);
    localClusterInfo();
    await template("give-up", { count: 6, consecutiveErrorLimit: 2 });
    await canary("give-up", "give-up");
    const early = watchForEarlyPromotion("give-up");
    let violations: string[] | undefined;
    try {
      await waitForRun("give-up", "1 good measurement", (m) => m.successful >= 1);
      await stopComponent("prometheus");
      const ro = await waitForPhase(ns(), "give-up", "Degraded", 60_000);
      assert.match(
        ro.status?.message ?? "",
        /errored 3 times in a row, more than consecutiveErrorLimit 2: Prometheus unreachable/,
      );
      await waitForSplit(ns(), "give-up", { [v1]: 2, [v2]: 0 }, { timeoutMs: 60_000 });
    } finally {
      violations = await early.stop();
      await startComponent("prometheus");
    }
    assert.deepEqual(violations, [], "never promoted on missing data");
    const r = await run("give-up");
    assert.equal(r?.status?.phase, "Error");
    assert.ok((result(r)?.successful ?? 0) < 6, "it did not pass");
    const ro = await getRollout(ns(), "give-up");
    assert.equal(ro.status?.phase, "Degraded");
    assert.equal(ro.spec.template.spec?.containers[0]?.image, v2, "abort leaves the spec as written");
  });
});
