import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";

/** Debian's prometheus package; overridable for machines that have it elsewhere. */
export const prometheusBinary = process.env.KESTREL_PROMETHEUS_BIN ?? "/usr/bin/prometheus";

/**
 * A Prometheus that scrapes whatever tests register: each test writes a file_sd JSON file into
 * the targets folder, which Prometheus watches. One-second intervals keep analysis tests short.
 */
export function prometheusArgs(dir: string, port: number): string[] {
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
