import type { CanaryStep, RolloutSpec } from "../api/rollout.js";
import { routedHttpRoutes } from "../api/traffic.js";
import type { HTTPRoute } from "../traffic/httproute.js";
import { classifyRoute, type RouteState } from "../traffic/route-state.js";
import type { RouteServices } from "../traffic/route-patch.js";
import { currentSplit, weightAt } from "./canary-steps.js";
import { dynamicStableCount, stableBackedFloor } from "./dynamic-stable.js";
import { hashOf, specReplicas } from "./revisions.js";
import { requeueIn, type PlanState } from "./state.js";

/**
 * A canary behind a traffic router, with Argo's semantics: the route's weights carry the canary's
 * share, so the canary ReplicaSet is sized for its weight (ceil(weight% of spec.replicas), or what
 * setCanaryScale says) while the stable one stays at spec.replicas; the weight rises only once the
 * canary has the pods it needs available, and falls (abort, promotion, undo) before any pod goes.
 */

export interface Routing {
  names: readonly string[];
  services: RouteServices;
  /** Each named route as read this pass; undefined when it does not exist. */
  routes: ReadonlyMap<string, HTTPRoute | undefined>;
  /** abortScaleDownDelaySeconds (default 30): the aborted canary's pods outlive its last request. */
  abortDelayMs: number;
  /** dynamicStableScale: the stable is sized for its share of traffic (dynamic-stable.ts). */
  dynamicStableScale: boolean;
  /** scaleDownDelaySeconds (default 30, 0 with dynamicStableScale): the previous stable's pods outlive promotion. */
  scaleDownDelayMs: number;
  /** scaleDownDelayRevisionLimit: previous ReplicaSets that may wait out the delay at once. */
  scaleDownDelayRevisionLimit: number | undefined;
}

export function routingOf(
  spec: RolloutSpec,
  routes: ReadonlyMap<string, HTTPRoute | undefined> | undefined,
): Routing | undefined {
  const canary = spec.strategy.canary;
  const { names } = routedHttpRoutes(canary?.trafficRouting);
  if (!canary || names.length === 0) return undefined;
  return {
    names,
    services: { stable: canary.stableService ?? "", canary: canary.canaryService ?? "" },
    routes: routes ?? new Map(),
    abortDelayMs: (canary.abortScaleDownDelaySeconds ?? 30) * 1000,
    dynamicStableScale: canary.dynamicStableScale === true,
    scaleDownDelayMs: canary.dynamicStableScale ? 0 : (canary.scaleDownDelaySeconds ?? 30) * 1000,
    scaleDownDelayRevisionLimit: canary.scaleDownDelayRevisionLimit,
  };
}

/** Every route, classified against a canary weight. */
export function routeStates(s: PlanState, weight: number): RouteState[] {
  const r = s.routing;
  if (!r) return [];
  return r.names.map((name) => classifyRoute(name, r.routes.get(name), r.services, weight));
}

/** Every route exists and already carries this weight: traffic is where the plan said. */
export const routesAt = (s: PlanState, weight: number): boolean =>
  routeStates(s, weight).every((st) => st.kind === "present" && st.inSync);

/** No route sends the canary more than this: each carries it, or cannot route to these Services at all. */
export const routesNoMoreThan = (s: PlanState, weight: number): boolean =>
  routeStates(s, weight).every((st) => st.kind !== "present" || st.inSync);

/** Canary pods for the step at `index`: Argo's ceil(weight% of replicas), unless setCanaryScale says otherwise. */
export function routedCanaryCount(steps: readonly CanaryStep[], index: number, replicas: number): number {
  if (index >= steps.length) return replicas;
  for (let i = index; i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (!scale) continue;
    if (scale.matchTrafficWeight) break;
    return Math.min(replicas, scale.replicas ?? Math.ceil((replicas * (scale.weight ?? 0)) / 100));
  }
  return Math.ceil((replicas * weightAt(steps, index)) / 100);
}

/** The weight the route carried at the end of the last pass, as status recorded it (0 for a new revision). */
export const recordedWeight = (s: PlanState): number =>
  s.sameRevision ? (s.prev.canary?.weights?.canary.weight ?? 0) : 0;

/**
 * The canary is at a setWeight but the routes still give it nothing. Its pods then serve no
 * request, so a background measurement taken now has no data about it, and holding the weight
 * on such a measurement would hold it for ever: the weight (and the pods for it) may still be
 * given, so that the analysis has traffic to judge. Only that: the step completes, and anything
 * further happens, only once a measurement passes.
 */
export const firstTrafficDue = (s: PlanState): boolean =>
  s.routing !== undefined &&
  recordedWeight(s) === 0 &&
  s.stepIndex < s.steps.length &&
  weightAt(s.steps, s.stepIndex) > 0;

/**
 * The split and weight for the step reached. The stable ReplicaSet keeps every replica (unless
 * dynamicStableScale); the weight goes to the step's only once the canary's pods for it are
 * available, and otherwise never rises above what the route already carries.
 */
export function routedMove(s: PlanState, hold: boolean): void {
  const atEnd = s.stepIndex >= s.steps.length;
  const stepWeight = atEnd ? 100 : weightAt(s.steps, s.stepIndex);
  const target = routedCanaryCount(s.steps, s.stepIndex, s.replicas);
  const current = currentSplit(s);
  const recorded = recordedWeight(s);
  if (hold) {
    s.desired.set(s.hash, current.canaryReplicas);
    s.weight = recorded;
  } else {
    s.desired.set(s.hash, target);
    const backed =
      current.canaryReplicas >= target &&
      current.canaryAvailable >= target &&
      (stepWeight === 0 || current.canaryAvailable > 0);
    s.weight = backed ? stepWeight : Math.min(recorded, stepWeight);
    // Back towards stable (a lower setWeight) only as far as the stable's available pods serve.
    if (s.routing!.dynamicStableScale && s.weight < recorded)
      s.weight = Math.min(recorded, Math.max(s.weight, stableBackedFloor(s)));
  }
  s.desired.set(
    s.stableHash ?? "",
    s.routing!.dynamicStableScale ? dynamicStableCount(s, s.weight) : s.replicas,
  );
}

/** A setWeight step is done once its canary pods are available and every route carries its weight. */
export function routedStepDone(s: PlanState): { done: boolean; waitingFor: string } {
  const stepWeight = weightAt(s.steps, s.stepIndex);
  const target = routedCanaryCount(s.steps, s.stepIndex, s.replicas);
  const current = currentSplit(s);
  if (current.canaryReplicas !== target || current.canaryAvailable < target)
    return {
      done: false,
      waitingFor: `waiting for ${target} canary pods (${current.canaryAvailable} available)`,
    };
  if (!routesAt(s, stepWeight))
    return { done: false, waitingFor: `waiting for the routes to carry canary weight ${stepWeight}` };
  return { done: true, waitingFor: "" };
}

/**
 * Aborted: the weight goes to 0 at once (with dynamicStableScale, as fast as the stable, scaled
 * back to full first, has pods available to take it); the canary's pods stay until every route
 * carries 0 and then abortScaleDownDelaySeconds more, so requests already sent to them finish.
 */
export function routedAbort(s: PlanState): void {
  s.weight = s.routing!.dynamicStableScale ? Math.min(recordedWeight(s), stableBackedFloor(s)) : 0;
  s.desired.set(s.stableHash ?? "", s.replicas);
  const canaryPods = specReplicas(s.newRS);
  if (canaryPods === 0 || s.weight > 0 || !routesNoMoreThan(s, 0)) {
    s.desired.set(s.hash, canaryPods);
    return;
  }
  s.canaryScaleDownAt ??= new Date(s.now.getTime() + s.routing!.abortDelayMs).toISOString();
  const left = Date.parse(s.canaryScaleDownAt) - s.now.getTime();
  if (left > 0) {
    s.desired.set(s.hash, canaryPods);
    requeueIn(s, left);
  } else s.desired.set(s.hash, 0);
}

/**
 * Once spec.template is the stable revision, the old ReplicaSets go only after every route sends
 * the canary Service nothing: until then the route may still reach their pods.
 */
export function keepUntilRoutesIdle(s: PlanState): void {
  if (routesNoMoreThan(s, 0)) return;
  for (const rs of s.replicaSets) {
    const h = hashOf(rs) ?? "";
    if (h === s.hash) continue;
    const have = specReplicas(rs);
    if ((s.desired.get(h) ?? 0) < have) s.desired.set(h, have);
  }
}
