/**
 * A Rollout and what it owns as the dashboard shows them: a list row, the steps as a timeline,
 * the ReplicaSets with pod counts, the revisions (the rows of `history`) and the Events in order.
 * Pure: the server turns what it read into these and sends them as JSON.
 */
import type { CoreV1Event, V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { CanaryStep, StoredRollout } from "../api/rollout.js";
import { historyRows, type HistoryRow } from "../cli/history.js";
import { podTemplateHashLabel } from "../rollout/labels.js";
import { revisionOf } from "../rollout/revisions.js";
import { runViews, type RunView } from "./view-analysis.js";

export interface ListRow {
  namespace: string;
  name: string;
  strategy: "canary" | "blueGreen";
  phase: string;
  /** "2/4": the current step, counted from 1 as the controller's messages count it; "" without steps. */
  step: string;
  weight: number;
  message: string;
  /** The latest AnalysisRun's first metric's values, oldest first (empty without analysis). */
  sparkline: number[];
  sparklinePhase: string;
}

export interface StepView {
  index: number;
  label: string;
  state: "done" | "current" | "pending";
}

export interface ReplicaSetView {
  name: string;
  revision: number;
  role: "stable" | "canary" | "old";
  images: string[];
  desired: number;
  ready: number;
  available: number;
}

export interface EventView {
  type: string;
  reason: string;
  message: string;
  at: string;
  count: number;
}

export interface RolloutDetail {
  row: ListRow;
  steps: StepView[];
  replicaSets: ReplicaSetView[];
  revisions: HistoryRow[];
  analysis: RunView[];
  events: EventView[];
  paused: boolean;
  aborted: boolean;
}

function isoOf(t: unknown): string {
  return t instanceof Date ? t.toISOString() : String(t ?? "");
}

export function stepLabel(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `set weight ${step.setWeight}%`;
  if (step.pause)
    return step.pause.duration !== undefined ? `pause ${step.pause.duration}` : "pause until promoted";
  if (step.analysis) return `analysis ${step.analysis.templates.map((t) => t.templateName).join(", ")}`;
  const scale = step.setCanaryScale;
  if (scale?.replicas !== undefined) return `canary scale ${scale.replicas} replicas`;
  if (scale?.weight !== undefined) return `canary scale ${scale.weight}%`;
  return "canary scale matches weight";
}

/** Steps before currentStepIndex are done; the one at it is current, unless every step is done. */
export function stepsView(r: StoredRollout): StepView[] {
  const steps = r.spec.strategy?.canary?.steps ?? [];
  const at = r.status?.currentStepIndex ?? 0;
  return steps.map((s, index) => ({
    index,
    label: stepLabel(s),
    state: index < at ? "done" : index === at ? "current" : "pending",
  }));
}

function runsOfRollout(r: StoredRollout, runs: readonly AnalysisRun[]): AnalysisRun[] {
  const uid = r.metadata.uid;
  return runs.filter((x) => x.metadata.ownerReferences?.some((o) => o.uid === uid));
}

export function listRow(r: StoredRollout, runs: readonly AnalysisRun[]): ListRow {
  const steps = r.spec.strategy?.canary?.steps ?? [];
  const latest = runViews(runsOfRollout(r, runs))[0];
  const chart = latest?.charts[0];
  return {
    namespace: r.metadata.namespace ?? "",
    name: r.metadata.name ?? "",
    strategy: r.spec.strategy?.blueGreen ? "blueGreen" : "canary",
    phase: r.status?.phase ?? "Pending",
    step:
      steps.length > 0
        ? `${Math.min((r.status?.currentStepIndex ?? 0) + 1, steps.length)}/${steps.length}`
        : "",
    weight: r.status?.canary?.weights?.canary.weight ?? 0,
    message: r.status?.message ?? "",
    sparkline: chart?.points.map((p) => p.value) ?? [],
    sparklinePhase: latest?.phase ?? "",
  };
}

export function replicaSetViews(r: StoredRollout, replicaSets: readonly V1ReplicaSet[]): ReplicaSetView[] {
  return replicaSets
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? "";
      const role: ReplicaSetView["role"] =
        hash === r.status?.stableRS ? "stable" : hash === r.status?.currentPodHash ? "canary" : "old";
      return {
        name: rs.metadata?.name ?? "",
        revision: revisionOf(rs),
        role,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
        desired: rs.spec?.replicas ?? 0,
        ready: rs.status?.readyReplicas ?? 0,
        available: rs.status?.availableReplicas ?? 0,
      };
    })
    .sort((a, b) => b.revision - a.revision);
}

/** Oldest first, as they happened (the last time each was seen). */
export function eventViews(events: readonly CoreV1Event[]): EventView[] {
  return events
    .map((e) => ({
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: e.message ?? "",
      at: isoOf(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp),
      count: e.count ?? 1,
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function rolloutDetail(
  r: StoredRollout,
  replicaSets: readonly V1ReplicaSet[],
  runs: readonly AnalysisRun[],
  events: readonly CoreV1Event[],
): RolloutDetail {
  const mine = runsOfRollout(r, runs);
  return {
    row: listRow(r, mine),
    steps: stepsView(r),
    replicaSets: replicaSetViews(r, replicaSets),
    revisions: historyRows(replicaSets, mine, r.status?.currentPodHash).reverse(),
    analysis: runViews(mine),
    events: eventViews(events),
    paused: r.spec.paused === true,
    aborted: r.status?.abort === true,
  };
}
