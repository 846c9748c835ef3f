import type { V1JobSpec, V1ObjectMeta } from "@kubernetes/client-node";
import Type, { type Static } from "typebox";
import { exactMetricNameRules, notYet, refuse } from "./unsupported.js";
import { argFieldRules, DurationOrArg, IntOrArg } from "./arg-fields.js";
import { StringMap } from "./common.js";

/**
 * AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun, with Argo Rollouts' field names.
 * Kestrel adds `onNoData` per metric: what an empty result or NaN means.
 */

// Argo fields Kestrel does not implement yet: declared so they are not pruned, refused by CEL.
const refusedAuthentication = refuse(
  "spec.metrics[].provider.prometheus.authentication",
  notYet.prometheusAuthentication,
);
const refusedPrometheus = refuse("spec.metrics[].provider.prometheus", notYet.prometheus, {
  from: "prometheus",
});
const refusedProvider = refuse("spec.metrics[].provider", notYet.provider);
const refusedMetric = refuse("spec.metrics[]", notYet.metric);
const refusedTemplateSpec = refuse("spec", notYet.analysisTemplateSpec, { from: "spec" });
const refusedRunSpec = refuse(
  "spec",
  { ...notYet.analysisTemplateSpec, ...notYet.analysisRunSpec },
  { from: "spec" },
);
/** Rules for the CRD's root object: `spec` itself has no parent in these types. */
export const analysisTemplateRootRules = [...refusedTemplateSpec.rules, ...exactMetricNameRules];
export const analysisRunRootRules = [...refusedRunSpec.rules, ...exactMetricNameRules];

const SecretKeyRef = Type.Object({
  name: Type.String({ description: "Secret name, in the Rollout's namespace." }),
  key: Type.String({ description: "Key within the Secret." }),
});

export const Argument = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, description: "Referenced in queries as {{args.NAME}}." }),
  value: Type.Optional(
    Type.String({ maxLength: 4096, description: "A default (template) or the resolved value (run)." }),
  ),
  valueFrom: Type.Optional(
    Type.Object(
      {
        secretKeyRef: Type.Optional(SecretKeyRef),
        fieldRef: Type.Optional(
          Type.Object({
            fieldPath: Type.String({ description: "A field of the Rollout, e.g. metadata.name." }),
          }),
        ),
      },
      { description: "Where the value comes from at run time." },
    ),
  ),
});

export const PrometheusProvider = Type.Object({
  address: Type.String({
    minLength: 1,
    description:
      "Prometheus base URL, e.g. http://prometheus.monitoring:9090; {{args.NAME}} may supply it or a part, and the result must be an http(s) URL.",
  }),
  query: Type.String({
    minLength: 1,
    maxLength: 8192,
    description: "PromQL; {{args.NAME}} inserts an argument as a value.",
  }),
  timeout: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 300,
      description: "Seconds before the query is abandoned as an Error (default 10).",
    }),
  ),
  insecure: Type.Optional(Type.Boolean({ description: "Skip TLS certificate verification." })),
  headers: Type.Optional(
    Type.Array(Type.Object({ key: Type.String(), value: Type.String() }), {
      maxItems: 16,
      description: "Extra HTTP headers.",
    }),
  ),
  authentication: Type.Optional(
    Type.Object(
      {
        bearerTokenSecret: Type.Optional(SecretKeyRef),
        basicAuthSecret: Type.Optional(
          Type.Object({
            name: Type.String(),
            usernameKey: Type.String({ default: "username" }),
            passwordKey: Type.String({ default: "password" }),
          }),
        ),
        ...refusedAuthentication.properties,
      },
      {
        description: "Credentials read from a Secret in the run's namespace.",
        "x-kubernetes-validations": refusedAuthentication.rules,
      },
    ),
  ),
  ...refusedPrometheus.properties,
});

const Header = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 256, description: "Header name." }),
  value: Type.String({
    maxLength: 8192,
    description:
      "Header value; {{args.NAME}} inserts an argument (one from a Secret too: it is read when measuring and never stored).",
  }),
});

export const WebProvider = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        "The http(s) URL to call; {{args.NAME}} may supply it or a part (not from a Secret: the resolved URL is stored in the run).",
    }),
    method: Type.Optional(
      Type.String({ enum: ["GET", "POST", "PUT"], description: "HTTP method (default GET)." }),
    ),
    headers: Type.Optional(Type.Array(Header, { maxItems: 32, description: "HTTP headers to send." })),
    body: Type.Optional(
      Type.String({
        maxLength: 65536,
        description:
          "Request body as text (POST or PUT); {{args.NAME}} inserts a number or true/false, or text inside quotes.",
      }),
    ),
    jsonBody: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        description:
          "Request body as a JSON object (POST or PUT), sent with Content-Type application/json; {{args.NAME}} inside a string inserts text.",
      }),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 300,
        description: "Seconds before the call is abandoned as an Error (default 10).",
      }),
    ),
    jsonPath: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          "JSONPath into the response body, e.g. $.data.ok or Argo's {$.data.ok}; its value, as JSON, is the conditions' result (default: the whole body).",
      }),
    ),
    insecure: Type.Optional(Type.Boolean({ description: "Skip TLS certificate verification." })),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: "!has(self.body) || !has(self.jsonBody)",
        message: "web takes body or jsonBody, not both",
      },
      {
        rule: "!(has(self.body) || has(self.jsonBody)) || (has(self.method) && self.method != 'GET')",
        message: "a web body needs method POST or PUT (GET, the default, sends none)",
      },
    ],
  },
);

/** A batch/v1 JobSpec, as Argo takes it: the API server validates it when the Job is created. */
const JobSpec = Type.Unsafe<V1JobSpec>({
  type: "object",
  required: ["template"],
  properties: {
    template: {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      description: "The Job's pod template (restartPolicy Never or OnFailure).",
    },
  },
  "x-kubernetes-preserve-unknown-fields": true,
  description:
    "A batch/v1 JobSpec. {{args.NAME}} may appear in the containers' command, args and env values.",
});

export const JobProvider = Type.Object({
  metadata: Type.Optional(
    Type.Object(
      {
        labels: Type.Optional(StringMap("Labels added to each Job.")),
        annotations: Type.Optional(StringMap("Annotations added to each Job.")),
      },
      { description: "Labels and annotations added to each Job." },
    ),
  ),
  spec: JobSpec,
});

export const Metric = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, description: "Metric name, unique in the template." }),
    interval: Type.Optional(DurationOrArg("Time between measurements.")),
    initialDelay: Type.Optional(DurationOrArg("Wait before the first measurement.")),
    count: Type.Optional(
      IntOrArg(1, "Measurements to take; without it a metric with an interval runs until stopped."),
    ),
    successCondition: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          "e.g. result[0] >= 0.95; {{args.NAME}} inserts a number, true/false, or text inside quotes.",
      }),
    ),
    failureCondition: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          "e.g. result[0] < 0.9; {{args.NAME}} inserts a number, true/false, or text inside quotes.",
      }),
    ),
    failureLimit: Type.Optional(
      IntOrArg(0, "Failed measurements allowed before the metric fails (default 0)."),
    ),
    inconclusiveLimit: Type.Optional(IntOrArg(0, "Inconclusive measurements allowed (default 0).")),
    consecutiveErrorLimit: Type.Optional(
      IntOrArg(0, "Consecutive errors allowed before the metric errors (default 4)."),
    ),
    onNoData: Type.Optional(
      Type.String({
        enum: ["Inconclusive", "Failed", "Successful", "Error"],
        description:
          "What an empty result or NaN counts as (default Inconclusive: it never promotes and never aborts; enough of them pause the rollout for a human).",
      }),
    ),
    provider: Type.Object(
      {
        prometheus: Type.Optional(PrometheusProvider),
        web: Type.Optional(WebProvider),
        job: Type.Optional(JobProvider),
        ...refusedProvider.properties,
      },
      {
        description: "Where the metric is measured.",
        "x-kubernetes-validations": [
          {
            rule: "(has(self.prometheus) ? 1 : 0) + (has(self.web) ? 1 : 0) + (has(self.job) ? 1 : 0) == 1",
            message: "provider needs prometheus, web or job (exactly one)",
          },
          ...refusedProvider.rules,
          ...refusedPrometheus.rules,
        ],
      },
    ),
    ...refusedMetric.properties,
  },
  {
    "x-kubernetes-validations": [
      {
        // A Job's verdict is its exit: it has no value for a condition to read.
        rule: "has(self.provider.job) || has(self.successCondition) || has(self.failureCondition)",
        message: "a metric needs successCondition or failureCondition (a job metric needs neither)",
      },
      ...refusedMetric.rules,
      ...argFieldRules,
    ],
  },
);

export const AnalysisTemplateSpec = Type.Object({
  args: Type.Optional(Type.Array(Argument, { maxItems: 32, description: "Arguments the metrics use." })),
  metrics: Type.Array(Metric, { minItems: 1, maxItems: 32, description: "The metrics to measure." }),
  dryRun: Type.Optional(
    Type.Array(Type.Object({ metricName: Type.String() }), {
      maxItems: 32,
      description: "Metrics measured but never failing the run.",
    }),
  ),
  measurementRetention: Type.Optional(
    Type.Array(Type.Object({ metricName: Type.String(), limit: Type.Integer({ minimum: 1 }) }), {
      maxItems: 32,
      description: "Measurements kept per metric (default 10).",
    }),
  ),
  ...refusedTemplateSpec.properties,
});

export const AnalysisRunSpec = Type.Object({
  ...AnalysisTemplateSpec.properties,
  terminate: Type.Optional(
    Type.Boolean({ description: "Stop measuring; the run ends Successful unless something failed." }),
  ),
  ...refusedRunSpec.properties,
});

export const Measurement = Type.Object({
  phase: Type.String({ description: "Successful, Failed, Inconclusive or Error." }),
  scheduledAt: Type.String({
    format: "date-time",
    description: "The slot this measurement fills; a slot is counted once.",
  }),
  startedAt: Type.Optional(Type.String({ format: "date-time" })),
  finishedAt: Type.Optional(Type.String({ format: "date-time" })),
  value: Type.Optional(Type.String({ description: "The measured value, as text." })),
  message: Type.Optional(Type.String()),
});

export const MetricResult = Type.Object({
  name: Type.String(),
  phase: Type.String({ description: "Pending, Running, Successful, Failed, Error or Inconclusive." }),
  measurements: Type.Optional(Type.Array(Measurement)),
  count: Type.Integer(),
  successful: Type.Integer(),
  failed: Type.Integer(),
  inconclusive: Type.Integer(),
  error: Type.Integer(),
  consecutiveError: Type.Integer(),
  message: Type.Optional(Type.String()),
});

export const AnalysisRunStatus = Type.Object({
  phase: Type.Optional(
    Type.String({ description: "Pending, Running, Successful, Failed, Error or Inconclusive." }),
  ),
  message: Type.Optional(
    Type.String({ description: "The verdict in words: which metric, which values, which limit." }),
  ),
  startedAt: Type.Optional(Type.String({ format: "date-time" })),
  metricResults: Type.Optional(Type.Array(MetricResult)),
});

export type Metric = Static<typeof Metric>;
export type WebProvider = Static<typeof WebProvider>;
export type JobProvider = Static<typeof JobProvider>;
export type AnalysisTemplateSpec = Static<typeof AnalysisTemplateSpec>;
export type AnalysisRunSpec = Static<typeof AnalysisRunSpec>;
export type AnalysisRunStatus = Static<typeof AnalysisRunStatus>;
export type MetricResult = Static<typeof MetricResult>;
export type Measurement = Static<typeof Measurement>;

export interface AnalysisTemplate {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: AnalysisTemplateSpec;
}

export interface AnalysisRun {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: AnalysisRunSpec;
  status?: AnalysisRunStatus;
}
