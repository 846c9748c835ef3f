import type * as k8s from "@kubernetes/client-node";
import { onRealNode } from "./config.js";
import { images } from "./images.js";

/**
 * Manifests of the real node's workloads, shared by the demo and the e2e tests: the sample app's
 * pod template and its load generator (test/apps/sample-app.ts).
 */

export const appPort = 8080;

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

/** A Service in front of pods with these labels, on the app's port. */
export function appService(name: string, selector: Record<string, string>): k8s.V1Service {
  return { metadata: { name }, spec: { selector, ports: [{ port: appPort, targetPort: appPort }] } };
}

/** The load generator: a pod on the real node sending `rps` requests a second to a ClusterIP. */
export function loadGeneratorPod(name: string, clusterIp: string, rps = 20): k8s.V1Pod {
  return {
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
  };
}

/** One metric's samples from a /metrics body (Prometheus text format, no escapes in label values). */
export function parseSamples(
  body: string,
  metric: string,
): { labels: Record<string, string>; value: number }[] {
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of body.split("\n")) {
    const m = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    samples.push({ labels, value: Number(m[2]) });
  }
  return samples;
}
