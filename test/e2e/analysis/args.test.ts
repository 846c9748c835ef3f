import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { successRateQuery } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { startMetricsApp, waitUntilScraped, type MetricsApp } from "../support/metrics-app.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  rolloutManifest,
  runsOf,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * An AnalysisTemplate as Argo users write it: count, interval, successCondition, failureLimit
 * and the Prometheus address all come from {{args}}, with defaults a Rollout may override.
 */
function argoStyleTemplate(name: string): object {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      args: [
        { name: "app" },
        { name: "prometheus" },
        { name: "threshold" },
        { name: "count", value: "2" },
        { name: "interval", value: "1s500ms" },
        { name: "failure-limit", value: "0" },
      ],
      metrics: [
        {
          name: "success-rate",
          count: "{{args.count}}",
          interval: "{{args.interval}}",
          successCondition: "result[0] >= {{args.threshold}}",
          failureLimit: "{{args.failure-limit}}",
          provider: {
            prometheus: { address: "{{args.prometheus}}", timeout: 2, query: successRateQuery("5s") },
          },
        },
      ],
    },
  };
}

const runEnding = (namespace: string, rollout: string, phase: string): Promise<AnalysisRun> =>
  waitFor(`${rollout}'s AnalysisRun to end ${phase}`, async () => {
    const [run] = await runsOf(namespace, rollout);
    if (run?.status?.phase !== phase) throw new Error(`run ${run?.status?.phase}: ${run?.status?.message}`);
    return run;
  });

describe("Analysis: {{args}} in count, interval, conditions, limits and address (Argo-style templates)", () => {
  const ns = useNamespace("args");
  useController(ns);
  const apps: MetricsApp[] = [];
  after(async () => Promise.all(apps.map((a) => a.stop())));

  async function version(name: string, errorRate: number): Promise<string> {
    const app = await startMetricsApp(`${ns()}-${name}`, { version: name, errorRate });
    apps.push(app);
    await waitUntilScraped(app);
    return `${ns()}-${name}`;
  }

  /** A Rollout of 4 whose second step is the templated analysis, with `args` passed. */
  async function rollout(name: string, args: { name: string; value: string }[]): Promise<void> {
    const steps = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "argo-style" }], args } }];
    await apply(ns(), rolloutManifest(name, { replicas: 4, steps: steps as never }));
    // Templated conditions are not judged before the run has values: the Rollout starts Healthy.
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, v2);
  }

  before(async () => apply(ns(), argoStyleTemplate("argo-style")));

  it("resolves the template's defaults and the Rollout's args into the run's spec, measures count times and promotes", async function () {
    this.timeout(120_000);
    const app = await version("good", 0);
    await rollout("good", [
      { name: "app", value: app },
      { name: "prometheus", value: testCluster().prometheusUrl },
      { name: "threshold", value: "0.95" },
    ]);
    const run = await runEnding(ns(), "good", "Successful");
    const metric = run.spec.metrics[0]!;
    assert.deepEqual(
      {
        count: metric.count,
        interval: metric.interval,
        successCondition: metric.successCondition,
        failureLimit: metric.failureLimit,
        address: metric.provider.prometheus?.address,
      },
      {
        count: 2,
        interval: "1s500ms",
        successCondition: "result[0] >= 0.95",
        failureLimit: 0,
        address: testCluster().prometheusUrl,
      },
    );
    const result = run.status?.metricResults?.[0];
    assert.deepEqual([result?.count, result?.successful, result?.failed], [2, 2, 0]);
    await waitForSplit(ns(), "good", { [v1]: 0, [v2]: 4 });
    await waitForPhase(ns(), "good", "Healthy");
  });

  it("decides Failed against a failureLimit the Rollout passes, and aborts", async function () {
    this.timeout(120_000);
    const app = await version("bad", 0.3);
    await rollout("bad", [
      { name: "app", value: app },
      { name: "prometheus", value: testCluster().prometheusUrl },
      { name: "threshold", value: "0.95" },
      { name: "count", value: "5" },
      { name: "failure-limit", value: "1" },
    ]);
    const run = await runEnding(ns(), "bad", "Failed");
    assert.equal(run.spec.metrics[0]!.count, 5);
    assert.equal(run.spec.metrics[0]!.failureLimit, 1);
    assert.equal(run.status?.metricResults?.[0]?.failed, 2);
    const ro = await waitForPhase(ns(), "bad", "Degraded");
    assert.match(
      ro.status?.message ?? "",
      /metric "success-rate" failed 2 time\(s\), more than failureLimit 1/,
    );
    await waitForSplit(ns(), "bad", { [v1]: 4, [v2]: 0 });
  });

  it("ends the run Error, naming metric, field and argument, when a value does not resolve; nothing is measured", async function () {
    this.timeout(120_000);
    const app = await version("typo", 0);
    await rollout("typo", [
      { name: "app", value: app },
      { name: "prometheus", value: testCluster().prometheusUrl },
      { name: "threshold", value: "0.95" },
      { name: "count", value: "abc" },
    ]);
    const run = await runEnding(ns(), "typo", "Error");
    const message =
      'metric "success-rate": count "{{args.count}}" resolved to "abc", want an integer of at least 1';
    assert.equal(run.status?.message, message);
    assert.equal(run.status?.metricResults?.[0]?.measurements, undefined);
    const ro = await waitForPhase(ns(), "typo", "Degraded");
    assert.ok(ro.status?.message?.includes(message), ro.status?.message);
  });

  it("refuses at apply a count or interval that is neither its type nor exactly {{args.NAME}}, saying what would be right", async () => {
    const bad = (metric: object) => {
      const t = argoStyleTemplate("refused") as { spec: { metrics: object[] } };
      t.spec.metrics[0] = { ...t.spec.metrics[0], ...metric };
      return kubectl(["apply", "-n", ns(), "-f", "-"], { input: JSON.stringify(t) });
    };
    const count = await bad({ count: "abc" });
    assert.notEqual(count.code, 0);
    assert.match(count.stderr, /spec\.metrics\[0\]\.count: Invalid value: "abc"/);
    assert.match(
      count.stderr,
      /spec\.metrics\[0\]\.count: .*count must be an integer of at least 1, or a string that is exactly "\{\{args\.NAME\}\}"/,
    );
    const interval = await bad({ interval: "5d" });
    assert.notEqual(interval.code, 0);
    assert.match(interval.stderr, /spec\.metrics\[0\]\.interval: Invalid value: "5d"/);
    assert.match(
      interval.stderr,
      /spec\.metrics\[0\]\.interval: .*interval must be a duration such as "30s", "1m30s", "500ms" or "2h" \(a number is seconds\), or a string that is exactly "\{\{args\.NAME\}\}"/,
    );
    const compound = await bad({ interval: "1m30s", count: 3, failureLimit: 0 });
    assert.equal(compound.code, 0, compound.stderr);
  });
});
