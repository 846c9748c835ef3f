import { sampleAppTemplate, podMetric } from "./sample-app.js";

/** What a sample-app Rollout's canary adds beyond its steps (e.g. onFailure). */
export type CanaryExtra = Record<string, unknown>;

/**
 * A Rollout of the sample app on the real node, judged by the pods' own success rate: its version
 * and error rate are in the pod template, so each revision's pods serve what the test chose.
 */
export function sampleRollout(
  name: string,
  version: string,
  errorRate: number,
  namespace: string,
  steps: object[] = [{ setWeight: 20 }, { pause: {} }],
  canaryExtra: CanaryExtra = {},
): object {
  const labels = { app: name };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      replicas: 5,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version, errorRate }),
      strategy: {
        canary: {
          steps,
          analysis: {
            templates: [{ templateName: "pod-success-rate" }],
            args: [
              { name: "namespace", value: namespace },
              { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
            ],
          },
          ...canaryExtra,
        },
      },
    },
  };
}

/** The load generator's answers so far, by the version that served them (failed connections left out). */
export async function answeredBy(
  loadIp: string,
): Promise<{ total: number; byVersion: Record<string, number> }> {
  const samples = await podMetric(loadIp, "loadgen_responses_total");
  const byVersion: Record<string, number> = {};
  let total = 0;
  for (const s of samples) {
    if (s.labels.code === "0") continue;
    total += s.value;
    byVersion[s.labels.version!] = (byVersion[s.labels.version!] ?? 0) + s.value;
  }
  return { total, byVersion };
}
