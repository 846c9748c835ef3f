/**
 * The plugin's judgements about a Rollout it has read, as pure functions (table-tested in
 * test/unit/cli/decide.test.ts): whether a trigger would mean anything, and when `status` is done.
 */
import type { StoredRollout as Rollout } from "../api/rollout.js";
import { roundForPeople } from "./present.js";

/** The line status prints, rounded for reading; -o json|yaml prints the status itself, at full precision. */
export function describeStatus(r: Rollout): string {
  return `rollout "${r.metadata.name}" ${r.status?.phase ?? "Pending"}: ${roundForPeople(r.status?.message ?? "not yet reconciled")}`;
}

export type Trigger = "promote" | "abort" | "retry";

/** The status describes the current spec: the controller has seen the latest change. */
export function observed(r: Rollout): boolean {
  return r.status !== undefined && r.status.observedGeneration === r.metadata.generation;
}

function where(r: Rollout): string {
  const s = r.status;
  return `${s?.phase ?? "Pending"}${s?.message ? ` (${s.message})` : ""}`;
}

/**
 * Why `trigger` would mean nothing to the controller in the Rollout's observed state, or
 * undefined when it would act. The same conditions as the planner's (controller/rollout/canary.ts, triggers.ts):
 * promote moves a canary in progress past a step (or accepts an Inconclusive analysis); abort
 * stops a canary in progress; retry restarts an aborted one. A trigger written when it means
 * nothing would otherwise sit on the Rollout and fire on the next change. Before the controller
 * has observed the latest spec (say, right after `set image`) the plugin cannot know, and leaves
 * the judgement to the controller.
 */
export function pointlessTrigger(trigger: Trigger, r: Rollout): string | undefined {
  if (!observed(r)) return undefined;
  const s = r.status ?? {};
  const name = r.metadata.name ?? "";
  const canary =
    s.stableRS !== undefined && s.currentPodHash !== undefined && s.currentPodHash !== s.stableRS;
  const state = `rollout "${name}" is ${where(r)}`;
  switch (trigger) {
    case "promote": {
      if (s.abort)
        return `nothing to promote: ${state}; \`kubectl kestrel retry ${name}\` starts the canary again`;
      if (!canary) return `nothing to promote: ${state}, with no canary in progress`;
      if (s.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysis")) return undefined;
      if (r.spec.paused)
        return `nothing to promote: ${state} with spec.paused set; \`kubectl kestrel resume ${name}\` lets it step on`;
      if (r.spec.strategy?.blueGreen)
        return s.blueGreen?.scaleUpPreviewCheckPoint
          ? `nothing to promote: ${state}; already promoted, activeService switches once the new ReplicaSet is fully available`
          : undefined;
      const steps = r.spec.strategy?.canary?.steps?.length ?? 0;
      if ((s.currentStepIndex ?? 0) >= steps)
        return `nothing to promote: ${state}; every step is done and the canary is scaling to full`;
      return undefined;
    }
    case "abort":
      if (s.abort) return `nothing to abort: ${state} already`;
      if (!canary) return `nothing to abort: ${state}, with no canary in progress`;
      return undefined;
    case "retry":
      if (!s.abort) return `nothing to retry: ${state}; only an aborted canary can be retried`;
      return undefined;
  }
}

/**
 * Whether `status` is done with the Rollout, and its exit code: Healthy 0, Degraded 1. Only a
 * status that describes the current spec counts while watching, so a change just applied is not
 * mistaken for done. Looking once (--watch=false), any state is an answer: 1 when Degraded, else
 * 0, as `kubectl rollout status --watch=false` and Argo's plugin do.
 */
export function statusDone(r: Rollout, watching: boolean): { code: number } | undefined {
  const phase = r.status?.phase;
  if (!watching) return { code: phase === "Degraded" ? 1 : 0 };
  if (!observed(r)) return undefined;
  if (phase === "Healthy") return { code: 0 };
  if (phase === "Degraded") return { code: 1 };
  return undefined;
}

/** What `status` says when its --timeout ends the wait; a Paused rollout says who it waits for. */
export function timedOut(r: Rollout, timeout: string): string {
  const name = r.metadata.name ?? "";
  const base = `timed out after ${timeout} waiting for rollout "${name}": it is ${where(r)}`;
  return r.status?.phase === "Paused" && (r.status.pauseConditions?.length ?? 0) > 0
    ? `${base}; \`kubectl kestrel promote ${name}\` moves it on, \`abort\` goes back to stable`
    : r.spec.paused
      ? `${base}; spec.paused is set, \`kubectl kestrel resume ${name}\` lets it step on`
      : base;
}
