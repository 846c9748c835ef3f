import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import type { Rollout } from "../api/rollout.js";
import type { SourceContent } from "./naming.js";
import {
  parsePin,
  parseRecords,
  pinAnnotation,
  pinFor,
  planSnapshots,
  restoreTemplate,
  snapshotsAnnotation,
  type SnapshotPlan,
} from "./snapshot.js";

/** The sources the shell read for a Rollout, by sourceKey ("ConfigMap/name"). */
export type ConfigSources = ReadonlyMap<string, SourceContent>;

/**
 * The template that is hashed and given to the ReplicaSet: spec.template itself, or with
 * spec.configSnapshots its references pointing at the snapshots.
 */
export function configTemplate(
  ro: Rollout,
  sources: ConfigSources,
  goneCopies?: ReadonlySet<string>,
): { template: V1PodTemplateSpec; snapshots?: SnapshotPlan } {
  if (!ro.spec.configSnapshots) return { template: ro.spec.template };
  const snapshots = planSnapshots(
    ro.spec.template,
    sources,
    parsePin(ro.metadata.annotations?.[pinAnnotation]),
    goneCopies,
  );
  return { template: snapshots.template, snapshots };
}

/**
 * What an undo to this ReplicaSet writes: its template in the user's form (source names, not
 * copies) and the pin that keeps the revision's copies while the sources hold what they hold now
 * (null removes an earlier pin when the revision has no copies).
 */
export function undoTemplate(
  template: V1PodTemplateSpec,
  rs: V1ReplicaSet,
  sources: ConfigSources,
): { template: V1PodTemplateSpec; pin: string | null } {
  const records = parseRecords(rs.metadata?.annotations?.[snapshotsAnnotation]);
  if (records.length === 0) return { template, pin: null };
  return { template: restoreTemplate(template, records), pin: JSON.stringify(pinFor(records, sources)) };
}

export interface SnapshotCondition {
  type: "ConfigSnapshots";
  status: "True" | "False";
  reason: string;
  message: string;
}

/** Explains what the revision's configuration is: its copies, and any source left as written. */
export function snapshotCondition(plan: SnapshotPlan): SnapshotCondition {
  const copies = plan.snapshots.map((s) => `${s.kind} ${s.source} as ${s.name}`);
  const required = plan.missing.filter((m) => !m.optional);
  const optional = plan.missing.filter((m) => m.optional);
  const where = (m: SnapshotPlan["missing"][number]): string => `${m.kind} ${m.name} (${m.paths.join(", ")})`;
  const parts =
    copies.length > 0 ? [`snapshots: ${copies.join(", ")}`] : ["no ConfigMap or Secret referenced"];
  if (optional.length > 0)
    parts.push(
      `optional and absent, left as written (pods start without them): ${optional.map(where).join(", ")}`,
    );
  if (plan.pinnedGone.length > 0) {
    const gone = plan.pinnedGone.map((g) => `${g.kind} ${g.name} (the copy of ${g.source})`).join(", ");
    parts.unshift(
      `deleted by hand: ${gone}, pinned by an undo; running pods keep what they read, new pods of this revision cannot start; edit the source or the template to make a new revision`,
    );
    return {
      type: "ConfigSnapshots",
      status: "False",
      reason: "PinnedSnapshotDeleted",
      message: parts.join("; "),
    };
  }
  if (required.length === 0)
    return { type: "ConfigSnapshots", status: "True", reason: "SnapshotsReady", message: parts.join("; ") };
  parts.unshift(
    `not found: ${required.map(where).join(", ")}; pods of this revision wait for it as Kubernetes pods do, and creating it starts a new revision`,
  );
  return { type: "ConfigSnapshots", status: "False", reason: "SourceNotFound", message: parts.join("; ") };
}
