import http from "node:http";
import type { Registry } from "prom-client";

export interface HealthSource {
  /** Live: the event loop answers. Ready: caches synced, watches healthy, and (with election) what this replica should be doing. */
  readiness(): { ready: boolean; checks: Record<string, string> };
}

/** /healthz, /readyz and /metrics on one port. Probes get plain text; readiness failures say which check failed. */
export function startServer(
  port: number,
  host: string,
  registry: Registry,
  health: HealthSource,
): http.Server {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/livez") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
      return;
    }
    if (path === "/readyz") {
      const { ready, checks } = health.readiness();
      const body = Object.entries(checks)
        .map(([name, state]) => `[${state === "ok" ? "+" : "-"}]${name} ${state}`)
        .join("\n");
      res
        .writeHead(ready ? 200 : 503, { "Content-Type": "text/plain" })
        .end(`${body}\n${ready ? "ok" : "not ready"}\n`);
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  });
  server.listen(port, host);
  return server;
}
