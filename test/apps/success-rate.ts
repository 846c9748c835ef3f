/**
 * The analysis every test and benchmark runs against the sample app (metrics-app.ts): the share
 * of its requests that did not answer 500, for the version `{{args.app}}` names, over `window`.
 */
export const successRateQuery = (window: string): string =>
  `sum(rate(app_requests_total{app_name="{{args.app}}",code!="500"}[${window}])) / sum(rate(app_requests_total{app_name="{{args.app}}"}[${window}]))`;

/**
 * An AnalysisTemplate as a user writes it for the sample app: one "success-rate" metric that
 * passes at 0.95 or more. `metric` adds or overrides the metric's fields (interval, limits...).
 */
export function successRateTemplate(
  name: string,
  address: string,
  { window = "5s", metric = {} }: { window?: string; metric?: Record<string, unknown> } = {},
): object {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      args: [{ name: "app" }],
      metrics: [
        {
          name: "success-rate",
          successCondition: "result[0] >= 0.95",
          provider: { prometheus: { address, timeout: 2, query: successRateQuery(window) } },
          ...metric,
        },
      ],
    },
  };
}

/**
 * The same analysis for the sample app as real pods (test/apps/sample-app.ts), as users write it
 * against Prometheus' kubernetes_sd labels: the success rate of the requests served by the pods
 * of one ReplicaSet, selected by `{{args.namespace}}` and `{{args.hash}}` (the canary's
 * rollouts-pod-template-hash, from `valueFrom.podTemplateHashValue: Latest`).
 */
export function podSuccessRateTemplate(
  name: string,
  address: string,
  { window = "10s", metric = {} }: { window?: string; metric?: Record<string, unknown> } = {},
): object {
  const pods = `namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.hash}}"`;
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      args: [{ name: "namespace" }, { name: "hash" }],
      metrics: [
        {
          name: "success-rate",
          successCondition: "result[0] >= 0.95",
          provider: {
            prometheus: {
              address,
              timeout: 2,
              query: `sum(rate(app_requests_total{${pods},code!="500"}[${window}])) / sum(rate(app_requests_total{${pods}}[${window}]))`,
            },
          },
          ...metric,
        },
      ],
    },
  };
}
