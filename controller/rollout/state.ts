import type {
  V1Deployment,
  V1Pod,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Service,
} from "@kubernetes/client-node";
import type { ConfigSources } from "../config/hook.js";
import type { SnapshotPlan } from "../config/snapshot.js";
import type { AnalysisRun } from "../api/analysis.js";
import type { CanaryStep, Rollout, RolloutSpec, RolloutStatus, StoredRollout } from "../api/rollout.js";
import type { HTTPRoute } from "../traffic/httproute.js";
import type { Action } from "./actions.js";
import type { TemplateLookup } from "./analysis.js";
import { getCondition } from "./conditions.js";
import { shortHash } from "./hash.js";
import { surgeLimits, type SurgeLimits } from "./replicas.js";
import { hashOf, isCompleted, revisionOf } from "./revisions.js";
import { routingOf, type Routing } from "./routed.js";
import type { Condition } from "./conditions.js";

export interface PlanInput {
  rollout: StoredRollout;
  /** The Deployment spec.workloadRef names, when it exists. */
  workload?: V1Deployment;
  /** Pods of its ReplicaSets (for spec.restartAt). */
  pods?: readonly V1Pod[];
  /** AnalysisRuns this Rollout controls. */
  analysisRuns?: readonly AnalysisRun[];
  /** AnalysisTemplates of its namespace and ClusterAnalysisTemplates, by name. */
  templates?: TemplateLookup;
  /** ReplicaSets this Rollout controls (ownerReference controller=true), not being deleted. */
  replicaSets: readonly V1ReplicaSet[];
  /** The Services spec.strategy.canary names (stableService, canaryService) that exist, by name. */
  services?: ReadonlyMap<string, V1Service>;
  /** With trafficRouting: each HTTPRoute it names, as read now (undefined when it does not exist). */
  routes?: ReadonlyMap<string, HTTPRoute | undefined>;
  /** With spec.configSnapshots: the ConfigMaps and Secrets spec.template references, as they are now. */
  configSources?: ConfigSources;
  /** With spec.configSnapshots: sourceKey(kind, copy) of copies an undo pinned that no longer exist. */
  configPinnedGone?: ReadonlySet<string>;
  /** false when the RolloutGroup its kestrel.dev/group annotation names is gone (it holds nothing then). */
  groupExists?: boolean;
  now: Date;
}

export type PauseCondition = NonNullable<RolloutStatus["pauseConditions"]>[number];

/**
 * The one record a planning pass threads through its stages. The first block is what was
 * observed and never changes during the pass; the second holds the decisions, each owned by the
 * stage that makes it (named beside it), read by the stages after.
 */
export interface PlanState {
  readonly ro: Rollout;
  readonly spec: RolloutSpec;
  readonly prev: RolloutStatus;
  readonly now: Date;
  readonly replicaSets: readonly V1ReplicaSet[];
  readonly analysisRuns: readonly AnalysisRun[];
  readonly templates: TemplateLookup;
  readonly pods: readonly V1Pod[];
  readonly services: ReadonlyMap<string, V1Service>;
  readonly replicas: number;
  readonly steps: readonly CanaryStep[];
  /** The pod template hash of spec.template: the revision being delivered. */
  readonly hash: string;
  /** The template the new ReplicaSet gets: spec.template, its config references on snapshots if any. */
  readonly template: V1PodTemplateSpec;
  /** spec.configSnapshots: the copies this revision uses (and what is missing). */
  readonly snapshots: SnapshotPlan | undefined;
  readonly configSources: ConfigSources;
  readonly stepsHash: string;
  readonly byHash: ReadonlyMap<string, V1ReplicaSet>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly groupExists: boolean;
  readonly runs: ReadonlyMap<string, AnalysisRun>;
  /** Trigger annotations already acted upon (recorded in status before their removal). */
  readonly handled: ReadonlySet<string>;
  readonly limits: SurgeLimits;
  /** The ReplicaSet of spec.template, if it exists yet. */
  readonly newRS: V1ReplicaSet | undefined;
  readonly newRSName: string;
  /** Status already describes this revision (so its step, abort and pauses carry over). */
  readonly sameRevision: boolean;
  /** trafficRouting, when the Rollout has it. */
  readonly routing: Routing | undefined;

  /** Every stage: what the shell must do, in order. */
  actions: Action[];
  /** triggers: annotations to remove once the status recording them is written. */
  clearAnnotations: Record<string, null>;
  /** strategy (promotion): the revision that serves when the canary does not. */
  stableHash: string | undefined;
  /** triggers, verdict, deadline. */
  abort: boolean;
  abortedAt: string | undefined;
  abortReason: string;
  /** triggers (retry), strategy. */
  stepIndex: number;
  pauseConditions: PauseCondition[];
  attempt: number;
  inconclusiveAccepted: string | undefined;
  /** Every stage that waits: the soonest moment worth looking again. */
  requeueAfterMs: number | undefined;
  /** deadline. */
  deadlineExceeded: boolean;
  lastProgressAt: string;
  /** revision bookkeeping. */
  newRevision: number;
  /** strategy: hash -> replicas; every ReplicaSet not named is scaled to zero. */
  desired: Map<string, number>;
  phase: string;
  message: string;
  weight: number;
  paused: boolean;
  /** restart. */
  restartedAt: string | undefined;
  /** services: why a Service still points at another revision (added to the message). */
  serviceWaits: string[];
  /** routed abort: when the aborted canary's pods may go (every route at 0, plus the delay). */
  canaryScaleDownAt: string | undefined;
  /** route stage. */
  trafficCondition: Condition | undefined;
  /** blue-green strategy: the revision activeService is to select (the services stage switches it). */
  activeHash: string | undefined;
  /** blue-green strategy: promotion decided (Argo's scaleUpPreviewCheckPoint). */
  scaleUpPreviewCheckPoint: boolean;
  /** blue-green strategy: when activeService was switched to activeHash. */
  switchedAt: string | undefined;
}

/** The state a pass starts from: observations, and the decisions status carried over. */
export function observe(
  input: PlanInput,
  ro: Rollout,
  hash: string,
  templates: TemplateLookup,
  config: { template: V1PodTemplateSpec; snapshots?: SnapshotPlan } = { template: ro.spec.template },
): PlanState {
  const prev: RolloutStatus = ro.status ?? {};
  const spec = ro.spec;
  const replicas = spec.replicas ?? 1;
  const steps = spec.strategy.canary?.steps ?? [];
  const stepsHash = shortHash(steps);
  const byHash = new Map(input.replicaSets.map((rs) => [hashOf(rs) ?? "", rs]));
  const sameRevision = prev.currentPodHash === hash;
  const stableHash = observedStable(prev, byHash, input.replicaSets);
  const abort = Boolean(prev.abort) && sameRevision && hash !== stableHash;
  return {
    ro,
    spec,
    prev,
    now: input.now,
    replicaSets: input.replicaSets,
    analysisRuns: input.analysisRuns ?? [],
    templates,
    pods: input.pods ?? [],
    services: input.services ?? new Map(),
    replicas,
    steps,
    hash,
    template: config.template,
    snapshots: config.snapshots,
    configSources: input.configSources ?? new Map(),
    stepsHash,
    byHash,
    annotations: ro.metadata.annotations ?? {},
    groupExists: input.groupExists ?? true,
    runs: new Map((input.analysisRuns ?? []).map((r) => [r.metadata.name ?? "", r])),
    handled: new Set(prev.handledTriggers ?? []),
    limits: surgeLimits(
      replicas,
      spec.strategy.canary?.maxSurge,
      spec.strategy.canary?.maxUnavailable ?? spec.strategy.blueGreen?.maxUnavailable,
    ),
    newRS: byHash.get(hash),
    newRSName: `${ro.metadata.name}-${hash}`,
    sameRevision,
    routing: routingOf(spec, input.routes),
    stableHash,
    abort,
    ...carriedOver(prev, { sameRevision, abort, stepsHash, now: input.now }),
    ...freshOutputs(),
  };
}

/**
 * What the last status says of a release still under way: the step, pauses, attempt and abort
 * carry on while the revision is the same; a new revision starts them over.
 */
function carriedOver(
  prev: RolloutStatus,
  o: { sameRevision: boolean; abort: boolean; stepsHash: string; now: Date },
): Pick<
  PlanState,
  | "abortedAt"
  | "abortReason"
  | "stepIndex"
  | "pauseConditions"
  | "attempt"
  | "inconclusiveAccepted"
  | "lastProgressAt"
  | "restartedAt"
  | "canaryScaleDownAt"
  | "scaleUpPreviewCheckPoint"
  | "switchedAt"
> {
  const { sameRevision, abort } = o;
  return {
    abortedAt: abort ? prev.abortedAt : undefined,
    abortReason: abort ? (getCondition(prev.conditions, "Progressing")?.message ?? "aborted") : "",
    stepIndex: sameRevision && prev.currentStepHash === o.stepsHash ? (prev.currentStepIndex ?? 0) : 0,
    pauseConditions: sameRevision ? [...(prev.pauseConditions ?? [])] : [],
    attempt: sameRevision ? (prev.canary?.attempt ?? 0) : 0,
    inconclusiveAccepted: sameRevision ? prev.canary?.inconclusiveAccepted : undefined,
    lastProgressAt: prev.lastProgressAt ?? o.now.toISOString(),
    restartedAt: prev.restartedAt,
    canaryScaleDownAt: abort ? prev.canary?.canaryScaleDownAt : undefined,
    scaleUpPreviewCheckPoint: abort
      ? false
      : sameRevision && Boolean(prev.blueGreen?.scaleUpPreviewCheckPoint),
    switchedAt: prev.blueGreen?.switchedAt,
  };
}

/** What the pipeline's stages decide, empty at the start of every pass. */
function freshOutputs(): Pick<
  PlanState,
  | "actions"
  | "clearAnnotations"
  | "requeueAfterMs"
  | "deadlineExceeded"
  | "newRevision"
  | "desired"
  | "phase"
  | "message"
  | "weight"
  | "paused"
  | "serviceWaits"
  | "trafficCondition"
  | "activeHash"
> {
  return {
    actions: [],
    clearAnnotations: {},
    requeueAfterMs: undefined,
    deadlineExceeded: false,
    newRevision: 0,
    desired: new Map(),
    phase: "Progressing",
    message: "",
    weight: 0,
    paused: false,
    serviceWaits: [],
    trafficCondition: undefined,
    activeHash: undefined,
  };
}

/** The stable revision: from status, or (if status was lost) the newest revision that completed. */
function observedStable(
  prev: RolloutStatus,
  byHash: ReadonlyMap<string, V1ReplicaSet>,
  replicaSets: readonly V1ReplicaSet[],
): string | undefined {
  if (prev.stableRS && byHash.has(prev.stableRS)) return prev.stableRS;
  const completed = [...replicaSets].filter(isCompleted).sort((a, b) => revisionOf(b) - revisionOf(a));
  return completed[0] && hashOf(completed[0]);
}

export function event(s: PlanState, type: "Normal" | "Warning", reason: string, message: string): void {
  s.actions.push({ kind: "event", type, reason, message });
}

export function requeueIn(s: PlanState, ms: number): void {
  s.requeueAfterMs = s.requeueAfterMs === undefined ? ms : Math.min(s.requeueAfterMs, ms);
}

/** AnalysisRun names: deterministic per revision and attempt, so a crash never starts a second run. */
export const backgroundRunName = (s: PlanState): string => `${s.ro.metadata.name}-${s.hash}-${s.attempt}-bg`;
export const stepRunName = (s: PlanState, index: number): string =>
  `${s.ro.metadata.name}-${s.hash}-${s.attempt}-s${index}`;

export const prePromotionRunName = (s: PlanState): string =>
  `${s.ro.metadata.name}-${s.hash}-${s.attempt}-pre`;
export const postPromotionRunName = (s: PlanState): string =>
  `${s.ro.metadata.name}-${s.hash}-${s.attempt}-post`;

/** The canary differs from stable (there is something to compare, abort or promote). */
export const isCanary = (s: PlanState): boolean => s.stableHash !== undefined && s.hash !== s.stableHash;
