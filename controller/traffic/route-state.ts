import type { HTTPRoute } from "./httproute.js";
import { managedRuleIndexes, weightPatch, type PatchOp, type RouteServices } from "./route-patch.js";

/**
 * What a route's state means for a Rollout, for its conditions and its planner:
 * - missing: no such HTTPRoute (nothing to patch; nothing reaches the pods through it);
 * - noMatchingBackends: no rule names both Services (nothing Kestrel may change);
 * - otherwise the patch that brings the weights to the wanted one (empty when they are right),
 *   and whether every parent Gateway has Accepted the route (weights are still written when
 *   not: a route fixed later must carry the right weight from its first request).
 */
export type RouteState =
  | { kind: "missing"; name: string }
  | { kind: "noMatchingBackends"; name: string }
  | { kind: "present"; name: string; patch: PatchOp[]; inSync: boolean; notAccepted?: string };

export function classifyRoute(
  name: string,
  route: HTTPRoute | undefined,
  services: RouteServices,
  canaryWeight: number,
): RouteState {
  if (!route) return { kind: "missing", name };
  if (managedRuleIndexes(route, services).length === 0) return { kind: "noMatchingBackends", name };
  const patch = weightPatch(route, services, canaryWeight);
  const notAccepted = notAcceptedBy(route);
  return {
    kind: "present",
    name,
    patch,
    inSync: patch.length === 0,
    ...(notAccepted !== undefined ? { notAccepted } : {}),
  };
}

/**
 * Why the route is not Accepted, or undefined when every parent that reports on it has Accepted
 * it. A route with no parent status at all has not been seen by any Gateway controller yet.
 */
export function notAcceptedBy(route: HTTPRoute): string | undefined {
  const parents = route.status?.parents ?? [];
  if (parents.length === 0) return "no Gateway has reported on it (status.parents is empty)";
  for (const parent of parents) {
    const accepted = parent.conditions?.find((c) => c.type === "Accepted");
    if (accepted?.status !== "True") {
      const why = accepted
        ? `${accepted.reason ?? "not accepted"}: ${accepted.message ?? ""}`
        : "no Accepted condition";
      return `Gateway ${parent.parentRef.name} has not accepted it (${why.trim()})`;
    }
  }
  return undefined;
}
