import Type, { type Static } from "typebox";
import { notYet, refuse } from "./unsupported.js";

/**
 * strategy.canary.trafficRouting: the canary's weight set on Gateway API HTTPRoutes. Two spellings
 * mean the same thing: Argo's plugin form (`plugins: {argoproj-labs/gatewayAPI: …}`), so an Argo
 * manifest migrates by changing apiVersion alone, and Kestrel's own `gatewayAPI` field.
 */

/** Argo's plugin name for the Gateway API router, the one plugin Kestrel implements itself. */
export const gatewayApiPlugin = "argoproj-labs/gatewayAPI";

const RouteName = Type.String({
  minLength: 1,
  maxLength: 253,
  description: "Name of an HTTPRoute (gateway.networking.k8s.io) in the Rollout's namespace.",
});

const routeList = (what: string) =>
  Type.Array(
    Type.Object({
      name: RouteName,
      useHeaderRoutes: Type.Optional(
        Type.Boolean({
          description:
            "Argo's flag for setHeaderRoute steps; those are not supported yet, so only false is accepted.",
        }),
      ),
    }),
    {
      minItems: 1,
      maxItems: 16,
      description: `${what} Kestrel sets the weights of the backendRefs naming stableService and canaryService, in every rule that names both; nothing else in the route changes.`,
      "x-kubernetes-validations": [
        {
          rule: "self.all(r, !has(r.useHeaderRoutes) || !r.useHeaderRoutes)",
          message:
            "useHeaderRoutes: true is not supported yet (setHeaderRoute steps are not supported); remove it",
        },
        {
          rule: "self.all(a, self.exists_one(b, a.name == b.name))",
          message: "each HTTPRoute may be listed once",
        },
      ],
    },
  );

const routeNamespace = Type.String({
  minLength: 1,
  maxLength: 63,
  description:
    "Namespace of the routes; Kestrel supports only the Rollout's own (the default). Another one is InvalidSpec.",
});

/** Argo's config for the argoproj-labs/gatewayAPI plugin (its HTTPRoute part). */
export const GatewayApiPluginConfig = Type.Object(
  {
    httpRoute: Type.Optional(RouteName),
    httpRoutes: Type.Optional(routeList("The HTTPRoutes to control.")),
    namespace: Type.Optional(routeNamespace),
  },
  {
    description: "Argo's Gateway API plugin config: httpRoute (one name) or httpRoutes (a list).",
    "x-kubernetes-validations": [
      {
        rule: "has(self.httpRoute) != has(self.httpRoutes)",
        message: `trafficRouting.plugins["${gatewayApiPlugin}"] needs exactly one of httpRoute or httpRoutes (grpcRoute, tcpRoute, tlsRoute and route selectors are not supported yet)`,
      },
    ],
  },
);

/** Kestrel's own spelling: a list of HTTPRoutes. */
export const GatewayApiRouting = Type.Object(
  {
    httpRoutes: routeList("The HTTPRoutes whose weights carry the canary's share."),
    namespace: Type.Optional(routeNamespace),
  },
  { description: "Gateway API routing (Kestrel's form of Argo's argoproj-labs/gatewayAPI plugin)." },
);

const plugins = Type.Unsafe<Record<string, Static<typeof GatewayApiPluginConfig>>>({
  type: "object",
  description: `Argo's traffic router plugins. Only "${gatewayApiPlugin}" is implemented (by Kestrel itself; nothing is downloaded).`,
  additionalProperties: GatewayApiPluginConfig,
  maxProperties: 1,
  "x-kubernetes-validations": [
    {
      rule: `self.all(k, k == '${gatewayApiPlugin}')`,
      message: `spec.strategy.canary.trafficRouting.plugins: only ${gatewayApiPlugin} is supported; other plugins are not supported yet`,
      messageExpression: `'spec.strategy.canary.trafficRouting.plugins["' + self.filter(k, k != '${gatewayApiPlugin}')[0] + '"] is not supported yet; use ${gatewayApiPlugin} (Gateway API HTTPRoutes)'`,
    },
  ],
});

const refusedRouters = refuse("spec.strategy.canary.trafficRouting", notYet.trafficRouting);

export const TrafficRouting = Type.Object(
  {
    gatewayAPI: Type.Optional(GatewayApiRouting),
    plugins: Type.Optional(plugins),
    ...refusedRouters.properties,
  },
  {
    description:
      "Shift the canary's share of requests with a router instead of the ratio of pods. Needs stableService and canaryService: the route's backendRefs name them.",
    "x-kubernetes-validations": [
      ...refusedRouters.rules,
      {
        // plugins is a map (its keys hold "/"), so membership is tested with `in`.
        rule: `has(self.gatewayAPI) != (has(self.plugins) && '${gatewayApiPlugin}' in self.plugins)`,
        message: `trafficRouting needs exactly one of gatewayAPI or plugins["${gatewayApiPlugin}"] (they mean the same)`,
      },
    ],
  },
);

/** On the canary strategy: a router writes weights to backendRefs that name these two Services. */
export const trafficRoutingRules = [
  {
    rule: "!has(self.trafficRouting) || (has(self.stableService) && has(self.canaryService))",
    message:
      "trafficRouting requires stableService and canaryService: the route's backendRefs name those Services",
    fieldPath: ".trafficRouting",
  },
  {
    rule: "!has(self.abortScaleDownDelaySeconds) || has(self.trafficRouting)",
    message:
      "abortScaleDownDelaySeconds needs trafficRouting: without a router an abort scales the canary down at once",
    fieldPath: ".abortScaleDownDelaySeconds",
  },
  ...(["dynamicStableScale", "scaleDownDelaySeconds", "scaleDownDelayRevisionLimit"] as const).map(
    (field) => ({
      rule: `!has(self.${field}) || has(self.trafficRouting)`,
      message: `${field} needs trafficRouting: without a router the stable ReplicaSet's pods are the traffic split`,
      fieldPath: `.${field}`,
    }),
  ),
  {
    rule: "!has(self.dynamicStableScale) || !self.dynamicStableScale || !has(self.scaleDownDelaySeconds)",
    message:
      "dynamicStableScale and scaleDownDelaySeconds cannot be used together: with dynamicStableScale the previous stable has no pods left to keep at promotion (set one of them)",
    fieldPath: ".scaleDownDelaySeconds",
  },
];

export type TrafficRouting = Static<typeof TrafficRouting>;

/** The HTTPRoutes a Rollout's trafficRouting names, whichever form it uses; [] without routing. */
export function routedHttpRoutes(tr: TrafficRouting | undefined): { names: string[]; namespace?: string } {
  if (!tr) return { names: [] };
  const config = tr.gatewayAPI ?? tr.plugins?.[gatewayApiPlugin];
  if (!config) return { names: [] };
  const names =
    "httpRoute" in config && config.httpRoute
      ? [config.httpRoute]
      : (config.httpRoutes ?? []).map((r) => r.name);
  return { names, namespace: config.namespace };
}

/**
 * What the schema cannot judge: a CEL rule on spec cannot see metadata.namespace. Routes in
 * another namespace would need ReferenceGrants and RBAC there; refused until they are supported.
 */
export function trafficRoutingErrors(
  namespace: string | undefined,
  tr: TrafficRouting | undefined,
): { field: string; message: string }[] {
  const { namespace: routeNs } = routedHttpRoutes(tr);
  if (routeNs === undefined || routeNs === namespace) return [];
  const field = tr?.gatewayAPI
    ? "spec.strategy.canary.trafficRouting.gatewayAPI.namespace"
    : `spec.strategy.canary.trafficRouting.plugins["${gatewayApiPlugin}"].namespace`;
  return [
    {
      field,
      message: `"${routeNs}": routes in another namespace are not supported yet; only the Rollout's own namespace ("${namespace}") works: omit namespace or set it to that`,
    },
  ];
}
