import { appPort, sampleAppTemplate } from "../cluster/node/workloads.js";

/**
 * The sample app as a Rollout behind the local cluster's Gateway: a stable and a canary Service
 * (Kestrel pins each to its ReplicaSet's pods) and an HTTPRoute attached to the Gateway whose one
 * rule weighs them. Shared by the traffic-share e2e test and the gateway rollback benchmark.
 */

export interface GatewayRef {
  name: string;
  namespace: string;
}

/** The route's hostname: requests carry it as their Host header. */
export const routeHost = (app: string, namespace: string): string => `${app}.${namespace}.test`;

export function gatewayRoute(app: string, namespace: string, gateway: GatewayRef): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: app },
    spec: {
      parentRefs: [{ name: gateway.name, namespace: gateway.namespace }],
      hostnames: [routeHost(app, namespace)],
      rules: [
        {
          backendRefs: [
            { name: `${app}-stable`, port: appPort, weight: 100 },
            { name: `${app}-canary`, port: appPort, weight: 0 },
          ],
        },
      ],
    },
  };
}

export interface GatewayRolloutOptions {
  replicas: number;
  version: string;
  errorRate?: number;
  steps: object[];
  /** Background analysis over the canary's pods only (podSuccessRateTemplate named `template`). */
  analysis?: { template: string; namespace: string };
  abortScaleDownDelaySeconds?: number;
  /** Further fields of strategy.canary (dynamicStableScale, scaleDownDelaySeconds...). */
  canary?: Record<string, unknown>;
}

export function gatewayRollout(app: string, o: GatewayRolloutOptions): object {
  const labels = { app };
  // Started with the canary (step 0): its first measurements come before the canary has any
  // traffic, and the canary must still get its first weight (the liveness this proves).
  const analysis = o.analysis && {
    templates: [{ templateName: o.analysis.template }],
    args: [
      { name: "namespace", value: o.analysis.namespace },
      { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
    ],
  };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: app },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version: o.version, errorRate: o.errorRate ?? 0 }),
      strategy: {
        canary: {
          stableService: `${app}-stable`,
          canaryService: `${app}-canary`,
          trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: app } } },
          steps: o.steps,
          ...(analysis ? { analysis } : {}),
          ...(o.abortScaleDownDelaySeconds !== undefined
            ? { abortScaleDownDelaySeconds: o.abortScaleDownDelaySeconds }
            : {}),
          ...o.canary,
        },
      },
    },
  };
}

/** [stable, canary] weights of the route's one rule as the API server has them. */
export function routeWeights(route: {
  spec?: { rules?: { backendRefs?: { weight?: number }[] }[] };
}): number[] {
  return (route.spec?.rules?.[0]?.backendRefs ?? []).map((b) => b.weight ?? 1);
}
