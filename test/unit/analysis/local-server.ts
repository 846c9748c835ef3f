import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as the server received it. */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Received, res: http.ServerResponse) => void;

/**
 * A real HTTP server on 127.0.0.1 for a provider to call: it records every request and answers
 * with the handler the test sets. The providers' HTTP code is exercised end to end (axios, agents,
 * sockets) without a mock of any of it.
 */
export class LocalServer {
  readonly received: Received[] = [];
  handler: Handler = (_req, res) => res.end();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.received.push(r);
      this.handler(r, res);
    });
  });
  private readonly sockets = new Set<Socket>();

  /** http://127.0.0.1:PORT, once started. */
  url = "";
  port = 0;

  async start(): Promise<this> {
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** Closes the server and any connection still open (a handler that never answered). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 where nothing listens: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Answers JSON with a status. */
export const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

/**
 * Starts an answer and then sends one byte every 200 ms, never ending it: the socket is never
 * idle, so only a bound on the whole exchange stops the caller waiting.
 */
export const trickling: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write("{");
  const timer = setInterval(() => res.write(" "), 200);
  res.on("close", () => clearInterval(timer));
};
