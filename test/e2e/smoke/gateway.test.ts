import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import {
  createRoute,
  jsonPatchRoute,
  readRoute,
  sendThroughGateway,
  useGateway,
  waitForRouteAccepted,
  type HTTPRoute,
} from "../support/gateway.js";
import { useNamespace } from "../support/namespace.js";
import { appPort, createService, podMetric, sampleAppTemplate, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** Requests each version's pods say they served with 200 (app_requests_total, read from every pod by its IP). */
async function servedByPods(namespace: string): Promise<Record<string, number>> {
  const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace, labelSelector: "app=web" });
  const served: Record<string, number> = {};
  for (const p of pods.items) {
    for (const s of await podMetric(p.status!.podIP!, "app_requests_total"))
      if (s.labels.code === "200") served[s.labels.version!] = (served[s.labels.version!] ?? 0) + s.value;
  }
  return served;
}

const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));

describe("smoke: the Gateway API data plane routes real requests by HTTPRoute", () => {
  useRealNode();
  const gateway = useGateway();
  const ns = useNamespace("gateway");
  const host = (): string => `web.${ns()}.test`;
  /** The route as written: a header-match rule for v2, then the weighted rule (80/20). */
  const route = (): HTTPRoute => ({
    metadata: { name: "web" },
    spec: {
      parentRefs: [{ name: gateway().name, namespace: gateway().namespace }],
      hostnames: [host()],
      rules: [
        {
          matches: [{ headers: [{ name: "x-canary", value: "true" }] }],
          backendRefs: [{ name: "web-v2", port: appPort }],
        },
        {
          backendRefs: [
            { name: "web-v1", port: appPort, weight: 80 },
            { name: "web-v2", port: appPort, weight: 20 },
          ],
        },
      ],
    },
  });
  let createdGeneration = 0;

  before(async function () {
    this.timeout(180_000);
    const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
    for (const version of ["v1", "v2"]) {
      const labels = { app: "web", version };
      await apps.createNamespacedDeployment({
        namespace: ns(),
        body: {
          metadata: { name: `web-${version}` },
          spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: sampleAppTemplate({ labels, version }),
          },
        },
      });
      await createService(ns(), `web-${version}`, labels);
    }
    for (const version of ["v1", "v2"])
      await waitFor(
        `Deployment web-${version} to have 2 available replicas`,
        async () => {
          const d = await apps.readNamespacedDeployment({ namespace: ns(), name: `web-${version}` });
          return d.status?.availableReplicas === 2 ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
    createdGeneration = (await createRoute(ns(), route())).metadata.generation!;
    await waitForRouteAccepted(ns(), "web", gateway().name);
    // Traefik loads a route just after it reports it; until then it answers 404.
    await waitFor("a first 200 through the gateway", async () => {
      const t = await sendThroughGateway(gateway().url, host(), 1);
      return Object.keys(t.failures).length === 0 ? true : undefined;
    });
  });

  it("1,000 requests at weights 80/20 are served 800 by v1 pods and 200 by v2 pods", async function () {
    this.timeout(120_000);
    const before = await servedByPods(ns());
    const tally = await sendThroughGateway(gateway().url, host(), 1000);
    const served = minus(await servedByPods(ns()), before);
    assert.deepEqual(tally.failures, {}, "every request is answered 200");
    assert.deepEqual(tally.byVersion, { v1: 800, v2: 200 }, "answers by version (x-version)");
    assert.deepEqual(served, { v1: 800, v2: 200 }, "requests the pods counted themselves");
    assert.equal(Object.keys(tally.byPod).length, 4, "all four pods served (pod IPs of the real node)");
  });

  it("a header-match rule sends every matching request to v2 whatever the weights", async function () {
    this.timeout(120_000);
    const before = await servedByPods(ns());
    const tally = await sendThroughGateway(gateway().url, host(), 500, { "x-canary": "true" });
    const served = minus(await servedByPods(ns()), before);
    assert.deepEqual(tally.failures, {});
    assert.deepEqual(tally.byVersion, { v2: 500 });
    assert.deepEqual(served, { v1: 0, v2: 500 });
  });

  it("after a JSON patch of the weights to 0/100 every request goes to v2", async function () {
    this.timeout(120_000);
    const rule = "/spec/rules/1/backendRefs";
    const patched = await jsonPatchRoute(ns(), "web", [
      { op: "test", path: `${rule}/0/name`, value: "web-v1" },
      { op: "replace", path: `${rule}/0/weight`, value: 0 },
      { op: "test", path: `${rule}/1/name`, value: "web-v2" },
      { op: "replace", path: `${rule}/1/weight`, value: 100 },
    ]);
    assert.equal(patched.metadata.generation, createdGeneration + 1);
    await waitForRouteAccepted(ns(), "web", gateway().name);
    // Traefik applies the configuration it has reported just after; wait for a run of v2 answers.
    await waitFor("20 answers in a row from v2", async () => {
      const t = await sendThroughGateway(gateway().url, host(), 20, {}, 1);
      return t.byVersion.v2 === 20 ? true : undefined;
    });
    const before = await servedByPods(ns());
    const tally = await sendThroughGateway(gateway().url, host(), 1000);
    const served = minus(await servedByPods(ns()), before);
    assert.deepEqual(tally.failures, {});
    assert.deepEqual(tally.byVersion, { v2: 1000 });
    assert.deepEqual(served, { v1: 0, v2: 1000 });
  });

  it("Traefik writes only the route's status, never its spec", async function () {
    this.timeout(30_000);
    const r = await readRoute(ns(), "web");
    // Generation counts spec changes since creation: ours was the only one (the patch above).
    assert.equal(r.metadata.generation, createdGeneration + 1, "metadata.generation");
    const writers = (r.metadata.managedFields ?? []).map((f) => `${f.manager}:${f.subresource ?? "spec"}`);
    const traefik = writers.filter((w) => /traefik/i.test(w));
    assert.ok(traefik.length > 0, `Traefik wrote the status (managers: ${writers.join(", ")})`);
    assert.deepEqual(
      traefik.filter((w) => !w.endsWith(":status")),
      [],
      `Traefik's writes are all to the status subresource (managers: ${writers.join(", ")})`,
    );
    const weights = (r.spec.rules as { backendRefs: { name: string; weight?: number }[] }[]).map((rule) =>
      rule.backendRefs.map((b) => `${b.name}=${b.weight ?? "-"}`).join(","),
    );
    // The header rule's backend has no weight as written; the CRD's schema defaults it to 1.
    assert.deepEqual(weights, ["web-v2=1", "web-v1=0,web-v2=100"], "the rules are as written and patched");
  });
});
