import Type from "typebox";
import { durationPattern } from "./duration.js";

/**
 * Schema pieces for the metric fields Argo users fill with `{{args.NAME}}`: count, the limits,
 * interval and initialDelay. Each takes its literal type or a string that is exactly one
 * placeholder; the run resolves the placeholder when it starts (controller/analysis/resolve.ts).
 * The rule is CEL rather than a pattern so the API server's message says what would be right.
 */

/** A string that is exactly one `{{args.NAME}}` placeholder (the names template.ts substitutes). */
export const argPlaceholderPattern = "^[{][{]\\s*args[.]([A-Za-z0-9_.-]+)\\s*[}][}]$";

const isPlaceholder = `self.matches(r'${argPlaceholderPattern}')`;

/** An integer of at least `min`, or `{{args.NAME}}`. */
export const IntOrArg = (field: string, min: number, description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    maxLength: 256,
    description: `${description} An integer, or "{{args.NAME}}" resolved when the run starts.`,
    "x-kubernetes-validations": [
      {
        rule: `type(self) == int ? self >= ${min} : ${isPlaceholder}`,
        message: `${field} must be an integer${min > 0 ? ` of at least ${min}` : " of 0 or more"}, or a string that is exactly "{{args.NAME}}"`,
      },
    ],
  });

/** A duration (Go's "1m30s" forms, or a number of seconds), or `{{args.NAME}}`. */
export const DurationOrArg = (field: string, description: string) =>
  Type.Unsafe<number | string>({
    "x-kubernetes-int-or-string": true,
    maxLength: 256,
    description: `${description} A duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or "{{args.NAME}}" resolved when the run starts.`,
    "x-kubernetes-validations": [
      {
        rule: `type(self) == int ? self >= 0 : self.matches(r'${durationPattern}') || ${isPlaceholder}`,
        message: `${field} must be a duration such as "30s", "1m30s", "500ms" or "2h" (a number is seconds), or a string that is exactly "{{args.NAME}}"`,
      },
    ],
  });
