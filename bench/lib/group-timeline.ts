import type * as k8s from "@kubernetes/client-node";
import type { RolloutGroup } from "../../controller/api/group.js";
import { kinds, Watched } from "./watch.js";

export type GroupObject = RolloutGroup & k8s.KubernetesObject;

/** One RolloutGroup status as a watch event showed it. */
export interface GroupState {
  at: number;
  phase: string;
  /** The newest release's number and outcome. */
  release: number;
  outcome: string;
  message: string;
}

/**
 * Every change of the RolloutGroups' phase, newest release and message in one namespace, from a
 * watch, with receipt times: when the group said it was rolling back, and when it was done.
 */
export class GroupTimeline {
  private readonly events = new Map<string, GroupState[]>();
  readonly watch: Watched<GroupObject>;

  constructor(
    kc: k8s.KubeConfig,
    namespace: string,
    /** Called with each new state, e.g. to print a release's progress. */
    onChange: (group: string, state: GroupState) => void = () => undefined,
  ) {
    this.watch = new Watched<GroupObject>(kc, kinds.rolloutGroups, namespace, (e, g, at) => {
      if (e === "delete") return;
      const last = g.status?.releases?.at(-1);
      const state: GroupState = {
        at,
        phase: g.status?.phase ?? "",
        release: last?.number ?? 0,
        outcome: last?.outcome ?? "",
        message: g.status?.message ?? "",
      };
      const name = g.metadata.name ?? "";
      const list = this.events.get(name) ?? [];
      const prev = list.at(-1);
      if (
        prev &&
        prev.phase === state.phase &&
        prev.release === state.release &&
        prev.message === state.message
      )
        return;
      list.push(state);
      this.events.set(name, list);
      onChange(name, state);
    });
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  history(group: string): readonly GroupState[] {
    return this.events.get(group) ?? [];
  }

  /** The receipt time of the first state at or after `after` in this phase. */
  firstTime(group: string, phase: string, after = 0): number | undefined {
    return this.history(group).find((s) => s.at >= after && s.phase === phase)?.at;
  }
}
