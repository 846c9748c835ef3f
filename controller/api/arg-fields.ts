import Type from "typebox";
import { durationPattern } from "./duration.js";

/**
 * Schema pieces for the metric fields Argo users fill with `{{args.NAME}}`: count, the limits,
 * interval and initialDelay. Each takes its literal type or a string that is exactly one
 * placeholder; the run resolves the placeholder when it starts (controller/analysis/resolve.ts).
 * `minimum` and `pattern` check exactly, and make the API server name the field and echo the
 * wrong value; `argFieldRules` add, in words, what would be right.
 */

/** A string that is exactly one `{{args.NAME}}` placeholder (the names template.ts substitutes). */
export const argPlaceholderPattern = "^[{][{]\\s*args[.]([A-Za-z0-9_.-]+)\\s*[}][}]$";

/** What a duration or a placeholder looks like, as one pattern. */
const durationOrPlaceholder = `^(?:${durationPattern.slice(1, -1)}|${argPlaceholderPattern.slice(1, -1)})$`;

/** An integer of at least `min`, or `{{args.NAME}}`. */
export const IntOrArg = (min: number, description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    minimum: min,
    maxLength: 256,
    pattern: argPlaceholderPattern,
    description: `${description} An integer, or "{{args.NAME}}" resolved when the run starts.`,
  });

/** A duration (Go's "1m30s" forms, or a number of seconds), or `{{args.NAME}}`. */
export const DurationOrArg = (description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    minimum: 0,
    maxLength: 256,
    pattern: durationOrPlaceholder,
    description: `${description} A duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or "{{args.NAME}}" resolved when the run starts.`,
  });

const intFields: [string, number][] = [
  ["count", 1],
  ["failureLimit", 0],
  ["inconclusiveLimit", 0],
  ["consecutiveErrorLimit", 0],
];
const durationEndings = ["s", "m", "h", "}}", ..."0123456789"];

/**
 * CEL rules for the metric that put in words what the patterns above enforce exactly. The cost
 * estimator takes an int-or-string's length as unbounded, so a regular expression over it is
 * over budget; these rules only look at the ends of the string, which costs nothing, and catch
 * the usual mistakes ("abc", "5d", "{{args.n}}s"). They sit on the metric, with fieldPath, for
 * the same reason: on the field itself even a trivial rule is over budget.
 */
export const argFieldRules = [
  ...intFields.map(([field, min]) => ({
    rule: `!has(self.${field}) || type(self.${field}) == int || (self.${field}.startsWith('{{') && self.${field}.endsWith('}}'))`,
    message: `${field} must be an integer${min > 0 ? ` of at least ${min}` : " of 0 or more"}, or a string that is exactly "{{args.NAME}}"`,
    fieldPath: `.${field}`,
  })),
  ...["interval", "initialDelay"].map((field) => ({
    rule: `!has(self.${field}) || type(self.${field}) == int || ${durationEndings.map((e) => `self.${field}.endsWith('${e}')`).join(" || ")}`,
    message: `${field} must be a duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or a string that is exactly "{{args.NAME}}"`,
    fieldPath: `.${field}`,
  })),
];
