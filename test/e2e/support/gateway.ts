import * as k8s from "@kubernetes/client-node";
import http from "node:http";
import type { GatewayInfo } from "../../cluster/gateway.js";
import { testCluster } from "./cluster.js";
import { waitFor } from "./wait.js";

/**
 * Traffic through the local cluster's Gateway API data plane (Traefik on loopback, see
 * test/cluster/gateway.ts): HTTPRoutes as users write them, and real requests counted by the pods
 * that answered them.
 */

export const gatewayGroup = "gateway.networking.k8s.io";
const custom = (): k8s.CustomObjectsApi => testCluster().kc.makeApiClient(k8s.CustomObjectsApi);

export interface HTTPRoute {
  metadata: k8s.V1ObjectMeta;
  spec: Record<string, unknown>;
  status?: { parents?: { parentRef: { name: string }; conditions?: k8s.V1Condition[] }[] };
}

/**
 * For a describe block that sends traffic through the gateway: fails at once, saying why, when
 * the cluster has none (another cluster, one started before the gateway existed, or KESTREL_GATEWAY=0).
 */
export function useGateway(): () => GatewayInfo {
  let info: GatewayInfo | undefined;
  before(function () {
    info = testCluster().gateway;
    if (!info)
      throw new Error(
        "these tests send requests through the local cluster's Gateway API data plane and this cluster has none: " +
          "the local cluster starts one (Traefik) unless KESTREL_GATEWAY=0, or the cluster was started by code " +
          "without it (restart it: npm run cluster:down && npm run cluster:up)",
      );
  });
  return () => info!;
}

export async function createRoute(namespace: string, route: HTTPRoute): Promise<HTTPRoute> {
  return (await custom().createNamespacedCustomObject({
    group: gatewayGroup,
    version: "v1",
    namespace,
    plural: "httproutes",
    body: { apiVersion: `${gatewayGroup}/v1`, kind: "HTTPRoute", ...route },
  })) as HTTPRoute;
}

export async function readRoute(namespace: string, name: string): Promise<HTTPRoute> {
  return (await custom().getNamespacedCustomObject({
    group: gatewayGroup,
    version: "v1",
    namespace,
    plural: "httproutes",
    name,
  })) as HTTPRoute;
}

/** A JSON patch (RFC 6902) of a route: only the paths named change, unlike a merge patch of `rules`. */
export async function jsonPatchRoute(namespace: string, name: string, ops: object[]): Promise<HTTPRoute> {
  return (await custom().patchNamespacedCustomObject(
    { group: gatewayGroup, version: "v1", namespace, plural: "httproutes", name, body: ops },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
  )) as HTTPRoute;
}

/** Waits until the gateway has accepted the route's current generation and resolved its backends. */
export async function waitForRouteAccepted(
  namespace: string,
  name: string,
  gateway: string,
): Promise<HTTPRoute> {
  return waitFor(
    `HTTPRoute ${namespace}/${name} to be Accepted with resolved refs by Gateway ${gateway}`,
    async () => {
      const route = await readRoute(namespace, name);
      const parent = route.status?.parents?.find((p) => p.parentRef.name === gateway);
      const current = (type: string): boolean =>
        parent?.conditions?.some(
          (c) => c.type === type && c.status === "True" && c.observedGeneration === route.metadata.generation,
        ) ?? false;
      return current("Accepted") && current("ResolvedRefs") ? route : undefined;
    },
  );
}

export interface Tally {
  /** Requests answered per version (the app's x-version header). */
  byVersion: Record<string, number>;
  /** Requests answered per pod (the app's x-served-by header). */
  byPod: Record<string, number>;
  /** Answers other than 200, by status code. */
  failures: Record<string, number>;
}

/**
 * Sends `count` GET / requests to the gateway with the route's Host header (a few at a time over
 * kept-alive loopback connections) and tallies who answered. Bounded in count; each request times out.
 */
export async function sendThroughGateway(
  url: string,
  host: string,
  count: number,
  headers: Record<string, string> = {},
  concurrency = 4,
): Promise<Tally> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const tally: Tally = { byVersion: {}, byPod: {}, failures: {} };
  const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const res = await get(url, { ...headers, host }, agent);
      if (res.status !== 200) bump(tally.failures, String(res.status));
      else {
        bump(tally.byVersion, res.version);
        bump(tally.byPod, res.pod);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return tally;
}

function get(
  url: string,
  headers: Record<string, string>,
  agent: http.Agent,
): Promise<{ status: number; version: string; pod: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          version: String(res.headers["x-version"] ?? "?"),
          pod: String(res.headers["x-served-by"] ?? "?"),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`request to ${url} timed out after 5s`)));
    req.on("error", reject);
  });
}
