import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { RolloutStatus } from "../api/rollout.js";
import type { PatchOp } from "../traffic/route-patch.js";
import type { PlannedSnapshot } from "../config/snapshot.js";

/**
 * What the planner asks the shell to do. Each action is idempotent to apply: creating a
 * ReplicaSet that exists with the same template is a no-op, scaling to the current count is a no-op.
 */
export type Action =
  /** snapshots: config copies the ReplicaSet's template names (made before its pods start). */
  | { kind: "createReplicaSet"; replicaSet: V1ReplicaSet; snapshots?: PlannedSnapshot[] }
  | { kind: "scaleReplicaSet"; name: string; replicas: number; from: number }
  | { kind: "annotateReplicaSet"; name: string; annotations: Record<string, string | null> }
  | { kind: "deleteReplicaSet"; name: string }
  /** Rewrites the Rollout (template for an undo, trigger annotations removed); guarded by resourceVersion. */
  | {
      kind: "updateRollout";
      template?: V1PodTemplateSpec;
      clearRollbackTo?: boolean;
      annotations?: Record<string, string | null>;
    }
  /** spec.workloadRef: an undo writes the revision's template back to the Deployment people edit. */
  | { kind: "updateWorkloadTemplate"; name: string; template: V1PodTemplateSpec }
  /** spec.workloadRef.scaleDown: the Deployment's own pods give way to the Rollout's. */
  | { kind: "scaleWorkload"; name: string; replicas: number; from: number }
  | { kind: "createAnalysisRun"; run: AnalysisRun }
  /** Stops a run that no longer matters (rollout promoted, aborted or superseded). */
  | { kind: "terminateAnalysisRun"; name: string }
  | { kind: "deleteAnalysisRun"; name: string }
  /** spec.restartAt: pods older than it are replaced a few at a time. */
  | { kind: "deletePod"; name: string }
  /**
   * Points a Service at one revision: sets rollouts-pod-template-hash in its selector (other keys
   * untouched), conditional on the resourceVersion the planner saw.
   */
  | { kind: "patchServiceSelector"; service: string; hash: string; resourceVersion: string }
  /**
   * Ephemeral metadata of one ReplicaSet, in this order: its pod template, then (when `pods`) its
   * running pods in place, then the record annotation last, so a crash in between is redone by the
   * next pass (the record still differs). null removes a key.
   */
  | {
      kind: "syncPodMetadata";
      replicaSet: string;
      /** Its pod template hash: the pods to update are those carrying it and owned by it. */
      hash: string;
      labels: Record<string, string | null>;
      annotations: Record<string, string | null>;
      /**
       * The record while the sync is under way, written in the same patch as the template: it
       * names the old keys and the new ones, so the template reads back without either whatever
       * a reader (a lagging cache, the pass after a crash) catches of it, and it is never taken
       * for a finished sync.
       */
      pendingRecord: string;
      record: string | null;
      pods: boolean;
    }
  /** Sets weights on an HTTPRoute; the patch tests the resourceVersion it was computed from. */
  | { kind: "patchRoute"; name: string; patch: PatchOp[] }
  | { kind: "event"; type: "Normal" | "Warning"; reason: string; message: string };

/** The Event that announces a createReplicaSet: a fact once the create is answered (see applyOrder). */
export const newReplicaSetCreated = "NewReplicaSetCreated";

export interface Plan {
  actions: Action[];
  /** The status to write last; undefined when the spec is being rewritten (the next reconcile writes it). */
  status?: RolloutStatus;
  requeueAfterMs?: number;
  /** spec.configSnapshots with the current ReplicaSet existing: the copies it must keep (level-based). */
  configSnapshots?: { replicaSet: string; snapshots: PlannedSnapshot[] };
}
