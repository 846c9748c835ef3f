import type { AnalysisRunSpec, JobProvider, Metric, WebProvider } from "../api/analysis.js";
import { resolveJob } from "./resolve-job.js";
import { parseDurationMs } from "../api/duration.js";
import { parseCondition } from "./evaluate.js";
import {
  hasPlaceholder,
  missingArgMessage,
  placeholderName,
  placeholderNames,
  substitute,
  substituteArgs,
  substituteHeader,
  TemplateError,
} from "./template.js";

/**
 * Resolves `{{args.NAME}}` in a run's metrics once, when the run starts, so its spec holds the
 * values it is measured with (as Argo's does). Pure: the arguments come from the run's spec.
 *
 * What a value may become, field by field:
 * - count and the limits: a whole number (count at least 1); interval and initialDelay: a duration.
 *   These fields take a placeholder only as their whole value (the schema says so).
 * - successCondition, failureCondition: outside quotes a single number or true/false, inside
 *   quotes text without the quote, a backslash or a newline; so `1 || true` cannot add a clause.
 * - address: the result must be an http(s) URL without credentials.
 * - query: left as written (a Secret's value is inserted only when measuring, never stored);
 *   checked here against the PromQL rules so a bad or missing argument fails the run at once.
 * - web url: as address, always checked (also without a placeholder); web body: as a condition
 *   (a number or true/false, or text inside quotes); jsonBody: text inside its strings.
 * - web header values: left as written, like query, and filled in when measuring (no control
 *   characters, so a value cannot add a header).
 * - job: containers' command, args and env values (see resolve-job.ts).
 * A value from a Secret may be used only in query and web header values: the others are stored
 * in the run's spec.
 */

/** A metric whose count and limits are numbers. */
export type ResolvedMetric = Omit<
  Metric,
  "count" | "failureLimit" | "inconclusiveLimit" | "consecutiveErrorLimit"
> & {
  count?: number;
  failureLimit?: number;
  inconclusiveLimit?: number;
  consecutiveErrorLimit?: number;
};

export type ResolvedRunSpec = Omit<AnalysisRunSpec, "metrics"> & { metrics: ResolvedMetric[] };

export type Resolution = { ok: true; spec: ResolvedRunSpec } | { ok: false; metric: string; message: string };

const secretValue = Symbol("secret");
type ArgValues = Record<string, string | typeof secretValue | undefined>;

const intFields = [
  ["count", 1],
  ["failureLimit", 0],
  ["inconclusiveLimit", 0],
  ["consecutiveErrorLimit", 0],
] as const;
const durationFields = ["interval", "initialDelay"] as const;
const conditionFields = ["successCondition", "failureCondition"] as const;
/** Argo's counts are int32. */
const maxInt = 2_147_483_647;
const numberLiteral = /^-?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+)(?:[eE][-+]?[0-9]+)?$/;

class FieldError extends Error {}

/** The Web fields stored in the run: a Secret's value goes in a header value instead. */
const webFields = new Set(["url", "body", "jsonBody"]);

export function resolveRunSpec(spec: AnalysisRunSpec): Resolution {
  const args: ArgValues = {};
  for (const a of spec.args ?? []) args[a.name] = a.valueFrom?.secretKeyRef ? secretValue : a.value;
  const metrics: ResolvedMetric[] = [];
  for (const metric of spec.metrics) {
    try {
      metrics.push(resolveMetric(metric, args));
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      return { ok: false, metric: metric.name, message: `metric "${metric.name}": ${err.message}` };
    }
  }
  return { ok: true, spec: { ...spec, metrics } };
}

function resolveMetric(metric: Metric, args: ArgValues): ResolvedMetric {
  const out = { ...metric } as Record<string, unknown>;
  const prom = metric.provider.prometheus;
  if (prom) {
    const provider = { ...prom };
    if (hasPlaceholder(prom.address)) provider.address = resolveAddress(prom.address, args);
    checkQuery(prom.query, args);
    out.provider = { ...metric.provider, prometheus: provider };
  }
  const web = metric.provider.web;
  if (web) out.provider = { ...metric.provider, web: resolveWeb(web, args) };
  const job = metric.provider.job;
  if (job) out.provider = { ...metric.provider, job: resolveJobArgs(job, args) };
  for (const field of durationFields) {
    const v = metric[field];
    if (v !== undefined) out[field] = resolveDuration(field, v, args);
  }
  for (const [field, min] of intFields) {
    const v = metric[field];
    if (v !== undefined) out[field] = resolveInt(field, min, v, args);
  }
  for (const field of conditionFields) {
    const v = metric[field];
    if (v !== undefined && hasPlaceholder(v)) out[field] = resolveCondition(field, v, args);
  }
  return out as ResolvedMetric;
}

/** The value of the whole-field placeholder `text`, or of `text` itself when it is a literal. */
function wholeValue(field: string, text: string, args: ArgValues): { value: string; arg?: string } {
  const name = placeholderName(text);
  if (name === undefined) {
    if (hasPlaceholder(text))
      throw new FieldError(
        `${field} ${JSON.stringify(text)} must be exactly one "{{args.NAME}}" and nothing else`,
      );
    return { value: text };
  }
  return { value: plainArg(field, text, name, args), arg: name };
}

function plainArg(field: string, text: string, name: string, args: ArgValues): string {
  const value = args[name];
  if (value === undefined)
    throw new FieldError(`${field} ${JSON.stringify(text)}: ${missingArgMessage(name)}`);
  if (value === secretValue)
    throw new FieldError(
      `${field} ${JSON.stringify(text)}: argument "${name}" comes from a Secret, which only ${webFields.has(field) ? "a web header value" : "query"} may use`,
    );
  // The resolved field is stored and resolved again on every look: a value must not become a
  // placeholder itself, so resolving stays a no-op once done.
  if (value.includes("{{"))
    throw new FieldError(
      `${field} ${JSON.stringify(text)}: argument "${name}" = ${JSON.stringify(value)} contains "{{", which would read as a placeholder`,
    );
  return value;
}

function describeValue(field: string, text: string, value: string, arg: string | undefined): string {
  return arg === undefined
    ? `${field} ${JSON.stringify(text)}`
    : `${field} ${JSON.stringify(text)} resolved to ${JSON.stringify(value)}`;
}

function resolveInt(field: string, min: number, v: number | string, args: ArgValues): number {
  const want = min > 0 ? `want an integer of at least ${min}` : "want a non-negative integer";
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < min || v > maxInt) throw new FieldError(`${field} ${v}: ${want}`);
    return v;
  }
  const { value, arg } = wholeValue(field, v, args);
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= maxInt)) throw new FieldError(`${describeValue(field, v, value, arg)}, ${want}`);
  return n;
}

function resolveDuration(field: string, v: number | string, args: ArgValues): number | string {
  const want = 'want a duration such as "30s", "1m30s", "500ms" or "2h"';
  if (typeof v === "number") {
    if (parseDurationMs(v) === undefined) throw new FieldError(`${field} ${v}: ${want}`);
    return v;
  }
  const { value, arg } = wholeValue(field, v, args);
  if (parseDurationMs(value) === undefined)
    throw new FieldError(`${describeValue(field, v, value, arg)}, ${want}`);
  return value;
}

function resolveCondition(field: string, text: string, args: ArgValues): string {
  let resolved: string;
  try {
    resolved = substitute(text, plainArgs(field, text, args), (name, value) =>
      numberLiteral.test(value) || value === "true" || value === "false"
        ? undefined
        : `argument "${name}" = ${JSON.stringify(value)} is not a single number or true/false, so it could change the condition; put it in quotes in the condition if it is text`,
    );
  } catch (err) {
    if (err instanceof TemplateError)
      throw new FieldError(`${field} ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
  try {
    parseCondition(resolved);
  } catch (err) {
    throw new FieldError(
      `${field} ${JSON.stringify(text)} resolved to ${JSON.stringify(resolved)}: ${(err as Error).message}`,
    );
  }
  return resolved;
}

function resolveWeb(web: WebProvider, args: ArgValues): WebProvider {
  const out = {
    ...web,
    url: resolveAddress(web.url, args, "url", "http://service.namespace:8080/health", "headers"),
  };
  if (web.body !== undefined && hasPlaceholder(web.body)) out.body = resolveBody(web.body, args);
  if (web.jsonBody !== undefined)
    out.jsonBody = resolveJsonBody(web.jsonBody, args) as Record<string, unknown>;
  for (const h of web.headers ?? []) {
    if (hasPlaceholder(h.key))
      throw new FieldError(`header name ${JSON.stringify(h.key)}: a header name takes no {{args.NAME}}`);
    const values: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(args)) values[k] = v === secretValue ? "secret" : v;
    try {
      substituteHeader(h.value, values);
    } catch (err) {
      if (err instanceof TemplateError) throw new FieldError(`header ${h.key}: ${err.message}`);
      throw err;
    }
  }
  return out;
}

function resolveJobArgs(job: JobProvider, args: ArgValues): JobProvider {
  const plain: Record<string, string | undefined> = {};
  const secret = new Set<string>();
  for (const [k, v] of Object.entries(args)) {
    if (v === secretValue) secret.add(k);
    else plain[k] = v;
  }
  try {
    return resolveJob(job, plain, secret);
  } catch (err) {
    if (err instanceof TemplateError) throw new FieldError(`provider.job.${err.message}`);
    throw err;
  }
}

/** A text body takes what a condition takes outside quotes: a number or true/false. */
function resolveBody(text: string, args: ArgValues): string {
  try {
    return substitute(text, plainArgs("body", text, args), (name, value) =>
      numberLiteral.test(value) || value === "true" || value === "false"
        ? undefined
        : `argument "${name}" = ${JSON.stringify(value)} is not a single number or true/false, so it could change the body's structure; put it in quotes in the body if it is text`,
    );
  } catch (err) {
    if (err instanceof TemplateError) throw new FieldError(`body: ${err.message}`);
    throw err;
  }
}

/** In jsonBody every string is a value of its own (it is serialised again), so any text may go in. */
function resolveJsonBody(value: unknown, args: ArgValues): unknown {
  if (typeof value === "string") {
    if (!hasPlaceholder(value)) return value;
    try {
      return substitute(value, plainArgs("jsonBody", value, args), () => undefined);
    } catch (err) {
      if (err instanceof TemplateError) throw new FieldError(`jsonBody: ${err.message}`);
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((v) => resolveJsonBody(v, args));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveJsonBody(v, args)]));
  return value;
}

function resolveAddress(
  text: string,
  args: ArgValues,
  field = "address",
  example = "http://prometheus.monitoring:9090",
  credentialsField = "authentication",
): string {
  let resolved: string;
  try {
    resolved = substitute(text, plainArgs(field, text, args), (name, value) =>
      /[\s\p{Cc}]/u.test(value)
        ? `argument "${name}" = ${JSON.stringify(value)} contains whitespace or a control character`
        : undefined,
    );
  } catch (err) {
    if (err instanceof TemplateError)
      throw new FieldError(`${field} ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
  const what =
    resolved === text
      ? `${field} ${JSON.stringify(text)}`
      : `${field} ${JSON.stringify(text)} resolved to ${JSON.stringify(resolved)}`;
  const wrong = `${what}, want an http(s) URL such as ${example}`;
  let url: URL;
  try {
    url = new URL(resolved);
  } catch {
    throw new FieldError(wrong);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) throw new FieldError(wrong);
  if (url.username || url.password)
    throw new FieldError(`${what}, which carries credentials; put them in ${credentialsField} instead`);
  return resolved;
}

/** The PromQL rules, with a harmless stand-in for a Secret's value (checked again when measuring). */
function checkQuery(query: string, args: ArgValues): void {
  const values: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(args)) values[k] = v === secretValue ? "secret" : v;
  try {
    substituteArgs(query, values);
  } catch (err) {
    if (err instanceof TemplateError) throw new FieldError(`query not sent: ${err.message}`);
    throw err;
  }
}

/** The plain values for a field that is stored: a Secret's argument is refused there. */
function plainArgs(field: string, text: string, args: ArgValues): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of placeholderNames(text)) out[name] = plainArg(field, text, name, args);
  return out;
}
