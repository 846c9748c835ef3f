import path from "node:path";
import type { ComponentSpec, Layout } from "./components.js";
import { binary, componentCacheDir, components } from "./versions.js";

/**
 * The local cluster's Gateway API data plane: Traefik's Kubernetes Gateway provider, run on the
 * host outside the cluster, listening on loopback only and sending each request straight to a
 * backend pod's IP over the bridge (it reads EndpointSlices; no Service address is involved).
 * The manifests here are pure; gateway-up.ts applies them and waits.
 */

/** What the e2e tests need to send traffic through the gateway. */
export interface GatewayInfo {
  /** Where the gateway listens: http://127.0.0.1:<port>. Requests need the route's Host header. */
  url: string;
  /** The Gateway routes attach to (parentRefs: [{ name, namespace }]). */
  name: string;
  namespace: string;
  /** The GatewayClass, whose controllerName is Traefik's. */
  className: string;
}

export const gatewayNamespace = "kestrel-gateway";
export const gatewayName = "local";
export const gatewayClassName = "traefik";
export const traefikControllerName = "traefik.io/gateway-controller";
/** Traefik's identity: a ServiceAccount bound to gatewayClusterRole (see gateway-up.ts). */
export const gatewayServiceAccount = "traefik";
/** The entry point's name, which is also the Gateway listener's. */
const entryPoint = "web";

export const gatewayUrl = (l: Layout): string => `http://127.0.0.1:${l.ports.gateway}`;
export const gatewayTokenFile = (l: Layout): string => path.join(l.pki, "gateway.token");

/** The Gateway API CRDs (standard channel) of the version Traefik's module resolves, copied at build time. */
export function gatewayApiCrdsDir(): string {
  const traefik = components.find((c) => c.module === "traefik")!;
  return path.join(componentCacheDir(traefik), "gateway-api-crds");
}

/** Traefik as a host process: its API-server client set by flags, nothing from the environment. */
export function traefik(l: Layout, apiserver: string, caFile: string): ComponentSpec {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "KUBECONFIG" && !k.startsWith("KUBERNETES_SERVICE_")),
  );
  return {
    name: "traefik",
    command: binary("traefik"),
    args: [
      `--entryPoints.${entryPoint}.address=127.0.0.1:${l.ports.gateway}`,
      "--providers.kubernetesgateway=true",
      `--providers.kubernetesgateway.endpoint=${apiserver}`,
      `--providers.kubernetesgateway.token=${gatewayTokenFile(l)}`,
      `--providers.kubernetesgateway.certAuthFilePath=${caFile}`,
      // The Gateway's status.addresses says where it listens.
      "--providers.kubernetesgateway.statusAddress.ip=127.0.0.1",
      // The default 2 s would delay a second weight change within 2 s of the first.
      "--providers.providersThrottleDuration=0s",
      "--global.checkNewVersion=false",
      "--global.sendAnonymousUsage=false",
      "--log.level=INFO",
      "--log.noColor=true",
    ],
    // KUBECONFIG and KUBERNETES_SERVICE_* would take precedence over the flags above.
    env,
  };
}

/** What Traefik's Gateway provider reads (its informers) and writes (only the status of Gateway API objects). */
export function gatewayClusterRole(name: string): Record<string, unknown> {
  const gatewayApi = "gateway.networking.k8s.io";
  const kinds = [
    "gatewayclasses",
    "gateways",
    "httproutes",
    "grpcroutes",
    "referencegrants",
    "backendtlspolicies",
  ];
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name },
    rules: [
      {
        apiGroups: [""],
        resources: ["namespaces", "services", "secrets", "configmaps"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
      { apiGroups: [gatewayApi], resources: kinds, verbs: ["get", "list", "watch"] },
      { apiGroups: [gatewayApi], resources: kinds.map((k) => `${k}/status`), verbs: ["update", "patch"] },
    ],
  };
}

/** The GatewayClass Traefik accepts and the one Gateway every test's routes attach to. */
export function gatewayObjects(port: number): Record<string, unknown>[] {
  return [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: gatewayClassName },
      spec: { controllerName: traefikControllerName },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: gatewayName, namespace: gatewayNamespace },
      spec: {
        gatewayClassName,
        // Traefik binds a listener to the entry point of the same port.
        listeners: [
          { name: entryPoint, protocol: "HTTP", port, allowedRoutes: { namespaces: { from: "All" } } },
        ],
      },
    },
  ];
}
