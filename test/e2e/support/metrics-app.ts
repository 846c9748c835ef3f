import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { httpGet } from "../../cluster/net.js";
import { testCluster } from "./cluster.js";
import { waitFor } from "./wait.js";

/** One running "version" of the sample app, registered with Prometheus as a scrape target. */
export interface MetricsApp {
  port: number;
  instance: string;
  setErrorRate(rate: number): Promise<void>;
  stop(): Promise<void>;
}

const appScript = path.join(repoRoot, "test", "apps", "metrics-app.ts");
const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");

export async function startMetricsApp(
  name: string,
  {
    version = "v1",
    errorRate = 0,
    labels = {},
  }: { version?: string; errorRate?: number; labels?: Record<string, string> } = {},
): Promise<MetricsApp> {
  const child: ChildProcess = spawn(
    tsx,
    [appScript, "--version", version, "--error-rate", String(errorRate)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`metrics app ${name} did not start within 30s`)), 30_000);
    child.once("exit", (code) => reject(new Error(`metrics app ${name} exited with ${code}`)));
    child.stdout?.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const instance = `127.0.0.1:${port}`;
  const targetFile = path.join(testCluster().prometheusTargets, `${name}.json`);
  fs.writeFileSync(
    targetFile,
    JSON.stringify([{ targets: [instance], labels: { app_name: name, ...labels } }]),
  );
  return {
    port,
    instance,
    async setErrorRate(rate: number) {
      const res = await fetch(`http://${instance}/control?errorRate=${rate}`, { method: "POST" });
      if (!res.ok) throw new Error(`metrics app ${name}: ${res.status} ${await res.text()}`);
    },
    async stop() {
      fs.rmSync(targetFile, { force: true });
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** An instant PromQL query through Prometheus' HTTP API, as the analysis provider makes it. */
export async function promQuery(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = `${testCluster().prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`;
  const res = await httpGet(url);
  const body = JSON.parse(res.body) as {
    status: string;
    data?: { resultType: string; result: never[] };
    error?: string;
  };
  if (body.status !== "success" || !body.data) throw new Error(`query ${query}: ${body.error ?? res.body}`);
  return body.data.result;
}

/** Waits until Prometheus has scraped the instance often enough for a 5s rate() to have data. */
export async function waitUntilScraped(app: MetricsApp): Promise<void> {
  await waitFor(`Prometheus to scrape ${app.instance}`, async () => {
    const r = await promQuery(`count(rate(app_requests_total{instance="${app.instance}"}[5s]))`);
    return Number(r[0]?.value[1] ?? 0) > 0 ? true : undefined;
  });
}
