import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { onRealNode } from "../../cluster/node/config.js";
import { images } from "../../cluster/node/images.js";
import { testCluster } from "./cluster.js";
import { kubectl } from "./kubectl.js";

/** Job metrics as Argo users write them, running busybox on the real node (so exit codes are real). */

/** A `provider.job` whose one container runs `script` with sh, without retries. */
export function jobProvider(
  script: string,
  podSpec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    job: {
      metadata: { labels: { purpose: "e2e-check" } },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            ...onRealNode,
            restartPolicy: "Never",
            containers: [
              {
                name: "check",
                image: images.busybox,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", script],
                ...container,
              },
            ],
            ...podSpec,
          },
        },
      },
    },
  };
}

/** An AnalysisTemplate (or ClusterAnalysisTemplate) of one Job metric. */
export function jobTemplate(
  name: string,
  script: string,
  metric: Record<string, unknown> = {},
  kind: "AnalysisTemplate" | "ClusterAnalysisTemplate" = "AnalysisTemplate",
): object {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind,
    metadata: { name },
    spec: { metrics: [{ name: "smoke", provider: jobProvider(script), ...metric }] },
  };
}

/** The Jobs in a namespace that belong to the run with this uid. */
export async function jobsOfRun(namespace: string, uid: string): Promise<k8s.V1Job[]> {
  const batch = testCluster().kc.makeApiClient(k8s.BatchV1Api);
  const list = await batch.listNamespacedJob({
    namespace,
    labelSelector: `kestrel.dev/analysis-run-uid=${uid}`,
  });
  return list.items;
}

export async function allRuns(namespace: string): Promise<AnalysisRun[]> {
  const res = await kubectl(["get", "analysisruns", "-n", namespace, "-o", "json"]);
  if (res.code !== 0) throw new Error(res.stderr);
  return (JSON.parse(res.stdout) as { items: AnalysisRun[] }).items;
}

/** Every measurement of a run's first metric. */
export const measurementsOf = (run: AnalysisRun) => run.status?.metricResults?.[0]?.measurements ?? [];
