/**
 * The parts of a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) Kestrel reads. Everything
 * else in the object is carried through untouched: Kestrel never rewrites a route, it patches
 * single weights (see route-patch.ts).
 */

export const httpRouteKind = {
  group: "gateway.networking.k8s.io",
  version: "v1",
  plural: "httproutes",
} as const;

export interface BackendRef {
  name: string;
  group?: string;
  kind?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [other: string]: unknown;
}

export interface RouteRule {
  matches?: unknown[];
  filters?: unknown[];
  backendRefs?: BackendRef[];
  [other: string]: unknown;
}

export interface RouteCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  spec?: { parentRefs?: { name: string; namespace?: string }[]; rules?: RouteRule[] };
  status?: { parents?: { parentRef: { name: string; namespace?: string }; conditions?: RouteCondition[] }[] };
}

/** A backendRef names a Service of the route's namespace by this name (group "" and kind Service are the defaults). */
export function namesService(ref: BackendRef, service: string, routeNamespace: string | undefined): boolean {
  return (
    ref.name === service &&
    (ref.group ?? "") === "" &&
    (ref.kind ?? "Service") === "Service" &&
    (ref.namespace === undefined || ref.namespace === routeNamespace)
  );
}
