import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { RolloutStatus } from "../api/rollout.js";
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
  | { kind: "createAnalysisRun"; run: AnalysisRun }
  /** Stops a run that no longer matters (rollout promoted, aborted or superseded). */
  | { kind: "terminateAnalysisRun"; name: string }
  | { kind: "deleteAnalysisRun"; name: string }
  /** spec.restartAt: pods older than it are replaced a few at a time. */
  | { kind: "deletePod"; name: string }
  | { kind: "event"; type: "Normal" | "Warning"; reason: string; message: string };

export interface Plan {
  actions: Action[];
  /** The status to write last; undefined when the spec is being rewritten (the next reconcile writes it). */
  status?: RolloutStatus;
  requeueAfterMs?: number;
  /** spec.configSnapshots with the current ReplicaSet existing: the copies it must keep (level-based). */
  configSnapshots?: { replicaSet: string; snapshots: PlannedSnapshot[] };
}
