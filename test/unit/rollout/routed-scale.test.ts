import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { World, rollout, addWebRouteAndServices } from "./world.js";

/**
 * dynamicStableScale, scaleDownDelaySeconds and scaleDownDelayRevisionLimit behind a Gateway API
 * route, as Argo sizes them. Expected counts are worked out by hand: ceil(weight% of 10 replicas)
 * for the canary, ceil((100 - weight)% of 10) for a dynamic stable.
 */

type Canary = NonNullable<Rollout["spec"]["strategy"]["canary"]>;
const deadline = "kestrel.dev/scale-down-deadline";

function routedWorld(canary: Canary): World {
  const w = new World(
    rollout(
      {},
      {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } },
        steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
        ...canary,
      },
    ),
  );
  addWebRouteAndServices(w);
  w.settle();
  return w;
}

const rsNamed = (w: World, revision: string) =>
  [...w.replicaSets.values()].find((rs) => rs.metadata?.annotations?.["kestrel.dev/revision"] === revision)!;

describe("planner: dynamicStableScale behind a route", () => {
  it("the stable shrinks to (100 - weight)% only after the route carries the weight", () => {
    const w = routedWorld({ dynamicStableScale: true });
    w.trace = [];
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(w.split(), { r1: 9, r2: 1 });
    assert.deepEqual(
      w.trace,
      ["route web 10", "scale r1 9"],
      "created with 1 pod, routed, then the stable shrinks",
    );
    w.trace = [];
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 });
    assert.deepEqual(w.trace, ["scale r2 5", "route web 50", "scale r1 5"]);
  });

  it("abort: the stable goes back to full first; the weight follows its available pods down to 0", () => {
    const w = routedWorld({ dynamicStableScale: true, abortScaleDownDelaySeconds: 0 });
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 5, r2: 5 });
    w.slow = true;
    w.trace = [];
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.deepEqual(w.trace, ["scale r1 10"], "the stable asked for every replica, the route still at 50");
    assert.deepEqual(w.routeWeights("web"), [50]);
    rsNamed(w, "1").status!.availableReplicas = 8;
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [20], "8 of 10 stable pods available take 80%");
    assert.match(
      w.rollout.status?.message ?? "",
      /traffic moving back to stable revision 1 as its pods become available \(canary weight 20 now\) \(8\/10 available\)/,
    );
    assert.deepEqual(w.split(), { r1: 10, r2: 5 }, "the canary keeps its pods while it has traffic");
    w.makeAvailable();
    w.settle();
    assert.deepEqual(w.routeWeights("web"), [0]);
    assert.deepEqual(w.split(), { r1: 10, r2: 0 });
    assert.deepEqual(w.trace.slice(-2), ["route web 0", "scale r2 0"]);
  });

  it("promotion: the stable reaches 0 only once the route gives the canary 100", () => {
    const w = routedWorld({ dynamicStableScale: true, steps: [{ setWeight: 50 }] });
    w.trace = [];
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
    assert.ok(
      w.trace.indexOf("route web 100") < w.trace.indexOf("scale r1 0"),
      `100 routed before the stable's last pods go: ${w.trace.join(", ")}`,
    );
  });

  it("without dynamicStableScale the stable keeps every replica", () => {
    const w = routedWorld({});
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "step");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 5 });
  });
});

describe("planner: scaleDownDelaySeconds behind a route", () => {
  function promoted(canary: Canary): World {
    const w = routedWorld({ steps: [{ setWeight: 50 }], ...canary });
    w.setImage("web:2");
    w.settle();
    return w;
  }

  it("the previous stable keeps its pods 30 s by default after the route is idle, annotated, and the Rollout is Healthy", () => {
    const w = promoted({});
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r1: 10, r2: 10 });
    assert.equal(rsNamed(w, "1").metadata?.annotations?.[deadline], new Date(w.now + 30_000).toISOString());
    assert.match(w.rollout.status?.message ?? "", /revision 1 kept 30s more/);
    assert.equal(w.events.filter((e) => e.reason === "ScaleDownDelayed").length, 1, "one Event says so");
    // Watch the whole window: no pass inside it scales the previous stable down.
    for (let t = 0; t < 29; t++) {
      w.advance(1000);
      w.reconcile();
      assert.deepEqual(w.split(), { r1: 10, r2: 10 }, `still there after ${t + 1}s`);
    }
    assert.ok((w.lastPlan?.requeueAfterMs ?? Infinity) <= 1000, "asks to look again when the delay ends");
    w.advance(1000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
    assert.equal(rsNamed(w, "1").metadata?.annotations?.[deadline], undefined, "the deadline removed");
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("scaleDownDelaySeconds: 5 keeps it 5 s; 0 scales it down as soon as the route is idle", () => {
    const five = promoted({ scaleDownDelaySeconds: 5 });
    assert.deepEqual(five.split(), { r1: 10, r2: 10 });
    five.advance(4999);
    five.settle();
    assert.deepEqual(five.split(), { r1: 10, r2: 10 });
    five.advance(1);
    five.settle();
    assert.deepEqual(five.split(), { r1: 0, r2: 10 });
    const zero = promoted({ scaleDownDelaySeconds: 0 });
    assert.deepEqual(zero.split(), { r1: 0, r2: 10 });
    assert.equal(rsNamed(zero, "1").metadata?.annotations?.[deadline], undefined);
  });

  it("an aborted canary is not kept for scaleDownDelaySeconds when the spec goes back to the stable revision", () => {
    const w = routedWorld({ abortScaleDownDelaySeconds: 60 });
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/abort", "true");
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 1 }, "within abortScaleDownDelaySeconds");
    w.setImage("web:1");
    w.settle();
    assert.deepEqual(w.split(), { r2: 0, r3: 10 }, "revision 1 is revision 3 again, the aborted canary down");
    assert.equal(rsNamed(w, "2").metadata?.annotations?.[deadline], undefined);
  });

  it("a deadline already written is kept (a restarted controller does not start the delay again)", () => {
    const w = promoted({});
    w.advance(20_000);
    w.lastPlan = undefined;
    w.settle();
    assert.deepEqual(w.split(), { r1: 10, r2: 10 });
    w.advance(10_000);
    w.settle();
    assert.deepEqual(w.split(), { r1: 0, r2: 10 });
  });

  it("scaleDownDelayRevisionLimit: 1 keeps only the newest previous revision waiting; older ones go at once", () => {
    const w = promoted({ scaleDownDelayRevisionLimit: 1 });
    w.advance(5000);
    w.setImage("web:3");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(w.split(), { r1: 0, r2: 10, r3: 10 });
    assert.equal(rsNamed(w, "1").metadata?.annotations?.[deadline], undefined);
    assert.ok(w.events.some((e) => e.reason === "ScaleDownDelayLimited" && /revision 1/.test(e.message)));
    const unlimited = promoted({});
    unlimited.advance(5000);
    unlimited.setImage("web:3");
    unlimited.settle();
    assert.deepEqual(unlimited.split(), { r1: 10, r2: 10, r3: 10 }, "without a limit both wait");
  });
});
