import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, waitForPhase } from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

describe("Analysis: a SIGKILLed controller continues a run without double-counting", () => {
  const ns = useNamespace("run-restart");
  let controller: ControllerProcess;
  after(async function () {
    this.timeout(30_000);
    await controller?.stop();
  });

  it("takes exactly `count` measurements, one per slot, across two crashes", async function () {
    this.timeout(120_000);
    controller = new ControllerProcess([ns()]);
    await controller.start();
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "steady" },
      spec: {
        metrics: [
          {
            name: "up",
            interval: "1s",
            count: 8,
            successCondition: "result[0] == 1",
            provider: { prometheus: { address: testCluster().prometheusUrl, query: "vector(1)" } },
          },
        ],
      },
    });
    const manifest: Rollout = rolloutManifest("web", { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "steady" }] } }],
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "web", "Healthy");
    await setImage(ns(), "web", "example.com/app:2");

    const run = async (): Promise<AnalysisRun | undefined> => {
      const res = await kubectl(["get", "ar", "-n", ns(), "-o", "json"]);
      return (JSON.parse(res.stdout) as { items: AnalysisRun[] }).items[0];
    };
    for (const afterCount of [2, 5]) {
      await waitFor(
        `${afterCount} measurements`,
        async () => ((await run())?.status?.metricResults?.[0]?.count ?? 0) >= afterCount || undefined,
      );
      await controller.kill();
      controller = new ControllerProcess([ns()]);
      await controller.start();
    }
    const done = await waitFor("the run to finish", async () => {
      const r = await run();
      return r?.status?.phase === "Successful" ? r : undefined;
    });
    const metric = done.status!.metricResults![0]!;
    assert.equal(metric.count, 8);
    assert.equal(metric.successful, 8);
    const slots = (metric.measurements ?? []).map((m) => m.scheduledAt);
    assert.equal(new Set(slots).size, slots.length, "no slot measured twice");
    assert.deepEqual([...slots].sort(), slots, "slots in order");
    await waitForPhase(ns(), "web", "Healthy");
  });
});
