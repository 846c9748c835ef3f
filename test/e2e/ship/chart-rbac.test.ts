import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { chartDir, helm } from "../support/helm.js";
import { startMetricsApp, waitUntilScraped, type MetricsApp } from "../support/metrics-app.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, waitForPhase, waitForSplit } from "../support/rollouts.js";

describe("Chart RBAC: the controller as the chart's ServiceAccount", () => {
  const ns = useNamespace("rbac-watched");
  const other = useNamespace("rbac-other");
  let controller: ControllerProcess | undefined;
  let app: MetricsApp | undefined;
  let saConfig: k8s.KubeConfig;
  const release = (): string => `r-${ns().slice(-6)}`;
  after(async function () {
    this.timeout(60_000);
    await controller?.stop();
    await app?.stop();
    await helm(["uninstall", release(), "-n", ns()]);
  });

  it("installs, and with only the chart's RBAC completes a canary with analysis", async function () {
    this.timeout(180_000);
    const install = await helm([
      "install",
      release(),
      chartDir,
      "-n",
      ns(),
      "--set",
      "replicaCount=0",
      "--set",
      "watch.scope=namespaces",
      "--set",
      `watch.namespaces={${ns()}}`,
    ]);
    assert.equal(install.code, 0, install.stderr);
    const sa = `${release()}-kestrel`;
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: sa,
        namespace: ns(),
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      })
    ).status?.token;
    assert.ok(token);
    const cluster = testCluster().kc.getCurrentCluster()!;
    saConfig = new k8s.KubeConfig();
    saConfig.loadFromOptions({
      clusters: [cluster],
      users: [{ name: sa, token }],
      contexts: [{ name: sa, cluster: cluster.name, user: sa, namespace: ns() }],
      currentContext: sa,
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-sa-")), "kubeconfig");
    fs.writeFileSync(file, saConfig.exportConfig(), { mode: 0o600 });

    controller = new ControllerProcess([ns()], ["--leader-elect", `--lease-namespace=${ns()}`], file);
    await controller.start();

    app = await startMetricsApp(`${ns()}-canary`, { errorRate: 0 });
    await waitUntilScraped(app);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "success-rate" },
      spec: {
        metrics: [
          {
            name: "success-rate",
            interval: "1s",
            successCondition: "result[0] >= 0.95",
            provider: {
              prometheus: {
                address: testCluster().prometheusUrl,
                query: `sum(rate(app_requests_total{app_name="${ns()}-canary",code!="500"}[5s])) / sum(rate(app_requests_total{app_name="${ns()}-canary"}[5s]))`,
              },
            },
          },
        ],
      },
    });
    const manifest = rolloutManifest("web", { replicas: 4 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { pause: { duration: "3s" } }],
      analysis: { templates: [{ templateName: "success-rate" }] },
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "web", "Healthy");
    await setImage(ns(), "web", "example.com/app:2");
    await waitForSplit(ns(), "web", { "example.com/app:2": 4 }, { timeoutMs: 60_000 });
    await waitForPhase(ns(), "web", "Healthy");
    const forbidden = controller.logLines().filter((l) => String(l.error ?? "").includes("HTTP 403"));
    assert.deepEqual(forbidden, [], "no request of the controller was forbidden");
  });

  it("is forbidden what it does not need: Secrets of an unwatched namespace or cluster-wide, editing Nodes", async () => {
    const core = saConfig.makeApiClient(k8s.CoreV1Api);
    const is403 = (err: unknown): boolean => err instanceof k8s.ApiException && err.code === 403;
    await assert.rejects(core.readNamespacedSecret({ name: "anything", namespace: other() }), is403);
    // Config snapshots watch the Secrets of watched namespaces only: never another's, never cluster-wide.
    await core.listNamespacedSecret({ namespace: ns() });
    await assert.rejects(core.listNamespacedSecret({ namespace: other() }), is403);
    await assert.rejects(core.listSecretForAllNamespaces(), is403, "never a cluster-wide list of Secrets");
    await assert.rejects(
      core.createNamespacedSecret({ namespace: other(), body: { metadata: { name: "x" } } }),
      is403,
    );
    await assert.rejects(
      core.patchNode(
        { name: "kwok-node-0", body: { metadata: { labels: { x: "y" } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
      is403,
    );
    await assert.rejects(core.listNamespacedPod({ namespace: other() }), is403);
  });
});
