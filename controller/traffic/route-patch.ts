import { namesService, type HTTPRoute, type RouteRule } from "./httproute.js";

/** The two Services whose backendRefs carry the canary's share. */
export interface RouteServices {
  stable: string;
  canary: string;
}

/** One RFC 6902 operation, as the API server takes it (Content-Type application/json-patch+json). */
export type PatchOp =
  { op: "test"; path: string; value: unknown } | { op: "replace" | "add"; path: string; value: unknown };

/** The rules Kestrel manages: those naming both Services (Argo's plugin changes any rule naming either). */
export function managedRuleIndexes(route: HTTPRoute, services: RouteServices): number[] {
  const ns = route.metadata.namespace;
  const names = (rule: RouteRule, svc: string): boolean =>
    (rule.backendRefs ?? []).some((ref) => namesService(ref, svc, ns));
  return (route.spec?.rules ?? []).flatMap((rule, i) =>
    names(rule, services.stable) && names(rule, services.canary) ? [i] : [],
  );
}

/**
 * The JSON patch that gives the canary `canaryWeight` and the stable `100 - canaryWeight` in every
 * managed rule, and changes nothing else: other backendRefs, other rules, matches and filters are
 * not in the patch at all. It starts with a `test` of the resourceVersion it was computed from, so
 * a route edited since is refused (422) rather than overwritten. An absent weight (Gateway API's
 * default, 1) is added, a present one replaced. Empty when the weights are already right.
 */
export function weightPatch(route: HTTPRoute, services: RouteServices, canaryWeight: number): PatchOp[] {
  const ns = route.metadata.namespace;
  const ops: PatchOp[] = [];
  for (const i of managedRuleIndexes(route, services)) {
    const refs = route.spec?.rules?.[i]?.backendRefs ?? [];
    refs.forEach((ref, j) => {
      const want = namesService(ref, services.canary, ns)
        ? canaryWeight
        : namesService(ref, services.stable, ns)
          ? 100 - canaryWeight
          : undefined;
      if (want === undefined || ref.weight === want) return;
      const path = `/spec/rules/${i}/backendRefs/${j}/weight`;
      ops.push({ op: ref.weight === undefined ? "add" : "replace", path, value: want });
    });
  }
  if (ops.length === 0) return [];
  return [{ op: "test", path: "/metadata/resourceVersion", value: route.metadata.resourceVersion }, ...ops];
}
