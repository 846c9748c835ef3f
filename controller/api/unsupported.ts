import Type, { type TOptional, type TUnsafe } from "typebox";

/**
 * Argo Rollouts fields Kestrel does not implement yet, in one list.
 *
 * The API server prunes a field the schema does not declare, silently, for every client that does
 * not ask for strict field validation (Helm, client-go, `kubectl apply --validate=false`, a plain
 * POST): a Rollout with `trafficRouting` would run as a pod-ratio canary as if nothing had been
 * asked. So each such field is declared (loosely, so its content is kept) and refused by a CEL rule
 * on the object that holds it: `has(self.field)` can only see a field its parent declares.
 * When a field gets implemented, move it from here into the kind's schema.
 */

/** The JSON shape Argo gives the field; declared loosely so nothing inside it is pruned. */
type Shape = "object" | "array" | "string" | "integer" | "boolean" | "int-or-string";

interface NotYet {
  shape: Shape;
  /** What to do instead, when Kestrel has an answer. */
  instead?: string;
}

const field = (shape: Shape, instead?: string): NotYet => ({ shape, instead });

/** The refused fields, grouped by the object that holds them (Argo's names). */
export const notYet = {
  rolloutSpec: {
    rollbackWindow: field(
      "object",
      "an undo to a revision that once completed already skips the steps (see spec.undoReplaysSteps)",
    ),
  },
  blueGreen: {
    antiAffinity: field("object"),
  },
  canary: {
    antiAffinity: field("object"),
    pingPong: field("object"),
    minPodsPerReplicaSet: field("integer"),
  },
  trafficRouting: {
    istio: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    nginx: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    alb: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    smi: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    ambassador: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    appMesh: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    traefik: field("object", "Traefik implements the Gateway API: use trafficRouting.gatewayAPI"),
    apisix: field("object", "route with a Gateway API HTTPRoute (trafficRouting.gatewayAPI)"),
    managedRoutes: field("array"),
    maxTrafficWeight: field("integer"),
  },
  step: {
    experiment: field("object"),
    setHeaderRoute: field("object"),
    setMirrorRoute: field("object"),
    plugin: field("object"),
  },
  rolloutAnalysis: {
    dryRun: field("array", "list the metrics in the AnalysisTemplate's spec.dryRun"),
    measurementRetention: field("array", "set it in the AnalysisTemplate's spec.measurementRetention"),
    analysisRunMetadata: field("object"),
  },
  analysisTemplateSpec: {
    templates: field("array", "list the templates in the Rollout's analysis.templates"),
  },
  analysisRunSpec: {
    ttlStrategy: field(
      "object",
      "finished runs are kept per spec.analysis.successfulRunHistoryLimit and unsuccessfulRunHistoryLimit of the Rollout",
    ),
  },
  metric: {
    consecutiveSuccessLimit: field("int-or-string"),
  },
  provider: {
    datadog: field("object", "use prometheus"),
    newRelic: field("object", "use prometheus"),
    wavefront: field("object", "use prometheus"),
    kayenta: field("object", "use prometheus"),
    cloudWatch: field("object", "use prometheus"),
    graphite: field("object", "use prometheus"),
    influxdb: field("object", "use prometheus"),
    skywalking: field("object", "use prometheus"),
    plugin: field("object", "use prometheus"),
  },
  prometheus: {
    rangeQuery: field("object", "write the range into the PromQL query, e.g. a [5m] range vector"),
  },
  prometheusAuthentication: {
    sigv4: field("object", "use bearerTokenSecret or basicAuthSecret"),
    oauth2: field("object", "use bearerTokenSecret or basicAuthSecret"),
  },
} satisfies Record<string, Record<string, NotYet>>;

/** One x-kubernetes-validations entry, as the CRD stores it. */
export interface ValidationRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: string;
}

/** The refusal message: the field's full path, "is not supported yet", and what to do instead. */
export const notSupportedYetMessage = (path: string, instead?: string): string =>
  `${path} is not supported yet${instead ? `; ${instead}` : ""}`;

function looseSchema(shape: Shape, description: string): Record<string, unknown> {
  switch (shape) {
    case "object":
      return { type: "object", "x-kubernetes-preserve-unknown-fields": true, description };
    case "array":
      return {
        type: "array",
        items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        description,
      };
    case "int-or-string":
      return { "x-kubernetes-int-or-string": true, description };
    default:
      return { type: shape, description };
  }
}

/** A declared field whose TypeScript type is `never`: the controller cannot read what it refuses. */
export function notSupportedYet(refused: NotYet): TOptional<TUnsafe<never>> {
  const instead = refused.instead ? ` Instead: ${refused.instead}.` : "";
  return Type.Optional(
    Type.Unsafe<never>(
      looseSchema(
        refused.shape,
        `An Argo Rollouts field Kestrel does not support yet: refused at apply.${instead}`,
      ),
    ),
  );
}

/**
 * The properties to add to the object at `path` and the CEL rules, one per field, to put on that
 * same object, or on an ancestor that reaches it by `from` (e.g. "prometheus"). Each rule points
 * at the field itself (fieldPath), so the error names it.
 */
export function refuse(
  path: string,
  fields: Record<string, NotYet>,
  { from }: { from?: string } = {},
): { properties: Record<string, TOptional<TUnsafe<never>>>; rules: ValidationRule[] } {
  const properties: Record<string, TOptional<TUnsafe<never>>> = {};
  const rules: ValidationRule[] = [];
  for (const [name, refused] of Object.entries(fields)) {
    properties[name] = notSupportedYet(refused);
    const field = from ? `${from}.${name}` : name;
    rules.push({
      rule: from ? `!has(self.${from}) || !has(self.${field})` : `!has(self.${field})`,
      message: notSupportedYetMessage(`${path}.${name}`, refused.instead),
      fieldPath: `.${field}`,
      reason: "FieldValueForbidden",
    });
  }
  return { properties, rules };
}

/**
 * Argo reads `dryRun[].metricName` and `measurementRetention[].metricName` as regular expressions
 * (".*" for every metric); Kestrel matches a metric's exact name, so a pattern would be accepted
 * and silently match nothing (a dry-run metric would then fail the rollout). Rules for the CRD's
 * root, where `self.spec` holds both the lists and the metrics.
 */
export const exactMetricNameRules: ValidationRule[] = (["dryRun", "measurementRetention"] as const).map(
  (list) => ({
    rule: `!has(self.spec.${list}) || self.spec.${list}.all(d, self.spec.metrics.exists(m, m.name == d.metricName))`,
    message: `spec.${list}[].metricName must be the name of a metric in spec.metrics; a regular expression such as ".*" is not supported yet`,
    fieldPath: `.spec.${list}`,
  }),
);
