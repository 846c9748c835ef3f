import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { httpGet } from "../../test/cluster/net.js";
import { repoRoot } from "../../test/cluster/paths.js";
import { waitUntil } from "./log.js";

/** The sample app (test/apps/metrics-app.ts) serving a fixed error rate, scraped by the cluster's Prometheus. */
export interface BenchApp {
  name: string;
  stop(): Promise<void>;
}

export async function startMetricsApp(
  name: string,
  errorRate: number,
  prometheus: { url: string; targets: string },
): Promise<BenchApp> {
  const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
  const child = spawn(
    tsx,
    [
      path.join(repoRoot, "test", "apps", "metrics-app.ts"),
      "--version",
      name,
      "--error-rate",
      String(errorRate),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`metrics app ${name} did not start within 30s`)), 30_000);
    child.once("exit", (code) => reject(new Error(`metrics app ${name} exited with ${code}`)));
    child.stdout.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const instance = `127.0.0.1:${port}`;
  const targetFile = path.join(prometheus.targets, `${name}.json`);
  fs.writeFileSync(targetFile, JSON.stringify([{ targets: [instance], labels: { app_name: name } }]));
  const stop = async (): Promise<void> => {
    fs.rmSync(targetFile, { force: true });
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    // A 5s rate() needs a few scrapes before the analysis query has an answer.
    await waitUntil(
      `Prometheus to scrape ${instance}`,
      async () => {
        const q = encodeURIComponent(`count(rate(app_requests_total{instance="${instance}"}[5s]))`);
        const res = await httpGet(`${prometheus.url}/api/v1/query?query=${q}`);
        const body = JSON.parse(res.body) as { data?: { result?: { value: [number, string] }[] } };
        return Number(body.data?.result?.[0]?.value[1] ?? 0) > 0 || undefined;
      },
      { intervalMs: 250, timeoutMs: 60_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, stop };
}
