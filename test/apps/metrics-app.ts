/**
 * A stand-in for one version of a user's application, as Prometheus sees it: it serves
 * requests to itself at a steady rate and counts them by status code with prom-client, failing
 * the share of them that its error rate says. Tests and the demo start one process per version
 * and change the error rate over HTTP (POST /control?errorRate=0.3).
 */
import http from "node:http";
import { parseArgs } from "node:util";
import client from "prom-client";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    version: { type: "string", default: "v1" },
    "error-rate": { type: "string", default: "0" },
    rps: { type: "string", default: "20" },
  },
});

let errorRate = Number(values["error-rate"]);
const version = values.version ?? "v1";
const registry = new client.Registry();
const requests = new client.Counter({
  name: "app_requests_total",
  help: "Requests served, by version and HTTP status code",
  labelNames: ["version", "code"],
  registers: [registry],
});
const errorRateSetting = new client.Gauge({
  name: "app_error_rate_setting",
  help: "The error rate this process is told to produce (0..1)",
  labelNames: ["version"],
  registers: [registry],
});
errorRateSetting.set({ version }, errorRate);
// Both series exist from the first scrape, so rate() has data even before the first error.
requests.inc({ version, code: "200" }, 0);
requests.inc({ version, code: "500" }, 0);

// Deterministic error spreading: exactly errorRate of each window of requests fail.
let served = 0;
let failed = 0;
const tick = (): void => {
  served++;
  const code = failed < Math.round(served * errorRate) ? "500" : "200";
  if (code === "500") failed++;
  requests.inc({ version, code });
};
setInterval(tick, Math.max(1, Math.round(1000 / Number(values.rps)))).unref();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/metrics") {
    void registry.metrics().then((body) => {
      res.writeHead(200, { "Content-Type": registry.contentType });
      res.end(body);
    });
    return;
  }
  if (url.pathname === "/control" && req.method === "POST") {
    const next = Number(url.searchParams.get("errorRate"));
    if (!Number.isFinite(next) || next < 0 || next > 1) {
      res.writeHead(400).end("errorRate must be a number between 0 and 1\n");
      return;
    }
    errorRate = next;
    served = 0;
    failed = 0;
    errorRateSetting.set({ version }, errorRate);
    res.writeHead(200).end(`errorRate=${errorRate}\n`);
    return;
  }
  res.writeHead(404).end();
});

server.listen(Number(values.port), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // The parent reads this line to learn the port.
  process.stdout.write(`listening ${port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
