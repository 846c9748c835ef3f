import type * as k8s from "@kubernetes/client-node";
import { kinds, Watched } from "./watch.js";
import type { RolloutObject } from "./rollouts.js";

/** One ReplicaSet as a watch event showed it, stamped with the moment we received it. */
export interface RsState {
  at: number;
  name: string;
  image: string;
  spec: number;
  available: number;
  deleted: boolean;
}

/** image -> that revision's ReplicaSet, as of one moment. */
export type Split = Map<string, RsState>;

/**
 * Every change of spec.replicas and availableReplicas of each Rollout's ReplicaSets, from a
 * watch, grouped by owning Rollout. Answers "when did the split first look like this".
 */
export class ReplicaSetTimeline {
  private readonly events = new Map<string, RsState[]>();
  readonly watch: Watched<k8s.V1ReplicaSet>;

  constructor(kc: k8s.KubeConfig, namespace: string) {
    this.watch = new Watched<k8s.V1ReplicaSet>(kc, kinds.replicaSets, namespace, (e, rs, at) => {
      const owner = rs.metadata?.ownerReferences?.find((o) => o.controller && o.kind === "Rollout")?.name;
      if (!owner) return;
      const state: RsState = {
        at,
        name: rs.metadata?.name ?? "",
        image: rs.spec?.template?.spec?.containers[0]?.image ?? "",
        spec: rs.spec?.replicas ?? 0,
        available: rs.status?.availableReplicas ?? 0,
        deleted: e === "delete",
      };
      const list = this.events.get(owner) ?? [];
      const prev = list.findLast((s) => s.name === state.name);
      if (
        prev &&
        prev.spec === state.spec &&
        prev.available === state.available &&
        prev.deleted === state.deleted
      )
        return;
      list.push(state);
      this.events.set(owner, list);
    });
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  history(rollout: string): readonly RsState[] {
    return this.events.get(rollout) ?? [];
  }

  /** The split as of now. */
  current(rollout: string): Split {
    return this.splitAt(rollout, Infinity);
  }

  splitAt(rollout: string, at: number): Split {
    const split: Split = new Map();
    for (const s of this.history(rollout)) {
      if (s.at > at) break;
      if (s.deleted) split.delete(s.image);
      else split.set(s.image, s);
    }
    return split;
  }

  /** The receipt time of the first event after `after` at which `predicate` holds of the split. */
  firstTime(rollout: string, after: number, predicate: (split: Split) => boolean): number | undefined {
    const split: Split = new Map();
    for (const s of this.history(rollout)) {
      if (s.deleted) split.delete(s.image);
      else split.set(s.image, s);
      if (s.at >= after && predicate(split)) return s.at;
    }
    return undefined;
  }

  /** The first event after `after` matching `match`, e.g. a ReplicaSet of a new image appearing. */
  firstEvent(rollout: string, after: number, match: (s: RsState) => boolean): RsState | undefined {
    return this.history(rollout).find((s) => s.at >= after && match(s));
  }

  /** Forgets what was recorded before `before`, keeping each ReplicaSet's last state (long soaks). */
  compact(before: number): void {
    for (const [rollout, list] of this.events) {
      const last = new Map<string, RsState>();
      const kept: RsState[] = [];
      for (const s of list) {
        if (s.at < before) last.set(s.name, s);
        else kept.push(s);
      }
      this.events.set(rollout, [...last.values()].filter((s) => !s.deleted).concat(kept));
    }
  }
}

/** One Rollout status as a watch event showed it. */
export interface RolloutState {
  at: number;
  generation: number;
  observedGeneration: number;
  phase: string;
  step: number;
  podHash: string;
  /** startTime of the CanaryPauseStep condition, when paused on a step. */
  pauseStart?: string;
  /** status.stableRS: with phase, podHash and available, whether the Rollout is settled at a revision. */
  stableHash: string;
  /** status.availableReplicas. */
  available: number;
}

/** Every change of a Rollout's phase, step, hashes, pause and availability, from a watch, with receipt times. */
export class RolloutTimeline {
  private readonly events = new Map<string, RolloutState[]>();
  readonly watch: Watched<RolloutObject>;

  constructor(kc: k8s.KubeConfig, namespace: string) {
    this.watch = new Watched<RolloutObject>(kc, kinds.rollouts, namespace, (e, r, at) => {
      if (e === "delete") return;
      const st = r.status;
      const state: RolloutState = {
        at,
        generation: r.metadata.generation ?? 0,
        observedGeneration: st?.observedGeneration ?? 0,
        phase: st?.phase ?? "",
        step: st?.currentStepIndex ?? -1,
        podHash: st?.currentPodHash ?? "",
        pauseStart: st?.pauseConditions?.find((p) => p.reason === "CanaryPauseStep")?.startTime,
        stableHash: st?.stableRS ?? "",
        available: st?.availableReplicas ?? 0,
      };
      const name = r.metadata.name ?? "";
      const list = this.events.get(name) ?? [];
      const prev = list.at(-1);
      if (
        prev &&
        prev.generation === state.generation &&
        prev.observedGeneration === state.observedGeneration &&
        prev.phase === state.phase &&
        prev.step === state.step &&
        prev.podHash === state.podHash &&
        prev.pauseStart === state.pauseStart &&
        prev.stableHash === state.stableHash &&
        prev.available === state.available
      )
        return;
      list.push(state);
      this.events.set(name, list);
    });
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  history(rollout: string): readonly RolloutState[] {
    return this.events.get(rollout) ?? [];
  }

  compact(before: number): void {
    for (const [name, list] of this.events) {
      const kept = list.filter((s) => s.at >= before);
      const last = list.findLast((s) => s.at < before);
      this.events.set(name, last ? [last, ...kept] : kept);
    }
  }
}
