import Type from "typebox";
import { durationPattern } from "./duration.js";

/** Shared schema pieces for every Kestrel kind. */

export const group = "kestrel.dev";
export const version = "v1alpha1";
export const apiVersion = `${group}/${version}`;

/** A duration as Argo writes it (Go's form: "30s", "1m30s", "1.5h") or a plain number of seconds. */
export const Duration = Type.Unsafe<string | number>({
  "x-kubernetes-int-or-string": true,
  // A pattern constrains only the string form (JSON Schema semantics), and costs no CEL budget.
  pattern: durationPattern,
  description: 'A duration: a number of seconds, or a string such as "30s", "5m", "1m30s", "1.5h".',
});

/** A count or a percentage of replicas: 1, "25%". */
export const IntOrPercent = (description: string) =>
  Type.Unsafe<string | number>({
    "x-kubernetes-int-or-string": true,
    pattern: "^[0-9]+%?$",
    description,
  });

/** A string-to-string map; written by hand because TypeBox's Record uses patternProperties, which CRDs forbid. */
export const StringMap = (description: string) =>
  Type.Unsafe<Record<string, string>>({
    type: "object",
    description,
    maxProperties: 64,
    additionalProperties: { type: "string", maxLength: 4096 },
  });

export const Condition = Type.Object({
  type: Type.String({ description: "Progressing, Available, Paused, Healthy or InvalidSpec." }),
  status: Type.String({ description: "True, False or Unknown." }),
  reason: Type.Optional(Type.String({ description: "A CamelCase word for the cause." })),
  message: Type.Optional(Type.String({ description: "The cause in words." })),
  lastTransitionTime: Type.Optional(
    Type.String({ description: "When status last changed.", format: "date-time" }),
  ),
  lastUpdateTime: Type.Optional(
    Type.String({ description: "When this condition was last written.", format: "date-time" }),
  ),
});
