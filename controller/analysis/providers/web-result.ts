import { JSONPath } from "jsonpath-plus";
import type { Metric } from "../../api/analysis.js";
import type { Value } from "../evaluate.js";
import { judge } from "../measure.js";
import type { MeasurementOutcome } from "../provider.js";

/** What one Web call gave: a response, or why there was none. Every kind reads differently. */
export type WebAnswer =
  | { kind: "response"; status: number; body: string }
  | { kind: "dns"; host: string }
  | { kind: "refused"; address: string }
  | { kind: "timeout"; seconds: number }
  | { kind: "address-refused"; message: string }
  | { kind: "unreachable"; message: string };

/** The JSONPath as jsonpath-plus reads it: Argo's Kubernetes form `{$.a.b}` (or `{.a.b}`) works too. */
export function normalisePath(path: string | undefined): string {
  let p = (path ?? "$").trim();
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1).trim();
  if (p.startsWith(".") || p.startsWith("[")) p = `$${p}`;
  return p || "$";
}

export type PathResult = { found: true; value: Value } | { found: false; message: string };

/**
 * The value at `path` in `json`: one match is that value, several are an array of them, none is
 * "not found". Filter scripts are off (`eval: false`): a template's path only selects.
 */
export function readJsonPath(json: unknown, path: string | undefined): PathResult {
  const p = normalisePath(path);
  let matches: unknown[];
  try {
    matches = JSONPath({ path: p, json: json as object, wrap: true, eval: false }) as unknown[];
  } catch (err) {
    return { found: false, message: `jsonPath ${p} is not valid: ${(err as Error).message}` };
  }
  if (!Array.isArray(matches) || matches.length === 0)
    return { found: false, message: `jsonPath ${p} matched nothing in the response` };
  return { found: true, value: (matches.length === 1 ? matches[0] : matches) as Value };
}

const shown = (v: Value): string => {
  const text = JSON.stringify(v) ?? "null";
  return text.length > 256 ? `${text.slice(0, 253)}...` : text;
};

/** One line, whatever the pieces hold. */
const line = (s: string): string => s.replace(/\s+/g, " ").trim();

/** Turns a Web call's answer into a measurement. Pure: every failure mode is an Error in words. */
export function classifyWeb(
  metric: Metric,
  url: string,
  jsonPath: string | undefined,
  answer: WebAnswer,
): MeasurementOutcome {
  const error = (why: string): MeasurementOutcome => ({ phase: "Error", message: line(why) });
  switch (answer.kind) {
    case "dns":
      return error(`Web call to ${url} failed: the host ${answer.host} was not found (DNS)`);
    case "refused":
      return error(`Web call to ${url} failed: connection refused by ${answer.address}`);
    case "timeout":
      return error(`Web call to ${url} failed: no answer within ${answer.seconds}s`);
    case "address-refused":
      return error(`Web call to ${url} not sent: ${answer.message}`);
    case "unreachable":
      return error(`Web call to ${url} failed: ${answer.message}`);
  }
  if (answer.status < 200 || answer.status > 299)
    return error(`Web call to ${url} answered HTTP ${answer.status}, want 2xx`);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    // The parser's message quotes the body, which may echo what was sent: say only what it is.
    return error(`Web call to ${url} answered a body that is not JSON (${answer.body.length} characters)`);
  }
  const at = readJsonPath(json, jsonPath);
  if (!at.found) return error(`Web call to ${url}: ${at.message}`);
  return judge(metric, {
    result: at.value,
    shown: shown(at.value),
    noDataWhy: (detail) => detail ?? "the value is missing",
  });
}
