import type * as k8s from "@kubernetes/client-node";
import { apiVersion, group, version } from "../api/common.js";
import type { RolloutGroup } from "../api/group.js";
import { planGroup } from "../group/plan.js";
import type { GroupAction } from "../group/types.js";
import type { Logger } from "../log.js";
import { abortAnnotation, groupAnnotation, groupReleasedAnnotation } from "../rollout/labels.js";
import { hashOf, revisionOf } from "../rollout/revisions.js";
import type { EventRecorder } from "./events.js";
import { listed, memberView } from "./group-view.js";
import { membersOf } from "../group/selector.js";
import type { KindCache } from "./informers.js";
import { mergePatch, rolloutKind, type RolloutObject } from "./rollout-actions.js";
import type { ReconcileResult } from "./runner.js";
import { writeStatus } from "./status-writer.js";
import { WrittenAhead } from "./written-ahead.js";

export type GroupObject = RolloutGroup & k8s.KubernetesObject;

export const groupKind = {
  name: "rolloutgroups",
  group,
  version,
  plural: "rolloutgroups",
  namespaced: true,
} as const;

export interface GroupReconcilerDeps {
  groups: KindCache<GroupObject>;
  rollouts: KindCache<RolloutObject>;
  custom: k8s.CustomObjectsApi;
  /** The Rollouts' ReplicaSets (the Rollout controllers' cache): where an undo finds its revision. */
  replicaSets: KindCache<k8s.V1ReplicaSet>;
  events: EventRecorder;
  log: Logger;
  canAct: () => boolean;
}

/** Reads the group and its members from the caches, plans, applies the plan in order, writes status last. */
export class GroupReconciler {
  /**
   * Our status writes until the watch shows them: a pass planned from the older cached group would
   * meet a 409 on its status write after its events and member writes went out, and send them again.
   */
  private readonly writtenAhead = new WrittenAhead<GroupObject>();

  constructor(private readonly d: GroupReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = "", name = ""] = key.split("/");
    const g = this.writtenAhead.read(key, this.d.groups.get(name, namespace));
    if (!g || g.metadata?.deletionTimestamp) return {};
    const log = this.d.log.child({ namespace, rolloutGroup: name });
    const groups = this.d.groups.list(namespace);
    const rollouts = this.d.rollouts.list(namespace);
    const byName = new Map(rollouts.map((ro) => [ro.metadata?.name ?? "", ro]));
    const entries = membersOf(g.spec, rollouts.map(listed));
    const listedNames = new Set([...entries.values()].flat());
    const view = (n: string) => {
      const ro = byName.get(n);
      return ro ? [[n, memberView(ro, groups)] as const] : [];
    };
    const members = new Map([...listedNames].flatMap(view));
    const strays = new Map(
      rollouts
        .filter((ro) => ro.metadata?.annotations?.[groupAnnotation] === name)
        .map((ro) => ro.metadata?.name ?? "")
        .filter((n) => !listedNames.has(n))
        .flatMap(view),
    );
    const selected = new Map(
      g.spec.members.filter((m) => m.selector).map((m) => [m.name, entries.get(m.name) ?? []] as const),
    );
    const plan = planGroup({ group: g, members, selected, strays, now: new Date() });
    if (!this.d.canAct()) throw new Error("not the leader: no write");
    // Each member write starts from the object the previous write returned (its resourceVersion).
    const latest = new Map<string, RolloutObject>();
    // Member writes first (the status is the group's memory: a crash before it is written replays
    // them, and they are safe to replay), then the status, then the Events announcing what it
    // records: a pass that meets a 409 on a member or on the status is planned again without
    // having announced anything.
    for (const a of plan.actions) if (a.kind !== "event") await this.apply(g, a, latest, log);
    const written = await writeStatus(this.d.custom, groupKind, g, plan.status);
    if (written) this.writtenAhead.record(key, g, written as GroupObject);
    for (const a of plan.actions) if (a.kind === "event") await this.apply(g, a, latest, log);
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async apply(
    g: GroupObject,
    a: GroupAction,
    latest: Map<string, RolloutObject>,
    log: Logger,
  ): Promise<void> {
    const namespace = g.metadata?.namespace ?? "";
    if (a.kind === "event") {
      const involved = {
        apiVersion: g.apiVersion ?? apiVersion,
        kind: "RolloutGroup",
        name: g.metadata?.name ?? "",
        namespace,
        uid: g.metadata?.uid,
      };
      this.d.events.emit(involved, { type: a.type, reason: a.reason, message: a.message });
      if (a.type === "Warning") log.warn(a.message, { reason: a.reason });
      else log.info(a.message, { reason: a.reason });
      return;
    }
    const ro = latest.get(a.name) ?? this.d.rollouts.get(a.name, namespace);
    if (!ro) return;
    const body = this.patchOf(g, a, ro);
    const written = (await this.d.custom.patchNamespacedCustomObject(
      { ...rolloutKind, namespace, name: a.name, body },
      mergePatch,
    )) as RolloutObject;
    latest.set(a.name, written);
    log.info("member written", { member: a.name, action: a.kind });
  }

  /** A merge patch carrying the resourceVersion read: a Rollout changed since answers 409 and requeues. */
  private patchOf(g: GroupObject, a: Exclude<GroupAction, { kind: "event" }>, ro: RolloutObject) {
    const resourceVersion = ro.metadata?.resourceVersion;
    switch (a.kind) {
      case "releaseMember":
        return {
          metadata: {
            resourceVersion,
            annotations: { [groupAnnotation]: g.metadata?.name, [groupReleasedAnnotation]: a.released },
          },
        };
      case "leaveMember":
        return {
          metadata: {
            resourceVersion,
            annotations: { [groupAnnotation]: null, [groupReleasedAnnotation]: null },
          },
          ...(a.pause ? { spec: { paused: true } } : {}),
        };
      case "abortMember":
        return {
          metadata: { resourceVersion, annotations: { [abortAnnotation]: `group ${g.metadata?.name}` } },
        };
      case "undoMember":
        return {
          metadata: { resourceVersion },
          spec: { rollbackTo: { revision: this.undoRevision(ro, a.toHash) } },
        };
    }
  }

  /**
   * The revision number of a member's ReplicaSet with this pod template hash (the undo target), from
   * the cache; one not there yet throws, and the retried pass finds it once the watch has.
   */
  private undoRevision(ro: RolloutObject, hash: string): number {
    const rs = this.d.replicaSets.ownedBy(ro.metadata?.uid).find((r) => hashOf(r) === hash);
    const revision = rs ? revisionOf(rs) : 0;
    if (!rs || !Number.isInteger(revision) || revision < 1)
      throw new Error(
        `undo of ${ro.metadata?.name} to ${hash}: no ReplicaSet with that pod template hash and a revision`,
      );
    return revision;
  }
}
