import * as k8s from "@kubernetes/client-node";
import { onRealNode } from "../../cluster/node/config.js";
import { images } from "../../cluster/node/images.js";
import { httpGet } from "../../cluster/net.js";
import { testCluster } from "./cluster.js";
import { waitFor } from "./wait.js";

/**
 * Real workloads on the real node: the sample app (test/apps/sample-app.ts) behind a Service, its
 * load generator, and one-off pods whose exit code and log a test reads.
 */

export const appPort = 8080;

const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

/** The sample app's pod template: version and error rate from env, real HTTP probes, scraped by Prometheus. */
export function sampleAppTemplate({
  labels,
  version = "v1",
  errorRate = 0,
  readinessPath = "/readyz",
}: {
  labels: Record<string, string>;
  version?: string;
  errorRate?: number;
  readinessPath?: string;
}): k8s.V1PodTemplateSpec {
  return {
    metadata: {
      labels,
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(appPort) },
    },
    spec: {
      ...onRealNode,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: "app",
          image: images.sampleApp,
          imagePullPolicy: "IfNotPresent",
          args: ["serve"],
          env: [
            { name: "VERSION", value: version },
            { name: "ERROR_RATE", value: String(errorRate) },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          ports: [{ name: "http", containerPort: appPort }],
          readinessProbe: {
            httpGet: { path: readinessPath, port: appPort },
            periodSeconds: 1,
            failureThreshold: 1,
          },
          livenessProbe: { httpGet: { path: "/healthz", port: appPort }, periodSeconds: 5 },
          resources: { requests: { cpu: "10m", memory: "32Mi" } },
        },
      ],
    },
  };
}

export async function createService(
  namespace: string,
  name: string,
  selector: Record<string, string>,
): Promise<string> {
  const svc = await core().createNamespacedService({
    namespace,
    body: { metadata: { name }, spec: { selector, ports: [{ port: appPort, targetPort: appPort }] } },
  });
  return svc.spec!.clusterIP!;
}

/** A pod of the load generator sending `rps` requests a second to the Service's ClusterIP; returns the pod's IP. */
export async function startLoadGenerator(
  namespace: string,
  name: string,
  clusterIp: string,
  rps = 20,
): Promise<string> {
  await core().createNamespacedPod({
    namespace,
    body: {
      metadata: {
        name,
        labels: { app: name },
        annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(appPort) },
      },
      spec: {
        ...onRealNode,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "load",
            image: images.sampleApp,
            imagePullPolicy: "IfNotPresent",
            args: ["load"],
            env: [
              { name: "TARGET", value: `http://${clusterIp}:${appPort}/` },
              { name: "RPS", value: String(rps) },
            ],
            readinessProbe: { httpGet: { path: "/readyz", port: appPort }, periodSeconds: 1 },
          },
        ],
      },
    },
  });
  return waitForPodIp(namespace, name);
}

export async function waitForPodIp(namespace: string, name: string): Promise<string> {
  return waitFor(`pod ${namespace}/${name} to be Ready with an IP`, async () => {
    const p = await core().readNamespacedPod({ namespace, name });
    const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    return ready ? p.status?.podIP : undefined;
  });
}

/** One metric's samples from a pod's /metrics, read over the bridge by pod IP as the host does. */
export async function podMetric(
  podIp: string,
  metric: string,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const res = await httpGet(`http://${podIp}:${appPort}/metrics`);
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of res.body.split("\n")) {
    const m = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    samples.push({ labels, value: Number(m[2]) });
  }
  return samples;
}

export interface Finished {
  exitCode: number;
  log: string;
}

/** Runs a one-off pod on the real node to its end; returns its container's exit code and its log. */
export async function runToCompletion(
  namespace: string,
  name: string,
  container: Partial<k8s.V1Container>,
  timeoutMs = 60_000,
): Promise<Finished> {
  await core().createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        ...onRealNode,
        restartPolicy: "Never",
        containers: [{ name: "main", image: images.busybox, imagePullPolicy: "IfNotPresent", ...container }],
      },
    },
  });
  const exitCode = await waitFor(
    `pod ${namespace}/${name} to finish`,
    async () => {
      const p = await core().readNamespacedPod({ namespace, name });
      return p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
    },
    { timeoutMs },
  );
  const log = await core().readNamespacedPodLog({ namespace, name, container: "main" });
  return { exitCode, log };
}
