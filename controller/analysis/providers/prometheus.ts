import type { AxiosError } from "axios";
import { loadAxios } from "./lazy-axios.js";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type { Metric } from "../../api/analysis.js";
import { judge } from "../measure.js";
import type { MeasureContext, MeasurementOutcome, MetricProvider } from "../provider.js";
import { substituteArgs, TemplateError } from "../template.js";

/** What a Prometheus query returned, reduced to what conditions need. */
export type QueryResult = { kind: "vector"; values: number[] } | { kind: "scalar"; value: number };

/** Why a query gave no result: each kind reads differently in status and Events. */
export type QueryFailure =
  | { kind: "unreachable"; message: string }
  | { kind: "timeout"; message: string }
  | { kind: "http"; status: number; message: string }
  | { kind: "promql"; errorType: string; message: string };

export interface PrometheusQuery {
  address: string;
  query: string;
  timeoutSeconds?: number;
  insecure?: boolean;
  headers?: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** The address guard's DNS lookup, so a name cannot resolve into a refused range when connecting. */
  lookup?: net.LookupFunction;
}

interface PromResponse {
  status: "success" | "error";
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
}

/** Parses Prometheus' /api/v1/query body; pure, so every shape is unit-tested. */
export function parseResponse(body: PromResponse): QueryResult | QueryFailure {
  if (body.status !== "success" || !body.data) {
    return {
      kind: "promql",
      errorType: body.errorType ?? "unknown",
      message: body.error ?? "Prometheus answered without data",
    };
  }
  const { resultType, result } = body.data;
  if (resultType === "scalar") return { kind: "scalar", value: Number((result as [number, string])[1]) };
  if (resultType === "vector") {
    return {
      kind: "vector",
      values: (result as { value: [number, string] }[]).map((s) => Number(s.value[1])),
    };
  }
  return {
    kind: "promql",
    errorType: "unsupported",
    message: `result type ${resultType} is not supported; use an instant vector or scalar`,
  };
}

/** One instant query. Never throws: every failure is classified. */
export async function queryPrometheus(q: PrometheusQuery): Promise<QueryResult | QueryFailure> {
  const timeoutMs = (q.timeoutSeconds ?? 10) * 1000;
  const headers: Record<string, string> = { ...(q.headers ?? {}) };
  if (q.bearerToken) headers.Authorization = `Bearer ${q.bearerToken}`;
  try {
    const axios = await loadAxios();
    const res = await axios.post<PromResponse>(
      `${q.address.replace(/\/+$/, "")}/api/v1/query`,
      new URLSearchParams({ query: q.query, timeout: `${Math.max(1, timeoutMs / 1000)}s` }),
      {
        timeout: timeoutMs,
        // axios's timeout is the socket's idle time; this bounds the whole exchange, so a server
        // that trickles bytes (or a connection stuck half-open) never holds the run's worker.
        signal: AbortSignal.timeout(timeoutMs + 1_000),
        headers,
        auth: q.basicAuth,
        httpAgent: q.lookup ? new http.Agent({ lookup: q.lookup }) : undefined,
        httpsAgent:
          q.insecure || q.lookup
            ? new https.Agent({ rejectUnauthorized: !q.insecure, lookup: q.lookup })
            : undefined,
        // Prometheus puts PromQL errors in a 400/422 JSON body: read it rather than throw.
        validateStatus: () => true,
        responseType: "json",
      },
    );
    if (res.data && typeof res.data === "object" && "status" in res.data) return parseResponse(res.data);
    return {
      kind: "http",
      status: res.status,
      message: `HTTP ${res.status}: ${String(res.data).slice(0, 200)}`,
    };
  } catch (err) {
    const e = err as AxiosError;
    if (e.code === "ECONNABORTED" || e.code === "ETIMEDOUT" || e.code === "ERR_CANCELED") {
      return { kind: "timeout", message: `no answer within ${timeoutMs / 1000}s from ${q.address}` };
    }
    return { kind: "unreachable", message: `cannot reach ${q.address}: ${e.code ?? ""} ${e.message}`.trim() };
  }
}

const formatValue = (r: QueryResult): string =>
  r.kind === "scalar"
    ? String(r.value)
    : `[${r.values.map((v) => (Number.isNaN(v) ? "NaN" : String(v))).join(",")}]`;

/** Turns what Prometheus returned into a measurement. Pure. */
export function measurePrometheus(metric: Metric, outcome: QueryResult | QueryFailure): MeasurementOutcome {
  if (outcome.kind !== "vector" && outcome.kind !== "scalar") {
    const prefix = {
      unreachable: "Prometheus unreachable",
      timeout: "Prometheus timed out",
      http: "Prometheus HTTP error",
      promql: "PromQL error",
    }[outcome.kind];
    return { phase: "Error", message: `${prefix}: ${outcome.message}` };
  }
  const empty = outcome.kind === "vector" && outcome.values.length === 0;
  return judge(metric, {
    result: outcome.kind === "scalar" ? outcome.value : outcome.values,
    shown: formatValue(outcome),
    noDataWhy: (detail) =>
      empty ? "the query returned an empty vector" : (detail ?? "the query returned NaN"),
  });
}

/** The Prometheus provider: arguments into the query, credentials from Secrets, one instant query. */
export const prometheusProvider: MetricProvider = {
  name: "prometheus",
  async measure(ctx: MeasureContext): Promise<MeasurementOutcome> {
    const prom = ctx.metric.provider.prometheus;
    if (!prom) return { phase: "Error", message: "the metric has no prometheus provider" };
    let query: string;
    try {
      query = substituteArgs(prom.query, ctx.args);
    } catch (err) {
      if (err instanceof TemplateError) return { phase: "Error", message: `query not sent: ${err.message}` };
      throw err;
    }
    const refused = await ctx.addresses.check(prom.address);
    if (refused) return { phase: "Error", message: `query not sent: ${refused}` };
    const auth = prom.authentication;
    const bearerToken = auth?.bearerTokenSecret
      ? await ctx.secret(auth.bearerTokenSecret.name, auth.bearerTokenSecret.key)
      : undefined;
    const basic = auth?.basicAuthSecret;
    const basicAuth = basic
      ? {
          username: await ctx.secret(basic.name, basic.usernameKey ?? "username"),
          password: await ctx.secret(basic.name, basic.passwordKey ?? "password"),
        }
      : undefined;
    const end = ctx.timer();
    const outcome = await queryPrometheus({
      address: prom.address,
      query,
      timeoutSeconds: prom.timeout,
      insecure: prom.insecure,
      headers: Object.fromEntries((prom.headers ?? []).map((h) => [h.key, h.value])),
      bearerToken,
      basicAuth,
      lookup: ctx.addresses.lookup,
    });
    end();
    return measurePrometheus(ctx.metric, outcome);
  },
};
