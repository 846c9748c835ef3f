import type { AxiosError } from "axios";
import axios from "axios";
import https from "node:https";

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
    const res = await axios.post<PromResponse>(
      `${q.address.replace(/\/+$/, "")}/api/v1/query`,
      new URLSearchParams({ query: q.query, timeout: `${Math.max(1, timeoutMs / 1000)}s` }),
      {
        timeout: timeoutMs,
        headers,
        auth: q.basicAuth,
        httpsAgent: q.insecure ? new https.Agent({ rejectUnauthorized: false }) : undefined,
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
    if (e.code === "ECONNABORTED" || e.code === "ETIMEDOUT") {
      return { kind: "timeout", message: `no answer within ${timeoutMs / 1000}s from ${q.address}` };
    }
    return { kind: "unreachable", message: `cannot reach ${q.address}: ${e.code ?? ""} ${e.message}`.trim() };
  }
}
