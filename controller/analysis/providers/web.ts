import type { AxiosError } from "axios";
import { loadAxios } from "./lazy-axios.js";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type { WebProvider } from "../../api/analysis.js";
import { refusedCode } from "../address-guard.js";
import type { MeasureContext, MeasurementOutcome, MetricProvider } from "../provider.js";
import { hasPlaceholder, substituteHeader, TemplateError } from "../template.js";
import { classifyWeb, type WebAnswer } from "./web-result.js";

export interface WebRequest {
  url: string;
  method: "GET" | "POST" | "PUT";
  headers: Record<string, string>;
  body?: string;
  timeoutSeconds: number;
  insecure: boolean;
  lookup?: net.LookupFunction;
}

/** A response larger than this is not a health answer; it is refused rather than held in memory. */
const maxBodyBytes = 1024 * 1024;

/** One call. Never throws: every failure is classified. Redirects are not followed (see README). */
export async function callWeb(req: WebRequest): Promise<WebAnswer> {
  const { hostname, port, protocol } = new URL(req.url);
  try {
    const axios = await loadAxios();
    const res = await axios.request<string>({
      url: req.url,
      method: req.method,
      headers: req.headers,
      data: req.body,
      timeout: req.timeoutSeconds * 1000,
      // The timeout above is the socket's idle time; this bounds the whole exchange.
      signal: AbortSignal.timeout(req.timeoutSeconds * 1000 + 1_000),
      httpAgent: new http.Agent({ lookup: req.lookup }),
      httpsAgent: new https.Agent({ lookup: req.lookup, rejectUnauthorized: !req.insecure }),
      maxRedirects: 0,
      maxContentLength: maxBodyBytes,
      responseType: "text",
      // The raw text: classifyWeb parses it and tells "not JSON" apart.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });
    return { kind: "response", status: res.status, body: typeof res.data === "string" ? res.data : "" };
  } catch (err) {
    const e = err as AxiosError;
    const cause = (e.cause ?? {}) as { code?: string; message?: string };
    const code = e.code ?? cause.code;
    if (code === refusedCode || cause.code === refusedCode)
      return { kind: "address-refused", message: cause.message ?? e.message };
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { kind: "dns", host: hostname };
    if (code === "ECONNREFUSED")
      return { kind: "refused", address: `${hostname}:${port || (protocol === "https:" ? "443" : "80")}` };
    if (code === "ECONNABORTED" || code === "ETIMEDOUT" || code === "ERR_CANCELED")
      return { kind: "timeout", seconds: req.timeoutSeconds };
    return { kind: "unreachable", message: `${code ?? "error"}: ${e.message}` };
  }
}

/** The request a metric's web fields describe, with its header arguments filled in. */
export function webRequest(web: WebProvider, args: Record<string, string | undefined>): WebRequest {
  if (hasPlaceholder(web.url) || (web.body !== undefined && hasPlaceholder(web.body)))
    throw new TemplateError("url or body still holds {{args...}}: the run's arguments were not resolved");
  const headers: Record<string, string> = {};
  for (const h of web.headers ?? []) headers[h.key] = substituteHeader(h.value, args);
  let body = web.body;
  if (web.jsonBody !== undefined) {
    body = JSON.stringify(web.jsonBody);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type"))
      headers["Content-Type"] = "application/json";
  }
  return {
    url: web.url,
    method: (web.method ?? "GET") as WebRequest["method"],
    headers,
    body,
    timeoutSeconds: web.timeoutSeconds ?? 10,
    insecure: web.insecure ?? false,
  };
}

/** The Web provider: one HTTP call, the value at jsonPath as the result. */
export const webProvider: MetricProvider = {
  name: "web",
  async measure(ctx: MeasureContext): Promise<MeasurementOutcome> {
    const web = ctx.metric.provider.web;
    if (!web) return { phase: "Error", message: "the metric has no web provider" };
    let req: WebRequest;
    try {
      req = webRequest(web, ctx.args);
    } catch (err) {
      if (err instanceof TemplateError)
        return { phase: "Error", message: `Web call not sent: ${err.message}` };
      throw err;
    }
    const refused = await ctx.addresses.check(req.url);
    if (refused)
      return classifyWeb(ctx.metric, req.url, web.jsonPath, { kind: "address-refused", message: refused });
    const end = ctx.timer();
    const answer = await callWeb({ ...req, lookup: ctx.addresses.lookup });
    end();
    return classifyWeb(ctx.metric, req.url, web.jsonPath, answer);
  },
};
