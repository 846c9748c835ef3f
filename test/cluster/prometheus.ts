import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { podRange } from "./node/network.js";
import { binary } from "./versions.js";

/**
 * Prometheus built from its module (test/cluster/modules/prometheus): Debian's package leaves out
 * kubernetes_sd. KESTREL_PROMETHEUS_BIN points at another one.
 */
export const prometheusBinary = (): string => process.env.KESTREL_PROMETHEUS_BIN ?? binary("prometheus");

/** How Prometheus reaches the API server to discover pods. */
export interface KubernetesSd {
  apiserver: string;
  caFile: string;
  tokenFile: string;
}

/** The pod-range addresses Prometheus may scrape: a regex of the real node's pod IPs. */
const realPodIpRegex = `${podRange.split(".").slice(0, 3).join("\\.")}\\.\\d+`;

/**
 * Pods as users scrape them: discovered through the API server (role pod), opted in with the
 * `prometheus.io/scrape: "true"` and `prometheus.io/port` annotations, Running, and with every
 * pod label kept (so `rollouts_pod_template_hash` selects a ReplicaSet's pods) plus namespace and
 * pod. Only addresses in the real node's pod range are scraped: kwok's placeholder addresses lead
 * nowhere (the host routes them to `unreachable`).
 */
export function kubernetesPodsJob(sd: KubernetesSd): Record<string, unknown> {
  return {
    job_name: "kubernetes-pods",
    kubernetes_sd_configs: [
      {
        role: "pod",
        api_server: sd.apiserver,
        tls_config: { ca_file: sd.caFile },
        authorization: { credentials_file: sd.tokenFile },
      },
    ],
    relabel_configs: [
      {
        source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
        regex: "true",
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_ip"], regex: realPodIpRegex, action: "keep" },
      {
        source_labels: ["__meta_kubernetes_pod_ip", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
        regex: "(.+);(\\d+)",
        replacement: "$1:$2",
        target_label: "__address__",
      },
      { action: "labelmap", regex: "__meta_kubernetes_pod_label_(.+)" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    ],
  };
}

/**
 * A Prometheus that scrapes whatever tests register: each test writes a file_sd JSON file into
 * the targets folder, which Prometheus watches; and, in the local cluster, the pods it discovers
 * through the API server. One-second intervals keep analysis tests short.
 */
export function prometheusArgs(dir: string, port: number, kubernetes?: KubernetesSd): string[] {
  const targets = targetsDir(dir);
  fs.mkdirSync(targets, { recursive: true });
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const configFile = path.join(dir, "prometheus.yml");
  fs.writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        {
          job_name: "kestrel-test-targets",
          file_sd_configs: [{ files: [path.join(targets, "*.json")], refresh_interval: "1s" }],
        },
        ...(kubernetes ? [kubernetesPodsJob(kubernetes)] : []),
      ],
    }),
  );
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
    "--storage.tsdb.retention.time=6h",
    "--log.level=warn",
  ];
}

export function targetsDir(prometheusDir: string): string {
  return path.join(prometheusDir, "targets");
}
