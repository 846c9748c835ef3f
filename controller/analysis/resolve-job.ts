import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import type { JobProvider } from "../api/analysis.js";
import {
  hasPlaceholder,
  missingArgMessage,
  placeholderName,
  placeholderNames,
  substitute,
  TemplateError,
} from "./template.js";

/**
 * `{{args.NAME}}` in a Job metric, resolved when the run starts (the resolved Job is stored in the
 * run's spec). Arguments go only where a container takes text, and in as values:
 * - env[].value: any text (an environment variable is one value, never parsed);
 * - a command or args element that is exactly one placeholder: any text (it is one argv entry);
 * - a placeholder inside a longer command or args element (often a `sh -c` script): outside quotes
 *   only a plain word (letters, digits and . _ : / = @ % + , -), inside quotes no quote, backslash,
 *   newline, `$` or backtick, so a value cannot add a command or expand anything.
 * A placeholder anywhere else in the Job, or an argument from a Secret, is refused: a Secret's
 * value would be stored in the run and the Job; env valueFrom.secretKeyRef reads it in the pod.
 */

export type JobArgs = Record<string, string | undefined>;

const shellWord = /^[A-Za-z0-9_.:/=@%+,-]+$/;

/** The values a field's placeholders take; `secret` names the arguments that come from a Secret. */
function valuesFor(text: string, args: JobArgs, secret: ReadonlySet<string>): JobArgs {
  const out: JobArgs = {};
  for (const name of placeholderNames(text)) {
    if (secret.has(name))
      throw new TemplateError(
        `argument "${name}" comes from a Secret, which a Job field would store in the run and the Job; give the container an env entry with valueFrom.secretKeyRef instead`,
      );
    const value = args[name];
    if (value === undefined) throw new TemplateError(missingArgMessage(name));
    if (value.includes("{{"))
      throw new TemplateError(
        `argument "${name}" = ${JSON.stringify(value)} contains "{{", which would read as a placeholder`,
      );
    out[name] = value;
  }
  return out;
}

function envValue(text: string, args: JobArgs, secret: ReadonlySet<string>): string {
  const values = valuesFor(text, args, secret);
  return text.replace(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_, name: string) => values[name]!);
}

function argvElement(text: string, args: JobArgs, secret: ReadonlySet<string>): string {
  const values = valuesFor(text, args, secret);
  const whole = placeholderName(text);
  if (whole !== undefined) return values[whole] ?? "";
  for (const [name, value] of Object.entries(values))
    if (/[$`]/.test(value ?? ""))
      throw new TemplateError(
        `argument "${name}" = ${JSON.stringify(value)} contains $ or a backtick, which a shell would expand; pass it in env instead`,
      );
  return substitute(text, values, (name, value) =>
    shellWord.test(value)
      ? undefined
      : `argument "${name}" = ${JSON.stringify(value)} is used outside quotes and is not a plain word; quote it, make the element exactly {{args.${name}}}, or pass it in env`,
  );
}

function resolveContainer(
  c: V1Container,
  where: string,
  args: JobArgs,
  secret: ReadonlySet<string>,
): V1Container {
  const field = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof TemplateError) throw new TemplateError(`${where}.${name}: ${err.message}`);
      throw err;
    }
  };
  const out: V1Container = { ...c };
  if (c.command)
    out.command = c.command.map((t, i) => field(`command[${i}]`, () => argvElement(t, args, secret)));
  if (c.args) out.args = c.args.map((t, i) => field(`args[${i}]`, () => argvElement(t, args, secret)));
  if (c.env)
    out.env = c.env.map((e) =>
      e.value === undefined || !hasPlaceholder(e.value)
        ? e
        : { ...e, value: field(`env[${e.name}].value`, () => envValue(e.value!, args, secret)) },
    );
  return out;
}

/** The first path in `value` whose text still holds a placeholder. */
function placeholderAt(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return hasPlaceholder(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const at = placeholderAt(v, `${path}[${i}]`);
      if (at) return at;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const at = placeholderAt(v, `${path}.${k}`);
      if (at) return at;
    }
  }
  return undefined;
}

/** The Job with its arguments in place. Throws TemplateError naming the field (from the job) and the argument. */
export function resolveJob(job: JobProvider, args: JobArgs, secret: ReadonlySet<string>): JobProvider {
  const podSpec = job.spec.template?.spec as V1PodSpec | undefined;
  let resolved = job;
  if (podSpec) {
    const spec: V1PodSpec = { ...podSpec };
    for (const list of ["initContainers", "containers"] as const)
      if (podSpec[list])
        spec[list] = podSpec[list].map((c, i) =>
          resolveContainer(c, `spec.template.spec.${list}[${i}]`, args, secret),
        );
    resolved = { ...job, spec: { ...job.spec, template: { ...job.spec.template, spec } } };
  }
  const left = placeholderAt(resolved, "")?.slice(1);
  if (left)
    throw new TemplateError(
      `${left} holds {{args...}}; in a Job, arguments are substituted only in containers' command, args and env values`,
    );
  return resolved;
}
