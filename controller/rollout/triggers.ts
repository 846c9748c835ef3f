import { abortAnnotation, promoteAnnotation, retryAnnotation } from "./labels.js";
import { event, isCanary, type PlanState } from "./state.js";

/** The trigger annotations a user sets; each is acted on once, then removed. */
export const triggerKeys = [promoteAnnotation, abortAnnotation, retryAnnotation];

/**
 * Whether a trigger is to be acted on now, and marks it for removal either way. Each is acted
 * upon once: the status that records its effect also lists it as handled, and only then is the
 * annotation removed, so a crash in between neither loses it nor applies it twice.
 */
export function trigger(s: PlanState, key: string): boolean {
  if (!(key in s.annotations)) return false;
  s.clearAnnotations[key] = null;
  return !s.handled.has(key);
}

/** Abort (back to stable) and retry (an aborted canary from step 1). */
export function userTriggers(s: PlanState): void {
  if (trigger(s, abortAnnotation) && !s.abort && isCanary(s)) {
    s.abort = true;
    s.abortedAt = s.now.toISOString();
    s.abortReason = "aborted by user";
    event(
      s,
      "Warning",
      "RolloutAborted",
      "aborted by user: scaling the stable ReplicaSet back to full and the canary to 0",
    );
  }
  if (trigger(s, retryAnnotation) && s.abort) {
    s.abort = false;
    s.abortedAt = undefined;
    s.stepIndex = 0;
    s.pauseConditions = [];
    s.attempt++;
    event(s, "Normal", "RolloutRetried", "retrying the canary from step 1");
  }
}

/**
 * A promote with no canary step to act on (healthy, aborted, first version, undo) is dropped,
 * not kept for later: left in place it would promote the next release past its first step.
 */
export function dropIdlePromote(s: PlanState): void {
  if (!(promoteAnnotation in s.annotations) || promoteAnnotation in s.clearAnnotations) return;
  // Blue-green before promotion: a promote given while the preview comes up (or its analysis
  // runs) is the approval the promotion gate consumes once it is reached.
  if (s.spec.strategy.blueGreen && isCanary(s) && !s.abort && !s.scaleUpPreviewCheckPoint) return;
  s.clearAnnotations[promoteAnnotation] = null;
  if (!s.handled.has(promoteAnnotation))
    event(s, "Normal", "PromoteIgnored", `nothing to promote (${s.phase}): ${s.message}`);
}
