import type { RouteState } from "../traffic/route-state.js";
import { getCondition } from "./conditions.js";
import { keepUntilRoutesIdle, routeStates } from "./routed.js";
import { delayScaleDown } from "./scale-down-delay.js";
import { isFastUndo } from "./settled.js";
import { event, isCanary, requeueIn, type PlanState } from "./state.js";

/**
 * The stage that writes the routes: after the strategy has decided the weight and the split, and
 * before any ReplicaSet is scaled, so traffic leaves pods before they go. It plans one patch per
 * route whose weights differ, sets the TrafficRouting condition and warns once per new problem.
 */
export function routeStage(s: PlanState): void {
  if (!s.routing) return;
  const promotedNow = s.stableHash === s.hash && s.prev.stableRS !== undefined && s.prev.stableRS !== s.hash;
  // The canary Service carries a share only while there is a canary to compare: none for the
  // first version or once the canary is stable, none when aborted, none on the undo emergency
  // path (the stable Service is moved to the revision undone to instead).
  // Aborted with dynamicStableScale, the weight steps back as the stable's pods come up.
  const aborting = s.abort && !s.routing.dynamicStableScale;
  const weight = isCanary(s) && !aborting && !isFastUndo(s) ? s.weight : 0;
  s.weight = weight;
  if (s.stableHash === s.hash) keepUntilRoutesIdle(s);
  delayScaleDown(s);
  const states = routeStates(s, weight);
  // Promotion: the stable Service is moved to the new pods in this pass; the canary's 100 stays
  // on the route until the next, so no request goes to a Service still selecting the old pods.
  if (!promotedNow) {
    for (const st of states) {
      if (st.kind !== "present" || st.inSync) continue;
      s.actions.push({ kind: "patchRoute", name: st.name, patch: st.patch });
      event(
        s,
        "Normal",
        "TrafficWeightUpdated",
        `HTTPRoute ${st.name}: canary ${s.routing.services.canary} weight ${weight}, stable ${s.routing.services.stable} weight ${100 - weight}`,
      );
    }
  }
  if (promotedNow || states.some((st) => st.kind === "present" && !st.inSync)) requeueIn(s, 1000);
  setTrafficCondition(s, states, weight);
}

function setTrafficCondition(s: PlanState, states: readonly RouteState[], weight: number): void {
  const { stable, canary } = s.routing!.services;
  const ns = s.ro.metadata.namespace;
  const problem = (st: RouteState): { reason: string; message: string } | undefined => {
    if (st.kind === "missing")
      return { reason: "RouteMissing", message: `HTTPRoute ${st.name} not found in namespace ${ns}` };
    if (st.kind === "noMatchingBackends")
      return {
        reason: "NoMatchingBackends",
        message: `HTTPRoute ${st.name} has no rule whose backendRefs name both Services ${stable} and ${canary}`,
      };
    if (st.notAccepted)
      return { reason: "RouteNotAccepted", message: `HTTPRoute ${st.name}: ${st.notAccepted}` };
    return undefined;
  };
  const problems = states.flatMap((st) => problem(st) ?? []);
  const next =
    problems.length > 0
      ? {
          type: "TrafficRouting",
          status: "False",
          reason: problems[0]!.reason,
          message: problems.map((p) => p.message).join("; "),
        }
      : {
          type: "TrafficRouting",
          status: "True",
          reason: "WeightSet",
          message: `canary weight ${weight} on HTTPRoute ${s.routing!.names.join(", ")}`,
        };
  const prev = getCondition(s.prev.conditions, "TrafficRouting");
  if (next.status === "False" && (prev?.reason !== next.reason || prev.message !== next.message))
    event(s, "Warning", next.reason, next.message);
  s.trafficCondition = next;
}
