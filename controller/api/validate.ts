import type { Rollout } from "./rollout.js";
import { parseDurationMs } from "./duration.js";
import { trafficRoutingErrors } from "./traffic.js";

export interface FieldError {
  field: string;
  message: string;
}

/**
 * What the CRD schema and its CEL rules cannot judge. Anything returned here makes the Rollout
 * InvalidSpec: the controller leaves its ReplicaSets as they are and says why.
 */
export function validateRollout(ro: Rollout): FieldError[] {
  const errors: FieldError[] = [];
  const spec = ro.spec as Rollout["spec"] | undefined;
  if (!spec) return [{ field: "spec", message: "is required" }];
  if (!spec.template?.spec?.containers?.length) {
    errors.push({ field: "spec.template.spec.containers", message: "must list at least one container" });
  }
  const canary = spec.strategy?.canary;
  if (!canary) {
    if (spec.strategy?.blueGreen) return [...errors, ...ephemeralOverlaps(spec)];
    errors.push({ field: "spec.strategy", message: "needs canary or blueGreen" });
    return errors;
  }
  (canary.steps ?? []).forEach((step, i) => {
    const at = `spec.strategy.canary.steps[${i}]`;
    if (step.pause?.duration !== undefined && parseDurationMs(step.pause.duration) === undefined) {
      errors.push({
        field: `${at}.pause.duration`,
        message: `"${step.pause.duration}" is not a duration; expected e.g. 30, "30s", "5m"`,
      });
    }
    const replicas = spec.replicas ?? 1;
    if (step.setCanaryScale?.replicas !== undefined && step.setCanaryScale.replicas > replicas) {
      errors.push({
        field: `${at}.setCanaryScale.replicas`,
        message: `${step.setCanaryScale.replicas} is more than spec.replicas (${replicas}); expected 0..${replicas}`,
      });
    }
  });
  errors.push(...ephemeralOverlaps(spec));
  const zero = (v: string | number | undefined): boolean => v === 0 || v === "0" || v === "0%";
  if (zero(canary.maxSurge) && (canary.maxUnavailable === undefined || zero(canary.maxUnavailable))) {
    errors.push({
      field: "spec.strategy.canary.maxSurge",
      message: "maxSurge and maxUnavailable cannot both be 0: no pod could ever move",
    });
  }
  errors.push(...trafficRoutingErrors(ro.metadata?.namespace, canary.trafficRouting));
  return errors;
}

/**
 * Ephemeral metadata comes and goes with a role, so it must not name a key the pod template
 * itself sets: removing it on a role change would remove the user's own label (a selector label
 * would even orphan the pods), and an undo could not tell the two apart.
 */
function ephemeralOverlaps(spec: Rollout["spec"]): FieldError[] {
  const errors: FieldError[] = [];
  const own = spec.template?.metadata ?? {};
  const roles = [
    ["canary", "canaryMetadata", spec.strategy?.canary?.canaryMetadata],
    ["canary", "stableMetadata", spec.strategy?.canary?.stableMetadata],
    ["blueGreen", "activeMetadata", spec.strategy?.blueGreen?.activeMetadata],
    ["blueGreen", "previewMetadata", spec.strategy?.blueGreen?.previewMetadata],
  ] as const;
  for (const [strategy, role, meta] of roles) {
    for (const which of ["labels", "annotations"] as const) {
      const taken = Object.keys(meta?.[which] ?? {}).filter((k) => own[which]?.[k] !== undefined);
      if (taken.length === 0) continue;
      errors.push({
        field: `spec.strategy.${strategy}.${role}.${which}`,
        message: `${taken.join(", ")} ${taken.length === 1 ? "is" : "are"} already set by spec.template.metadata.${which}; use a key of its own (e.g. role)`,
      });
    }
  }
  return errors;
}
