import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { patchRoute } from "../../../controller/kube/route-writer.js";
import { createLogger } from "../../../controller/log.js";
import { httpRouteKind, type HTTPRoute } from "../../../controller/traffic/httproute.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import {
  annotate,
  apply,
  getRollout,
  rolloutEvents,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * Gateway API traffic routing against the real API server with the Gateway API CRDs installed:
 * Kestrel writes the weights of the stable and canary backendRefs of the rules naming both, and
 * nothing else. (Counting requests through a gateway needs the data plane of the local cluster;
 * this file proves what is written to the routes.)
 */

const custom = (): k8s.CustomObjectsApi => testCluster().kc.makeApiClient(k8s.CustomObjectsApi);

const headerRule = {
  matches: [
    { headers: [{ type: "Exact", name: "x-preview", value: "1" }], path: { type: "PathPrefix", value: "/" } },
  ],
  filters: [
    { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-via", value: "preview" }] } },
  ],
  backendRefs: [{ group: "", kind: "Service", name: "web-preview", port: 80, weight: 1 }],
};
const legacy = { group: "", kind: "Service", name: "web-legacy", port: 80, weight: 5 };

function route(name: string): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name },
    spec: {
      parentRefs: [{ name: "absent-gw" }],
      rules: [
        headerRule,
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          // No weights on the managed backends: the API server stores Gateway API's default, 1 each.
          backendRefs: [
            { group: "", kind: "Service", name: "web-stable", port: 80 },
            { group: "", kind: "Service", name: "web-canary", port: 80 },
            legacy,
          ],
        },
      ],
    },
  };
}

const service = (name: string, app: string): object => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
});

async function getRoute(namespace: string, name: string): Promise<HTTPRoute> {
  return (await custom().getNamespacedCustomObject({ ...httpRouteKind, namespace, name })) as HTTPRoute;
}

/** [stable, canary] weights of the managed rule. */
const managed = (r: HTTPRoute): (number | undefined)[] =>
  (r.spec?.rules?.[1]?.backendRefs ?? []).slice(0, 2).map((b) => b.weight);

describe("Rollout: traffic routing with a Gateway API HTTPRoute (weights on the real API server)", () => {
  const ns = useNamespace("traffic-gw");
  useController(ns);

  before(async () => {
    const crds = testCluster().kc.makeApiClient(k8s.ApiextensionsV1Api);
    await crds.readCustomResourceDefinition({ name: "httproutes.gateway.networking.k8s.io" }).catch(() => {
      throw new Error(
        "the Gateway API CRDs are not installed in this cluster (the local cluster installs them)",
      );
    });
  });

  it("sets only the managed weights through setWeight 25 and 50 and an abort; the header rule and the extra backend never change", async function () {
    this.timeout(180_000);
    for (const s of [service("web-stable", "web"), service("web-canary", "web"), route("web")])
      await apply(ns(), s);
    const written = await getRoute(ns(), "web");
    const manifest = rolloutManifest("web", {
      replicas: 4,
      steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
    });
    Object.assign(manifest.spec.strategy.canary!, {
      stableService: "web-stable",
      canaryService: "web-canary",
      abortScaleDownDelaySeconds: 15,
      trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } },
    });
    await apply(ns(), manifest);

    // Watch the route through the whole canary and abort: every version of it keeps the user's parts.
    let watching = true;
    const seen: HTTPRoute[] = [];
    const watcher = (async () => {
      while (watching) {
        seen.push(await getRoute(ns(), "web"));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await waitForPhase(ns(), "web", "Healthy");
      await waitFor("the route on stable", async () => {
        const r = await getRoute(ns(), "web");
        return managed(r).join() === "100,0" ? r : undefined;
      });

      await setImage(ns(), "web", v2);
      await waitForSplit(ns(), "web", { [v1]: 4, [v2]: 1 });
      await waitFor("canary weight 25", async () =>
        managed(await getRoute(ns(), "web")).join() === "75,25" ? true : undefined,
      );
      const paused = await waitForPhase(ns(), "web", "Paused");
      assert.equal(paused.status?.canary?.weights?.canary.weight, 25);

      await annotate(ns(), "web", "kestrel.dev/promote=step");
      await waitForSplit(ns(), "web", { [v1]: 4, [v2]: 2 });
      await waitFor("canary weight 50", async () =>
        managed(await getRoute(ns(), "web")).join() === "50,50" ? true : undefined,
      );

      await annotate(ns(), "web", "kestrel.dev/abort=true");
      await waitFor("all traffic back on stable", async () =>
        managed(await getRoute(ns(), "web")).join() === "100,0" ? true : undefined,
      );
      const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
      const canaryReplicas = async (): Promise<number> => {
        const list = await apps.listNamespacedReplicaSet({ namespace: ns() });
        const rs = list.items.find((r) => r.spec?.template?.spec?.containers?.[0]?.image === v2);
        return rs?.spec?.replicas ?? 0;
      };
      assert.equal(await canaryReplicas(), 2, "the canary's pods outlive the weight going to 0");
      // The route is written before the status (objects first, status last), so wait for it.
      const aborted = await waitForPhase(ns(), "web", "Degraded");
      assert.ok(aborted.status?.canary?.canaryScaleDownAt, "status says when they go");
      await waitForSplit(ns(), "web", { [v1]: 4, [v2]: 0 }, { timeoutMs: 60_000 });
    } finally {
      watching = false;
      await watcher;
    }
    assert.ok(seen.length > 10, `the route was observed throughout (${seen.length} reads)`);
    for (const r of seen) {
      assert.equal(JSON.stringify(r.spec?.rules?.[0]), JSON.stringify(written.spec?.rules?.[0]));
      assert.equal(
        JSON.stringify(r.spec?.rules?.[1]?.backendRefs?.[2]),
        JSON.stringify(written.spec?.rules?.[1]?.backendRefs?.[2]),
      );
      assert.equal(
        JSON.stringify(r.spec?.rules?.[1]?.matches),
        JSON.stringify(written.spec?.rules?.[1]?.matches),
      );
      assert.deepEqual(r.spec?.parentRefs, written.spec?.parentRefs);
    }
    const ro = await getRollout(ns(), "web");
    const tc = ro.status?.conditions?.find((c) => c.type === "TrafficRouting");
    assert.equal(tc?.reason, "RouteNotAccepted", "no Gateway named absent-gw accepts the route");
  });

  it("refuses to write over a route edited since it was read: the patch's resourceVersion test fails as a conflict", async () => {
    await apply(ns(), route("edited"));
    const read = await getRoute(ns(), "edited");
    await custom().patchNamespacedCustomObject(
      {
        ...httpRouteKind,
        namespace: ns(),
        name: "edited",
        body: { metadata: { labels: { edited: "by-a-user" } } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const stale = [
      { op: "test" as const, path: "/metadata/resourceVersion", value: read.metadata.resourceVersion },
      { op: "add" as const, path: "/spec/rules/1/backendRefs/1/weight", value: 30 },
    ];
    await assert.rejects(
      patchRoute(custom(), ns(), { kind: "patchRoute", name: "edited", patch: stale }, createLogger("error")),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 409,
    );
    const after = await getRoute(ns(), "edited");
    assert.equal(
      after.spec?.rules?.[1]?.backendRefs?.[1]?.weight,
      read.spec?.rules?.[1]?.backendRefs?.[1]?.weight,
    );
    assert.equal(after.metadata.resourceVersion, (await getRoute(ns(), "edited")).metadata.resourceVersion);
  });

  it("reports a missing route in a condition and a Warning, and holds the step", async function () {
    this.timeout(120_000);
    for (const s of [service("lost-stable", "lost"), service("lost-canary", "lost")]) await apply(ns(), s);
    const manifest = rolloutManifest("lost", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] });
    Object.assign(manifest.spec.strategy.canary!, {
      stableService: "lost-stable",
      canaryService: "lost-canary",
      trafficRouting: { gatewayAPI: { httpRoutes: [{ name: "nowhere" }] } },
    });
    await apply(ns(), manifest);
    await waitForPhase(ns(), "lost", "Healthy");
    await setImage(ns(), "lost", v2);
    const waiting = "waiting for the routes to carry canary weight 50";
    await waitFor("v2 waiting on its route", async () =>
      (await getRollout(ns(), "lost")).status?.message?.includes(waiting) ? true : undefined,
    );
    // Watch a whole window: the step never completes while its route is missing.
    for (let i = 0; i < 20; i++) {
      const r = await getRollout(ns(), "lost");
      assert.equal(r.status?.currentStepIndex, 0, "setWeight 50 cannot complete without its route");
      assert.ok(r.status?.message?.includes(waiting), r.status?.message);
      await new Promise((res) => setTimeout(res, 250));
    }
    const ro = await getRollout(ns(), "lost");
    const cond = ro.status?.conditions?.find((c) => c.type === "TrafficRouting");
    assert.equal(cond?.message, `HTTPRoute nowhere not found in namespace ${ns()}`);
    const warning = await waitFor("the RouteMissing Warning Event", async () =>
      (await rolloutEvents(ns(), "lost")).find((e) => e.type === "Warning" && e.reason === "RouteMissing"),
    );
    assert.match(warning.message ?? "", /HTTPRoute nowhere not found/);
  });
});
