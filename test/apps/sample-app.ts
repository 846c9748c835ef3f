/**
 * The sample app as a real workload (the image kestrel.local/sample-app), in one of two modes.
 *
 * `serve` (default): one version of a user's application. Its version and error rate come from
 * the pod template (env VERSION, ERROR_RATE between 0 and 1); it answers GET / with 200, or with
 * 500 for exactly that share of requests, names the pod that served it (x-served-by), serves
 * /healthz and /readyz for the kubelet's probes, and counts requests by code with prom-client
 * (app_requests_total{version,code}) on /metrics.
 *
 * `load`: a load generator. It sends RPS requests a second (bounded, default 20) to TARGET (a
 * Service's address: the cluster, not the test, decides which pod answers each) and counts the
 * answers by code and by the pod that served them (loadgen_responses_total{code,served_by}).
 *
 * Bundled with its dependencies into one file by the image build (test/cluster/node/images.ts).
 */
import http from "node:http";
import client from "prom-client";

const env = process.env;
const mode = process.argv[2] ?? "serve";
const port = Number(env.PORT ?? 8080);
const pod = env.POD_NAME ?? env.HOSTNAME ?? "unknown";
const version = env.VERSION ?? "v1";
const registry = new client.Registry();

function numberSetting(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`${name}=${value} is not a number between ${min} and ${max}\n`);
    process.exit(2);
  }
  return n;
}

function serveMetrics(res: http.ServerResponse): void {
  void registry.metrics().then((body) => {
    res.writeHead(200, { "Content-Type": registry.contentType });
    res.end(body);
  });
}

let shuttingDown = false;

function serve(): http.Server {
  const errorRate = numberSetting("ERROR_RATE", env.ERROR_RATE, 0, 1, 0);
  const requests = new client.Counter({
    name: "app_requests_total",
    help: "Requests to / served, by version and HTTP status code",
    labelNames: ["version", "code"],
    registers: [registry],
  });
  // Both series exist from the first scrape, so rate() has data before the first error.
  requests.inc({ version, code: "200" }, 0);
  requests.inc({ version, code: "500" }, 0);
  // Deterministic spreading: of every n requests, round(n * errorRate) fail.
  let served = 0;
  let failed = 0;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    switch (url.pathname) {
      case "/metrics":
        return serveMetrics(res);
      case "/healthz":
        return void res.writeHead(200).end("ok\n");
      case "/readyz":
        return void res.writeHead(shuttingDown ? 503 : 200).end(shuttingDown ? "shutting down\n" : "ready\n");
      case "/": {
        served++;
        const code = failed < Math.round(served * errorRate) ? 500 : 200;
        if (code === 500) failed++;
        requests.inc({ version, code: String(code) });
        res.writeHead(code, { "x-served-by": pod, "x-version": version, "content-type": "text/plain" });
        return void res.end(`${code === 200 ? "ok" : "error"} ${version} ${pod}\n`);
      }
      default:
        return void res.writeHead(404).end();
    }
  });
}

function load(): http.Server {
  const target = env.TARGET;
  if (!target) {
    process.stderr.write("TARGET is required in load mode (e.g. http://10.96.0.10:8080/)\n");
    process.exit(2);
  }
  const rps = numberSetting("RPS", env.RPS, 1, 200, 20);
  const responses = new client.Counter({
    name: "loadgen_responses_total",
    help: "Answers the load generator got, by HTTP status code (0: no answer) and the pod that served them",
    labelNames: ["code", "served_by", "version"],
    registers: [registry],
  });
  const agent = new http.Agent({ keepAlive: false });
  const once = (): void => {
    const req = http.get(target, { agent, timeout: 2_000 }, (res) => {
      res.resume();
      responses.inc({
        code: String(res.statusCode ?? 0),
        served_by: String(res.headers["x-served-by"] ?? ""),
        version: String(res.headers["x-version"] ?? ""),
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => responses.inc({ code: "0", served_by: "", version: "" }));
  };
  setInterval(once, Math.round(1000 / rps));
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/metrics") return serveMetrics(res);
    if (url.pathname === "/healthz" || url.pathname === "/readyz") return void res.writeHead(200).end("ok\n");
    res.writeHead(404).end();
  });
}

if (mode !== "serve" && mode !== "load") {
  process.stderr.write(`unknown mode ${mode}: expected serve or load\n`);
  process.exit(2);
}
const server = mode === "load" ? load() : serve();
server.listen(port, "0.0.0.0", () =>
  process.stdout.write(`${mode} ${version} listening on ${port} as ${pod}\n`),
);

for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.on(signal, () => {
    shuttingDown = true;
    process.stdout.write(`${signal}: stopping\n`);
    server.close(() => process.exit(0));
    // Keep-alive clients must not hold the pod past its grace period.
    setTimeout(() => process.exit(0), 2_000).unref();
  });
