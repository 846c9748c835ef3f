import assert from "node:assert/strict";
import type { HTTPRoute } from "../../../controller/traffic/httproute.js";
import { revisionOf } from "../../../controller/rollout/revisions.js";
import { passes, webRoute, World, checkRef, checkTemplates, rollout, service } from "./world.js";

/**
 * A canary behind a Gateway API route followed pass by pass: phase, message, replicas per
 * revision, the canary backend's weight in the route, the Events and when the planner asks to look
 * again, worked out by hand from Argo's traffic-routed rules (the canary sized ceil(weight% of
 * replicas), the weight raised only onto available pods, lowered before any pod goes). Between
 * passes a test may write the route as another writer would, to see the planner wait for it.
 */

const hashLabel = "rollouts-pod-template-hash";

function route(): HTTPRoute {
  return {
    ...webRoute(),
    status: { parents: [{ parentRef: { name: "gw" }, conditions: [{ type: "Accepted", status: "True" }] }] },
  };
}

function world(abortScaleDownDelaySeconds?: number): World {
  const w = new World(
    rollout(
      { replicas: 4 },
      {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting: { gatewayAPI: { httpRoutes: [{ name: "web" }] } },
        steps: [{ setWeight: 30 }, { pause: {} }],
        // These journeys are about the route-idle rule; the delay after promotion (default 30 s)
        // has its own table in routed-scale.test.ts.
        scaleDownDelaySeconds: 0,
        ...(abortScaleDownDelaySeconds !== undefined ? { abortScaleDownDelaySeconds } : {}),
      },
    ),
  );
  w.routes.set("web", route());
  for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
  w.settle();
  w.events = [];
  return w;
}

/** Another writer sets the canary backend's weight (the stable one gets the rest). */
function setCanaryWeight(w: World, weight: number): void {
  const r = w.routes.get("web")!;
  r.spec!.rules![0]!.backendRefs = [
    { name: "web-stable", port: 80, weight: 100 - weight },
    { name: "web-canary", port: 80, weight },
  ];
}

function line(w: World): string {
  const st = w.rollout.status!;
  const split = Object.entries(w.split())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const events = w.events.map((e) => `${e.type} ${e.reason}: ${e.message}`).join(" / ");
  w.events = [];
  const requeue = w.lastPlan?.requeueAfterMs;
  let text = [
    `${st.phase} | ${st.message} | ${split} | route ${w.routeWeights("web").join(",")}`,
    requeue !== undefined ? `again in ${requeue}ms` : "",
    events,
  ]
    .filter(Boolean)
    .join(" | ");
  for (const rs of w.replicaSets.values()) {
    const hash = rs.metadata!.labels![hashLabel]!;
    text = text
      .split(rs.metadata!.name!)
      .join(`R${revisionOf(rs)}`)
      .split(hash)
      .join(`h${revisionOf(rs)}`);
  }
  return text;
}

describe("a routed canary pass by pass", () => {
  it("slow pods: the weight rises only onto available pods, promotion at 100, the old ReplicaSet kept while another writer puts weight on the canary", () => {
    const w = world();
    w.slow = true;
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass(() => w.makeAvailable());
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "true"));
    pass(() => w.makeAvailable());
    pass();
    pass();
    pass(() => setCanaryWeight(w, 20));
    pass();
    assert.deepEqual(seen, [
      "Progressing | step 1/2: weight 0, waiting for 2 canary pods (0 available); canaryService web-canary stays on h1 until ReplicaSet R2 is fully available (0/2) | r1=4 r2=2 | route 0 | again in 600000ms | Normal ServiceSwitchWaiting: canaryService web-canary stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 2 replicas",
      "Progressing | step 1/2: weight 30, waiting for the routes to carry canary weight 30 | r1=4 r2=2 | route 30 | again in 1000ms | Normal SwitchService: canaryService web-canary now selects revision 2 (rollouts-pod-template-hash=h2), was h1 / Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 30, stable web-stable weight 70",
      "Paused | step 2/2: weight 30, paused until promoted (annotate kestrel.dev/promote=step) | r1=4 r2=2 | route 30 | again in 600000ms | Normal StepCompleted: step 1/2: weight 30 reached / Normal RolloutPaused: step 2/2: paused until promoted",
      "Progressing | promoting revision 2 to full: 2/4 available | r1=4 r2=4 | route 30 | Normal RolloutPromoted: promoted past step 2/2 / Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 2 to 4",
      "Progressing | promoting revision 2 to full: 4/4 available | r1=4 r2=4 | route 100 | again in 1000ms | Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 100, stable web-stable weight 0",
      "Healthy | healthy: revision 2 promoted to stable (4/4 available) | r1=4 r2=4 | route 100 | again in 1000ms | Normal RolloutCompleted: revision 2 is stable at 4 replicas / Normal SwitchService: stableService web-stable now selects revision 2 (rollouts-pod-template-hash=h2), was h1",
      "Progressing | stable revision 2: 4/4 available, scaling down older revisions | r1=4 r2=4 | route 0 | again in 1000ms | Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 0, stable web-stable weight 100",
      "Progressing | stable revision 2: 4/4 available, scaling down older revisions | r1=4 r2=4 | route 0 | again in 1000ms | Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 0, stable web-stable weight 100",
      "Progressing | stable revision 2: 4/4 available, scaling down older revisions | r1=0 r2=4 | route 0 | Normal ScalingReplicaSet: scaled down ReplicaSet R1 (revision 1) from 4 to 0",
    ]);
  });
  it("abort: weight 0 at once, the delay counted from the first pass that sees the route at 0, kept while another writer puts weight back, a deleted route sends nothing", () => {
    const w = world(10);
    w.setImage("web:2");
    w.settle();
    w.events = [];
    const { seen, pass } = passes(w, line);
    pass(() => w.annotate("kestrel.dev/abort", "true"));
    pass(() => w.advance(4_000));
    pass(() => setCanaryWeight(w, 30));
    pass(() => w.advance(6_000));
    pass(() => w.routes.delete("web"));
    pass(() => w.advance(4_000));
    assert.deepEqual(seen, [
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=2 | route 0 | again in 1000ms | Warning RolloutAborted: aborted by user: scaling the stable ReplicaSet back to full and the canary to 0 / Normal SwitchService: canaryService web-canary now selects revision 1 (rollouts-pod-template-hash=h1), was h2 / Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 0, stable web-stable weight 100",
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=2 | route 0 | again in 10000ms",
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=2 | route 0 | again in 1000ms | Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 0, stable web-stable weight 100",
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=2 | route 0 | again in 4000ms",
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=2 | route  | again in 4000ms | Warning RouteMissing: HTTPRoute web not found in namespace ns",
      "Degraded | aborted by user: all traffic back on stable revision 1 (4/4 available); retry with the kestrel.dev/retry annotation | r1=4 r2=0 | route  | Normal ScalingReplicaSet: scaled down ReplicaSet R2 (revision 2) from 2 to 0",
    ]);
  });
});

describe("a routed canary held by its background analysis", () => {
  it("an Inconclusive background run holds the weight where it is though the pods are ready; a promote accepts it and moves on", () => {
    const w = new World(
      rollout(
        { replicas: 4 },
        {
          stableService: "web-stable",
          canaryService: "web-canary",
          trafficRouting: { gatewayAPI: { httpRoutes: [{ name: "web" }] } },
          steps: [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
          analysis: checkRef,
        },
      ),
    );
    w.templates = checkTemplates();
    w.routes.set("web", route());
    for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
    w.settle();
    w.events = [];
    w.setImage("web:2");
    const { seen, pass } = passes(w, line);
    pass();
    pass();
    pass();
    const bg = [...w.analysisRuns.keys()][0]!;
    w.slow = true;
    pass(() => w.annotate("kestrel.dev/promote", "step"));
    pass(() => {
      w.setRunPhase(bg, "Inconclusive");
      w.makeAvailable();
    });
    pass();
    pass(() => w.annotate("kestrel.dev/promote", "step"));
    pass();
    assert.deepEqual(seen, [
      "Progressing | step 1/4: weight 0, waiting for 2 canary pods (0 available); canaryService web-canary stays on h1 until ReplicaSet R2 is fully available (0/2) | r1=4 r2=2 | route 0 | again in 600000ms | Normal AnalysisRunStarted: started background analysis R2-0-bg / Normal ServiceSwitchWaiting: canaryService web-canary stays on h1 until ReplicaSet R2 is fully available / Normal NewReplicaSetCreated: created ReplicaSet R2 (revision 2) with 2 replicas",
      "Progressing | step 1/4: weight 30, waiting for the routes to carry canary weight 30 | r1=4 r2=2 | route 30 | again in 1000ms | Normal SwitchService: canaryService web-canary now selects revision 2 (rollouts-pod-template-hash=h2), was h1 / Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 30, stable web-stable weight 70",
      "Paused | step 2/4: weight 30, paused until promoted (annotate kestrel.dev/promote=step) | r1=4 r2=2 | route 30 | again in 600000ms | Normal StepCompleted: step 1/4: weight 30 reached / Normal RolloutPaused: step 2/4: paused until promoted",
      "Progressing | step 3/4: weight 30, waiting for 3 canary pods (2 available) | r1=4 r2=3 | route 30 | Normal RolloutPromoted: promoted past step 2/4 / Normal ScalingReplicaSet: scaled up ReplicaSet R2 (revision 2) from 2 to 3",
      "Paused | step 3/4: weight 30, background analysis R2-0-bg inconclusive (Inconclusive (set by the test)), paused until promoted | r1=4 r2=3 | route 30 | again in 600000ms | Warning AnalysisInconclusive: R2-0-bg: Inconclusive (set by the test); paused until promoted",
      "Paused | step 3/4: weight 30, background analysis R2-0-bg inconclusive (Inconclusive (set by the test)), paused until promoted | r1=4 r2=3 | route 30",
      "Paused | step 4/4: weight 60, paused until promoted (annotate kestrel.dev/promote=step) | r1=4 r2=3 | route 60 | again in 1000ms | Normal RolloutPromoted: promoted past step 3/4 / Normal RolloutPaused: step 4/4: paused until promoted / Normal TrafficWeightUpdated: HTTPRoute web: canary web-canary weight 60, stable web-stable weight 40",
      "Paused | step 4/4: weight 60, paused until promoted (annotate kestrel.dev/promote=step) | r1=4 r2=3 | route 60",
    ]);
  });
});

describe("the TrafficRouting condition over two routes", () => {
  function twoRoutes(): World {
    const w = new World(
      rollout(
        { replicas: 4 },
        {
          stableService: "web-stable",
          canaryService: "web-canary",
          trafficRouting: { gatewayAPI: { httpRoutes: [{ name: "web" }, { name: "web-b" }] } },
          steps: [{ setWeight: 30 }, { pause: {} }],
        },
      ),
    );
    for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
    return w;
  }
  const condition = (w: World): string => {
    const c = w.rollout.status?.conditions?.find((x) => x.type === "TrafficRouting");
    return `${c?.status} ${c?.reason}: ${c?.message}`;
  };
  const warnings = (w: World): string[] => {
    const out = w.events.filter((e) => e.type === "Warning").map((e) => `${e.reason}: ${e.message}`);
    w.events = [];
    return out;
  };

  it("every problem in one message, the first one's reason; a Warning each time the problems change, not on repeats", () => {
    const w = twoRoutes();
    w.reconcile();
    assert.equal(
      condition(w),
      "False RouteMissing: HTTPRoute web not found in namespace ns; HTTPRoute web-b not found in namespace ns",
    );
    assert.deepEqual(warnings(w), [
      "RouteMissing: HTTPRoute web not found in namespace ns; HTTPRoute web-b not found in namespace ns",
    ]);
    w.reconcile();
    assert.deepEqual(warnings(w), [], "the same problems: no second Warning");
    w.routes.set("web", route());
    w.reconcile();
    assert.equal(condition(w), "False RouteMissing: HTTPRoute web-b not found in namespace ns");
    assert.deepEqual(
      warnings(w),
      ["RouteMissing: HTTPRoute web-b not found in namespace ns"],
      "same reason, new message",
    );
    const b = route();
    b.metadata.name = "web-b";
    w.routes.set("web-b", b);
    w.reconcile();
    assert.equal(condition(w), "True WeightSet: canary weight 0 on HTTPRoute web, web-b");
    assert.deepEqual(warnings(w), []);
  });
});
