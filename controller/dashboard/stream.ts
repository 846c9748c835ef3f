/**
 * The live part: Kubernetes watches (as the user) on Rollouts, AnalysisRuns, ReplicaSets and
 * Events in the namespaces in view, each change forwarded to the page as a server-sent event
 * naming the Rollout it concerns. The page then reads that Rollout again; nothing polls.
 */
import type http from "node:http";
import * as k8s from "@kubernetes/client-node";
import { group, version } from "../api/common.js";
import type { Scope } from "./data.js";

export interface Change {
  kind: string;
  namespace: string;
  /** The Rollout the object belongs to (itself, its owner, or the Event's subject); "" if none. */
  rollout: string;
}

interface Watched {
  kind: string;
  prefix: string;
  plural: string;
}

const watched: Watched[] = [
  { kind: "Rollout", prefix: `/apis/${group}/${version}`, plural: "rollouts" },
  { kind: "AnalysisRun", prefix: `/apis/${group}/${version}`, plural: "analysisruns" },
  { kind: "ReplicaSet", prefix: "/apis/apps/v1", plural: "replicasets" },
  { kind: "Event", prefix: "/api/v1", plural: "events" },
];

export function watchPath(w: Watched, scope: Scope): string {
  return scope.allNamespaces
    ? `${w.prefix}/${w.plural}`
    : `${w.prefix}/namespaces/${scope.namespace}/${w.plural}`;
}

type Obj = k8s.KubernetesObject & { involvedObject?: k8s.V1ObjectReference };

/** Which Rollout a watched object is about, or undefined when none (an Event about a Pod). */
export function changeOf(kind: string, obj: Obj): Change | undefined {
  const namespace = obj.metadata?.namespace ?? "";
  if (kind === "Rollout") return { kind, namespace, rollout: obj.metadata?.name ?? "" };
  if (kind === "Event") {
    const about = obj.involvedObject;
    return about?.kind === "Rollout" ? { kind, namespace, rollout: about.name ?? "" } : undefined;
  }
  const owner = obj.metadata?.ownerReferences?.find((o) => o.kind === "Rollout");
  return owner ? { kind, namespace, rollout: owner.name } : undefined;
}

/** A watch failure in words, naming what could not be watched where. */
export function watchError(w: Watched, scope: Scope, err: unknown): string {
  const where = scope.allNamespaces ? "across all namespaces" : `in namespace ${scope.namespace}`;
  const code = (err as { statusCode?: number }).statusCode;
  const why =
    code === 403
      ? "forbidden (RBAC): your credentials may not watch them, so this page does not update by itself"
      : (err as Error).message;
  return `cannot watch ${w.plural} ${where}: ${why}`;
}

/** What one SSE connection holds open: its watches' aborts and their restart timers. */
interface Connection {
  closed: boolean;
  aborts: Map<string, AbortController>;
  timers: Set<NodeJS.Timeout>;
  send(event: string, data: unknown): void;
}

/**
 * Watches one kind for the page and starts the watch again whenever it ends: soon when the API
 * server ended it (its timeout), after a while when it failed. A new watch starts with every
 * object as ADDED, so the page reads again what changed meanwhile.
 */
function keepWatching(kc: k8s.KubeConfig, scope: Scope, w: Watched, c: Connection): void {
  if (c.closed) return;
  const again = (ms: number): void => {
    const t = setTimeout(() => {
      c.timers.delete(t);
      keepWatching(kc, scope, w, c);
    }, ms);
    c.timers.add(t);
  };
  const failed = (err: unknown): void => {
    if (c.closed) return;
    c.send("problem", { message: watchError(w, scope, err) });
    again(10_000);
  };
  void new k8s.Watch(kc)
    .watch(
      watchPath(w, scope),
      { timeoutSeconds: 300 },
      (type, obj: Obj) => {
        const change = type === "ERROR" ? undefined : changeOf(w.kind, obj);
        if (change) c.send("change", change);
      },
      (err: unknown) => {
        if (err) failed(err);
        else if (!c.closed) again(1_000);
      },
    )
    .then(
      (a) => (c.closed ? a.abort() : c.aborts.set(w.kind, a)),
      // Before any request (no current cluster, a credential plugin that failed): say so, try again later.
      failed,
    );
}

/** Serves one SSE connection until the page goes away; each watch restarts when it ends. */
export function stream(
  kc: k8s.KubeConfig,
  scope: Scope,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  const c: Connection = {
    closed: false,
    aborts: new Map(),
    timers: new Set(),
    send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
  };
  for (const w of watched) keepWatching(kc, scope, w, c);
  // A comment line now and then keeps proxies and the browser from thinking the stream is dead.
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 25_000);
  c.send("ready", { watching: watched.map((w) => w.plural) });
  req.on("close", () => {
    c.closed = true;
    clearInterval(keepAlive);
    for (const t of c.timers) clearTimeout(t);
    for (const a of c.aborts.values()) a.abort();
  });
}
