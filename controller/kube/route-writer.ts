import * as k8s from "@kubernetes/client-node";
import { routedHttpRoutes } from "../api/traffic.js";
import type { StoredRollout } from "../api/rollout.js";
import type { Logger } from "../log.js";
import type { Action } from "../rollout/actions.js";
import { httpRouteKind, type HTTPRoute } from "../traffic/httproute.js";

const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

const notFound = (err: unknown): boolean => err instanceof k8s.ApiException && err.code === 404;

/**
 * The HTTPRoutes a Rollout's trafficRouting names, read now from the API server (undefined for a
 * route that does not exist, or when the Gateway API CRDs are not installed: both mean nothing
 * can be routed). Only Rollouts with trafficRouting pay these reads; undefined without it.
 */
export async function readRoutes(
  custom: k8s.CustomObjectsApi,
  ro: StoredRollout,
): Promise<Map<string, HTTPRoute | undefined> | undefined> {
  const { names } = routedHttpRoutes(ro.spec?.strategy?.canary?.trafficRouting);
  if (names.length === 0) return undefined;
  const namespace = ro.metadata.namespace ?? "";
  const routes = new Map<string, HTTPRoute | undefined>();
  for (const name of names) {
    try {
      routes.set(
        name,
        (await custom.getNamespacedCustomObject({ ...httpRouteKind, namespace, name })) as HTTPRoute,
      );
    } catch (err) {
      if (!notFound(err)) throw err;
      routes.set(name, undefined);
    }
  }
  return routes;
}

/**
 * Applies a planned weight patch. Its first op tests the resourceVersion the plan was computed
 * from: when someone edited the route since, the API server refuses the whole patch (422) and
 * nothing is written. That is answered as a conflict (409), which the runner requeues quietly: the
 * next pass re-reads the route and plans again from what the user wrote, never over it.
 */
export async function patchRoute(
  custom: k8s.CustomObjectsApi,
  namespace: string,
  action: Extract<Action, { kind: "patchRoute" }>,
  log: Logger,
): Promise<void> {
  try {
    await custom.patchNamespacedCustomObject(
      { ...httpRouteKind, namespace, name: action.name, body: action.patch },
      jsonPatch,
    );
  } catch (err) {
    const stale =
      err instanceof k8s.ApiException && (err.code === 422 || err.code === 409 || err.code === 404);
    if (!stale) throw err;
    log.info("route changed since it was read; re-reading it", { httpRoute: action.name });
    throw new k8s.ApiException(
      409,
      `HTTPRoute ${action.name} changed since it was read`,
      err.body,
      err.headers,
    );
  }
  const weights = action.patch.filter((op) => op.op !== "test").map((op) => `${op.path}=${String(op.value)}`);
  log.info("set route weights", { httpRoute: action.name, weights: weights.join(" ") });
}
