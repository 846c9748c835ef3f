import Type from "typebox";
import { durationPattern } from "./duration.js";

/**
 * Schema pieces for the metric fields Argo users fill with `{{args.NAME}}`: count, the limits,
 * interval and initialDelay. Each takes its literal type or a string that is exactly one
 * placeholder; the run resolves the placeholder when it starts (controller/analysis/resolve.ts).
 * `minimum` and `pattern` make the API server name the field and echo the wrong value; the CEL
 * rule on the string form adds, in words, what would be right.
 */

/** A string that is exactly one `{{args.NAME}}` placeholder (the names template.ts substitutes). */
export const argPlaceholderPattern = "^[{][{]\\s*args[.]([A-Za-z0-9_.-]+)\\s*[}][}]$";

/** What a duration or a placeholder looks like, as one pattern. */
const durationOrPlaceholder = `^(?:${durationPattern.slice(1, -1)}|${argPlaceholderPattern.slice(1, -1)})$`;

const stringRule = (pattern: string, message: string) => ({
  rule: `type(self) != string || self.matches(r'${pattern}')`,
  message,
});

/** An integer of at least `min`, or `{{args.NAME}}`. */
export const IntOrArg = (field: string, min: number, description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    minimum: min,
    maxLength: 256,
    pattern: argPlaceholderPattern,
    description: `${description} An integer, or "{{args.NAME}}" resolved when the run starts.`,
    "x-kubernetes-validations": [
      stringRule(
        argPlaceholderPattern,
        `${field} must be an integer${min > 0 ? ` of at least ${min}` : " of 0 or more"}, or a string that is exactly "{{args.NAME}}"`,
      ),
    ],
  });

/** A duration (Go's "1m30s" forms, or a number of seconds), or `{{args.NAME}}`. */
export const DurationOrArg = (field: string, description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    minimum: 0,
    maxLength: 256,
    pattern: durationOrPlaceholder,
    description: `${description} A duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or "{{args.NAME}}" resolved when the run starts.`,
    "x-kubernetes-validations": [
      stringRule(
        durationOrPlaceholder,
        `${field} must be a duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or a string that is exactly "{{args.NAME}}"`,
      ),
    ],
  });
