import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { percentile } from "./stats.js";

/** One line of the API server's audit log (audit.k8s.io/v1 Event, Metadata level). */
interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
  requestReceivedTimestamp: string;
  stageTimestamp?: string;
  responseStatus?: { code?: number };
}

export interface ApiRequestCounts {
  windowSeconds: number;
  /** Every request the user made in the window, watches (re)opened included. */
  total: number;
  watches: number;
  excludingWatches: number;
  perMinute: { includingWatches: number; excludingWatches: number };
  /** "verb resource[/subresource]" -> requests, e.g. "patch replicasets": 12. */
  byVerbResource: Record<string, number>;
  /**
   * How long the API server took to answer the non-watch requests (received -> response
   * complete, its own timestamps): what the controller waits for on each sequential write.
   */
  serverLatencyMs?: { p50: number; p99: number };
}

interface Mark {
  at: number;
  ino: number;
  offset: number;
}

/**
 * Counts one user's requests as the API server itself recorded them: its audit log, which the
 * local cluster's policy fills for the benchmarked controller's identity only. A window is
 * marked by the log's size at its start, so only what was written since is read; rotated files
 * (kube-apiserver-audit-<time>.log) written during the window are read whole. Each request is
 * counted once by its auditID, in the window its requestReceivedTimestamp falls in.
 */
export class AuditLog {
  constructor(
    readonly file: string,
    readonly user: string,
  ) {}

  mark(at = Date.now()): Mark {
    try {
      const st = fs.statSync(this.file);
      return { at, ino: st.ino, offset: st.size };
    } catch {
      return { at, ino: -1, offset: 0 };
    }
  }

  count(from: Mark, to = Date.now()): ApiRequestCounts {
    const seen = new Map<string, AuditEvent>();
    for (const e of this.eventsSince(from)) {
      if (e.user?.username !== this.user) continue;
      const t = Date.parse(e.requestReceivedTimestamp);
      if (t < from.at || t > to) continue;
      // ResponseComplete carries the final stageTimestamp; a watch's ResponseStarted comes first.
      if (!seen.has(e.auditID) || e.stage === "ResponseComplete") seen.set(e.auditID, e);
    }
    const byVerbResource: Record<string, number> = {};
    let watches = 0;
    for (const e of seen.values()) {
      const r = e.objectRef;
      const resource = r?.resource
        ? `${r.resource}${r.subresource ? `/${r.subresource}` : ""}`
        : "(non-resource)";
      const key = `${e.verb} ${resource}`;
      byVerbResource[key] = (byVerbResource[key] ?? 0) + 1;
      if (e.verb === "watch") watches++;
    }
    const latencies = [...seen.values()]
      .filter((e) => e.verb !== "watch" && e.stage === "ResponseComplete" && e.stageTimestamp)
      .map((e) => Date.parse(e.stageTimestamp!) - Date.parse(e.requestReceivedTimestamp))
      .sort((a, b) => a - b);
    const windowSeconds = (to - from.at) / 1000;
    const total = seen.size;
    return {
      windowSeconds,
      total,
      watches,
      excludingWatches: total - watches,
      perMinute: {
        includingWatches: (total * 60) / windowSeconds,
        excludingWatches: ((total - watches) * 60) / windowSeconds,
      },
      byVerbResource,
      ...(latencies.length > 0
        ? { serverLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } }
        : {}),
    };
  }

  private *eventsSince(from: Mark): Generator<AuditEvent> {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file, ".log");
    const rotated = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(`${base}-`) && f.endsWith(".log"))
      .map((f) => path.join(dir, f))
      .filter((f) => fs.statSync(f).mtimeMs >= from.at);
    for (const file of [...rotated, this.file]) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      const start = st.ino === from.ino && st.size >= from.offset ? from.offset : 0;
      yield* readLines(file, start);
    }
  }
}

function* readLines(file: string, start: number): Generator<AuditEvent> {
  const fd = fs.openSync(file, "r");
  try {
    const chunk = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder("utf8");
    let pos = start;
    let rest = "";
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      const lines = (rest + decoder.write(chunk.subarray(0, n))).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        if (!l) continue;
        try {
          yield JSON.parse(l) as AuditEvent;
        } catch {
          // a line cut by rotation; the request is in the other file
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** "p50 / p99" of the API server's answer times, or "n/a" when there was no request. */
export function latencyText(api: ApiRequestCounts): string {
  const l = api.serverLatencyMs;
  return l ? `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)}` : "n/a";
}
