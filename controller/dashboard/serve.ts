/**
 * `kubectl kestrel dashboard`: a web server on 127.0.0.1 serving the page, a JSON API and a
 * stream of changes, all made with the user's own kubeconfig (never more rights than they have).
 */
import http from "node:http";
import type net from "node:net";
import * as k8s from "@kubernetes/client-node";
import { CliError, findUndoTarget, runAction, undoTo, type KubeCtx } from "../cli/actions.js";
import { explain } from "../cli/explain.js";
import { contentSecurityPolicy, embeddedAssets, page, type Assets } from "./assets.js";
import { clientsOf, detail, inScope, listRows, type Clients, type Scope } from "./data.js";
import { route, type Route } from "./routes.js";
import { stream } from "./stream.js";

export interface DashboardOptions extends Scope {
  kc: k8s.KubeConfig;
  port: number;
  readOnly: boolean;
}

/** An action this server itself refuses (read-only): 403, as the API server would. */
class Refused extends CliError {}

/** Sent with every action: a page from another origin cannot add it without a preflight we never answer. */
export const actionHeader = "x-kestrel-dashboard";

export async function serveDashboard(o: DashboardOptions): Promise<number> {
  const assets = embeddedAssets();
  if (!assets)
    throw new CliError(
      "the dashboard's page is built into the plugin's bundle: run bin/kubectl-kestrel dashboard (npm run plugin:build)",
    );
  const server = http.createServer((req, res) => {
    handle(o, clientsOf(o.kc), assets, req, res).catch((err: unknown) =>
      reply(res, 500, { error: explain(err) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          err.code === "EADDRINUSE" ? `port ${o.port} is in use: choose another with --port=N` : err.message,
        ),
      ),
    );
    server.listen(o.port, "127.0.0.1", resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const where = o.allNamespaces ? "all namespaces" : `namespace ${o.namespace}`;
  process.stdout.write(
    `Kestrel dashboard for ${where}${o.readOnly ? " (read-only)" : ""}: http://127.0.0.1:${port}/\nCtrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  server.closeAllConnections();
  server.close();
  return 0;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

/** The API server's status for a failure (403 stays 403 so the page can say so), else 400 or 500. */
function statusOf(err: unknown): number {
  if (err instanceof k8s.ApiException) return err.code;
  if (err instanceof Refused) return 403;
  return err instanceof CliError ? 409 : 500;
}

/** Only loopback names: a page on another site that rebinds its name to 127.0.0.1 is refused. */
function localHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

async function handle(
  o: DashboardOptions,
  c: Clients,
  assets: Assets,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const port = (req.socket.localPort ?? 0) as number;
  if (!localHost(req.headers.host, port)) return reply(res, 403, { error: "only http://127.0.0.1 may ask" });
  const r = route(req.method ?? "GET", req.url ?? "/");
  if ("error" in r) return reply(res, r.error, { error: r.message });
  if (r.kind === "favicon") return void res.writeHead(204).end();
  if (r.kind === "page" || r.kind === "asset") return serveFile(res, r, assets);
  if (r.kind === "config")
    return reply(res, 200, { namespace: o.namespace, allNamespaces: o.allNamespaces, readOnly: o.readOnly });
  if (r.kind === "stream") return stream(o.kc, o, req, res);
  try {
    if (r.kind === "list") return reply(res, 200, await listRows(c, o));
    if (!inScope(o, r.namespace))
      return reply(res, 404, {
        error: `this dashboard shows namespace ${o.namespace} only; start it with -n ${r.namespace} or -A`,
      });
    if (r.kind === "detail") return reply(res, 200, await detail(c, r.namespace, r.name));
    return reply(res, 200, { message: await act(o, c, r, req) });
  } catch (err) {
    return reply(res, statusOf(err), { error: explain(err) });
  }
}

function serveFile(res: http.ServerResponse, r: Route, assets: Assets): void {
  const [type, body] =
    r.kind === "page"
      ? ["text/html; charset=utf-8", page]
      : r.kind === "asset" && r.file === "app.js"
        ? ["text/javascript; charset=utf-8", assets.js]
        : ["text/css; charset=utf-8", assets.css];
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Security-Policy": contentSecurityPolicy,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  });
  res.end(body);
}

/** An action, refused when read-only or not sent by the page itself; else exactly the plugin's verb. */
async function act(o: DashboardOptions, c: Clients, r: Route, req: http.IncomingMessage): Promise<string> {
  if (o.readOnly) throw new Refused("this dashboard is read-only (started with --read-only)");
  if (req.headers[actionHeader] !== "1") throw new Refused(`actions must carry the ${actionHeader} header`);
  if (r.kind !== "action" && r.kind !== "undo") throw new CliError("not an action");
  const ctx: KubeCtx = { namespace: r.namespace, api: c.api, apps: c.apps };
  if (r.kind === "action") return runAction(ctx, r.name, r.verb);
  const { revision } = (await readJson(req)) as { revision?: unknown };
  if (typeof revision !== "number" || !Number.isInteger(revision) || revision < 1)
    throw new CliError(
      `undo needs {"revision": N} with N a revision number, not ${JSON.stringify(revision)}`,
    );
  return undoTo(ctx, r.name, await findUndoTarget(ctx, r.name, revision));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new CliError("request body too large");
  }
  try {
    return JSON.parse(text || "{}");
  } catch {
    throw new CliError("the request body is not JSON");
  }
}
