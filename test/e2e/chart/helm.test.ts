import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { chartDir, helm } from "../support/helm.js";
import { useNamespace } from "../support/namespace.js";
import { waitFor } from "../support/wait.js";

describe("Helm chart: lint, install, upgrade, uninstall", () => {
  const ns = useNamespace("chart");
  const release = (): string => `k-${ns().slice(-6)}`;

  it("lints clean", async () => {
    const res = await helm(["lint", "--strict", chartDir]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("refuses values that break values.schema.json, naming the value", async () => {
    const res = await helm(["template", "x", chartDir, "--set", "watch.scope=everywhere"]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /watch\/scope/);
  });

  it("installs every object, upgrades them in place, and uninstalls them", async function () {
    this.timeout(180_000);
    const { kc } = testCluster();
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const install = await helm([
      "install",
      release(),
      chartDir,
      "-n",
      ns(),
      "--wait",
      "--timeout",
      "90s",
      "--set",
      "watch.scope=namespaces",
      "--set",
      `watch.namespaces={${ns()}}`,
    ]);
    assert.equal(install.code, 0, install.stderr);
    const name = `${release()}-kestrel`;
    const deployment = await apps.readNamespacedDeployment({ name, namespace: ns() });
    assert.equal(deployment.spec?.replicas, 2);
    assert.equal(deployment.status?.availableReplicas, 2, "--wait returned with both replicas available");
    const container = deployment.spec?.template.spec?.containers[0];
    assert.ok(container?.args?.includes("--leader-elect"));
    assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(container?.securityContext?.capabilities?.drop, ["ALL"]);
    assert.equal(deployment.spec?.template.spec?.securityContext?.runAsNonRoot, true);
    assert.equal(container?.livenessProbe?.httpGet?.path, "/healthz");
    assert.equal(container?.readinessProbe?.httpGet?.path, "/readyz");
    await core.readNamespacedServiceAccount({ name, namespace: ns() });
    await core.readNamespacedService({ name: `${name}-metrics`, namespace: ns() });
    await rbac.readNamespacedRole({ name, namespace: ns() });
    await rbac.readNamespacedRoleBinding({ name, namespace: ns() });
    await rbac.readNamespacedRole({ name: `${name}-leader-election`, namespace: ns() });
    await rbac.readClusterRole({ name: `${name}-cluster-templates` });

    const upgrade = await helm([
      "upgrade",
      release(),
      chartDir,
      "-n",
      ns(),
      "--reuse-values",
      "--set",
      "logLevel=debug",
    ]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const upgraded = await apps.readNamespacedDeployment({ name, namespace: ns() });
    assert.ok(upgraded.spec?.template.spec?.containers[0]?.args?.includes("--log-level=debug"));

    const uninstall = await helm(["uninstall", release(), "-n", ns(), "--wait"]);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    await waitFor("the chart's objects to be gone", async () => {
      const left = await apps.listNamespacedDeployment({ namespace: ns() });
      const roles = await rbac.listNamespacedRole({ namespace: ns() });
      return left.items.length === 0 && roles.items.length === 0 ? true : undefined;
    });
    await assert.rejects(rbac.readClusterRole({ name: `${name}-cluster-templates` }));
  });
});
