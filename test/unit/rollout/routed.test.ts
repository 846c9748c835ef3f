import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import type { HTTPRoute } from "../../../controller/traffic/httproute.js";
import { routedCanaryCount } from "../../../controller/rollout/routed.js";
import { World, rollout, service } from "./world.js";

const accepted = {
  parents: [{ parentRef: { name: "gw" }, conditions: [{ type: "Accepted", status: "True" }] }],
};

/** The user's route: a header-match rule to a preview Service, and the weighted rule with an extra backend. */
function userRoute(): HTTPRoute {
  return {
    metadata: { name: "web", namespace: "ns", resourceVersion: "1" },
    spec: {
      rules: [
        {
          matches: [{ headers: [{ name: "x-preview", value: "1" }] }],
          backendRefs: [{ name: "web-preview", port: 80 }],
        },
        {
          backendRefs: [
            { name: "web-stable", port: 80, weight: 100 },
            { name: "web-canary", port: 80, weight: 0 },
            { name: "web-legacy", port: 80, weight: 5 },
          ],
        },
      ],
    },
    status: accepted,
  };
}

type Canary = NonNullable<Rollout["spec"]["strategy"]["canary"]>;

function routedWorld(canary: Canary = {}, plugin = true): World {
  const trafficRouting = plugin
    ? { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } }
    : { gatewayAPI: { httpRoutes: [{ name: "web" }] } };
  const w = new World(
    rollout(
      {},
      {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting,
        steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
        ...canary,
      },
    ),
  );
  w.routes.set("web", userRoute());
  for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
  w.settle();
  return w;
}

const condition = (w: World) => w.rollout.status?.conditions?.find((c) => c.type === "TrafficRouting");

describe("planner: canary behind a Gateway API route (Argo's traffic-routed scaling)", () => {
  it("sizes the canary ceil(weight% of replicas) for each step, or as setCanaryScale says", () => {
    const cases: [Canary["steps"], number, number][] = [
      [[{ setWeight: 10 }], 0, 1],
      [[{ setWeight: 15 }], 0, 2],
      [[{ setWeight: 50 }], 0, 5],
      [[{ setWeight: 0 }], 0, 0],
      [[{ setCanaryScale: { replicas: 3 } }, { setWeight: 10 }], 1, 3],
      [[{ setCanaryScale: { weight: 25 } }, { setWeight: 90 }], 1, 3],
      [
        [
          { setCanaryScale: { replicas: 3 } },
          { setCanaryScale: { matchTrafficWeight: true } },
          { setWeight: 40 },
        ],
        2,
        4,
      ],
      [[{ setWeight: 10 }], 1, 10],
    ];
    for (const [steps, index, expected] of cases)
      assert.equal(routedCanaryCount(steps ?? [], index, 10), expected, JSON.stringify({ steps, index }));
  });

  for (const plugin of [true, false]) {
    it(`${plugin ? "Argo's plugin form" : "Kestrel's gatewayAPI form"}: the first version puts the whole route on stable`, () => {
      const w = routedWorld({}, plugin);
      assert.equal(w.rollout.status?.phase, "Healthy");
      assert.deepEqual(w.routeWeights("web"), [0]);
      assert.deepEqual(w.split(), { r1: 10 });
      assert.equal(condition(w)?.status, "True");
    });
  }

  it("raises the weight only once the canary pods it needs are available; the stable keeps every replica", () => {
    const w = routedWorld();
    w.slow = true;
    w.setImage("web:2");
    w.reconcile();
    assert.deepEqual(w.split(), { r1: 10, r2: 1 });
    assert.deepEqual(w.routeWeights("web"), [0], "no weight before the canary pod is available");
    w.reconcile();
    assert.deepEqual(w.routeWeights("web"), [0]);
    w.makeAvailable();
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [10]);
    assert.equal(w.rollout.status?.currentStepIndex, 1, "setWeight 10 done, paused");
    assert.equal(w.rollout.status?.canary?.weights?.canary.weight, 10);
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 5 });
    assert.deepEqual(w.routeWeights("web"), [10], "50 waits for five available canary pods");
    w.makeAvailable();
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [50]);
    assert.deepEqual(w.trace.slice(-2), ["scale r2 5", "route web 50"], "scaled, then routed");
  });

  it("changes only the two weights of the managed rule: the header rule and the extra backend stay as written", () => {
    const w = routedWorld();
    const before = userRoute();
    w.setImage("web:2");
    w.settle();
    const after = w.routes.get("web")!;
    assert.equal(JSON.stringify(after.spec!.rules![0]), JSON.stringify(before.spec!.rules![0]));
    assert.equal(
      JSON.stringify(after.spec!.rules![1]!.backendRefs![2]),
      JSON.stringify(before.spec!.rules![1]!.backendRefs![2]),
    );
    assert.deepEqual(
      after.spec!.rules![1]!.backendRefs!.slice(0, 2).map((b) => b.weight),
      [90, 10],
    );
  });

  it("abort: weight 0 before any pod moves, the canary's pods stay 30 s after the route is at 0, then go", () => {
    const w = routedWorld();
    w.setImage("web:2");
    w.settle();
    w.trace = [];
    w.annotate("kestrel.dev/abort", "true");
    w.reconcile();
    assert.deepEqual(w.trace, ["route web 0"], "the route first, nothing scaled");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 1 }, "canary pods kept while requests drain");
    const at = w.rollout.status?.canary?.canaryScaleDownAt;
    assert.equal(at, new Date(w.now + 30_000).toISOString());
    // Watch the whole window: no pass inside it scales the canary down.
    for (let t = 0; t < 29; t++) {
      w.advance(1000);
      w.reconcile();
      assert.deepEqual(w.split(), { r1: 10, r2: 1 }, `still there after ${t + 1}s`);
    }
    assert.ok((w.lastPlan?.requeueAfterMs ?? Infinity) <= 1000, "asks to look again when the delay ends");
    w.advance(1000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
    assert.equal(w.rollout.status?.phase, "Degraded");
  });

  it("abortScaleDownDelaySeconds: 0 scales the canary down as soon as the route is at 0, never before", () => {
    const w = routedWorld({ abortScaleDownDelaySeconds: 0 });
    w.setImage("web:2");
    w.settle();
    w.trace = [];
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.deepEqual(w.trace, ["route web 0", "scale r2 0"]);
  });

  it("promotion: 100% to the canary once all its pods are available, then the stable Service takes it, then the old pods go", () => {
    // scaleDownDelaySeconds 0: the old pods go as soon as the route is idle (the delay: routed-scale.test.ts).
    const w = routedWorld({ steps: [{ setWeight: 50 }], scaleDownDelaySeconds: 0 });
    w.setImage("web:2");
    w.slow = true;
    w.trace = [];
    for (let i = 0; i < 6; i++) {
      w.reconcile();
      w.makeAvailable();
    }
    w.slow = false;
    w.settle();
    assert.deepEqual(w.trace, ["route web 50", "scale r2 10", "route web 100", "route web 0", "scale r1 0"]);
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.equal(w.rollout.status?.stableRS, w.rollout.status?.currentPodHash);
  });

  it("a missing route: condition and one Warning, the step waits, nothing routed", () => {
    const w = routedWorld();
    w.routes.delete("web");
    w.setImage("web:2");
    w.settle();
    w.reconcile();
    assert.equal(condition(w)?.status, "False");
    assert.equal(condition(w)?.reason, "RouteMissing");
    assert.equal(condition(w)?.message, "HTTPRoute web not found in namespace ns");
    assert.equal(w.events.filter((e) => e.reason === "RouteMissing").length, 1);
    assert.equal(w.rollout.status?.currentStepIndex, 0, "setWeight 10 cannot complete");
  });

  it("a route whose rules never name both Services: NoMatchingBackends, nothing patched", () => {
    const w = routedWorld();
    const r = userRoute();
    r.spec!.rules![1]!.backendRefs = [{ name: "web-stable", weight: 100 }];
    w.routes.set("web", r);
    w.setImage("web:2");
    w.settle();
    assert.equal(condition(w)?.reason, "NoMatchingBackends");
    assert.match(
      condition(w)?.message ?? "",
      /no rule whose backendRefs name both Services web-stable and web-canary/,
    );
    assert.deepEqual(w.routes.get("web"), r);
  });

  it("a route its Gateway has not accepted: RouteNotAccepted, weights still written", () => {
    const w = routedWorld();
    const r = userRoute();
    r.status = {
      parents: [
        {
          parentRef: { name: "gw" },
          conditions: [
            { type: "Accepted", status: "False", reason: "NoMatchingParent", message: "no listener" },
          ],
        },
      ],
    };
    w.routes.set("web", r);
    w.setImage("web:2");
    w.settle();
    assert.equal(condition(w)?.reason, "RouteNotAccepted");
    assert.equal(
      condition(w)?.message,
      "HTTPRoute web: Gateway gw has not accepted it (NoMatchingParent: no listener)",
    );
    assert.deepEqual(w.routeWeights("web"), [10]);
  });
});
