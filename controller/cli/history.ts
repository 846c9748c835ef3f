import type { V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import { changeCauseAnnotation, completedAnnotation, podTemplateHashLabel } from "../rollout/labels.js";
import { revisionOf } from "../rollout/revisions.js";
import { parseRecords, snapshotsAnnotation, type SnapshotRecord } from "../config/snapshot.js";

/** One revision as `kubectl kestrel history` shows it: a rollback target and how it fared. */
export interface HistoryRow {
  revision: number;
  podTemplateHash: string;
  images: string[];
  changeCause: string;
  created: string;
  /** completed, aborted (with the analysis verdict when analysis decided), current or never completed. */
  outcome: string;
  /** Completed and no analysis of it failed: a safe target for undo --to-last-good. */
  good: boolean;
  /** The config snapshots its pods use (spec.configSnapshots), as recorded on its ReplicaSet. */
  config: SnapshotRecord[];
}

export function historyRows(
  replicaSets: readonly V1ReplicaSet[],
  runs: readonly AnalysisRun[],
  currentHash?: string,
): HistoryRow[] {
  return replicaSets
    .filter((rs) => revisionOf(rs) > 0)
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? "";
      const mine = runs.filter((r) => r.metadata.labels?.[podTemplateHashLabel] === hash);
      const failed = mine.find((r) => r.status?.phase === "Failed" || r.status?.phase === "Error");
      const completed = rs.metadata?.annotations?.[completedAnnotation] === "true";
      let outcome = completed ? "completed" : hash === currentHash ? "in progress" : "never completed";
      if (failed) outcome = `aborted: ${failed.status?.message ?? failed.status?.phase}`;
      if (completed && mine.some((r) => r.status?.phase === "Successful"))
        outcome = "completed, analysis passed";
      return {
        revision: revisionOf(rs),
        podTemplateHash: hash,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
        changeCause: rs.metadata?.annotations?.[changeCauseAnnotation] ?? "",
        created: String(
          rs.metadata?.creationTimestamp instanceof Date
            ? rs.metadata.creationTimestamp.toISOString()
            : (rs.metadata?.creationTimestamp ?? ""),
        ),
        outcome,
        good: completed && !failed,
        config: parseRecords(rs.metadata?.annotations?.[snapshotsAnnotation]),
      };
    })
    .sort((a, b) => a.revision - b.revision);
}

/** The newest revision that completed with no failed analysis, other than the current one. */
export function lastGood(rows: readonly HistoryRow[], currentHash?: string): HistoryRow | undefined {
  return [...rows].reverse().find((r) => r.good && r.podTemplateHash !== currentHash);
}

/** A revision's config objects for the history table: `ConfigMap/app-config@<digest>`, by source. */
export function configColumn(config: readonly SnapshotRecord[]): string {
  if (config.length === 0) return "<none>";
  return config.map((c) => `${c.kind}/${c.source}@${c.digest}`).join(",");
}

/** What happened to one source between two revisions. Keys only: a value is never shown. */
export interface ConfigChange {
  kind: SnapshotRecord["kind"];
  source: string;
  /** added/removed: the revision started/stopped referencing the source at all. */
  change: "added" | "removed" | "changed" | "unchanged";
  addedKeys: string[];
  removedKeys: string[];
  changedKeys: string[];
}

const keyOf = (r: SnapshotRecord): string => `${r.kind}/${r.source}`;

/** Per source referenced by either revision, which keys `current` added, removed or changed against `previous`. */
export function configChanges(
  previous: readonly SnapshotRecord[],
  current: readonly SnapshotRecord[],
): ConfigChange[] {
  const before = new Map(previous.map((r) => [keyOf(r), r]));
  const after = new Map(current.map((r) => [keyOf(r), r]));
  const sources = [...new Set([...before.keys(), ...after.keys()])].sort();
  return sources.map((k) => {
    const b = before.get(k);
    const a = after.get(k);
    const { kind, source } = (a ?? b)!;
    const bk = b?.keys ?? {};
    const ak = a?.keys ?? {};
    const names = [...new Set([...Object.keys(bk), ...Object.keys(ak)])].sort();
    const addedKeys = names.filter((n) => !(n in bk));
    const removedKeys = names.filter((n) => !(n in ak));
    const changedKeys = names.filter((n) => n in bk && n in ak && bk[n] !== ak[n]);
    let change: ConfigChange["change"] = "unchanged";
    if (!b) change = "added";
    else if (!a) change = "removed";
    else if (b.digest !== a.digest) change = "changed";
    return { kind, source, change, addedKeys, removedKeys, changedKeys };
  });
}

/**
 * `history --revision=N`'s account of its configuration against the revision before it: one
 * line per source, naming keys only (a digest change with no key change is the Secret's type).
 */
export function describeConfigChanges(
  revision: number,
  previousRevision: number | undefined,
  changes: readonly ConfigChange[],
): string {
  if (previousRevision === undefined) return `config: revision ${revision} is the first revision`;
  if (changes.length === 0)
    return `config: neither revision ${previousRevision} nor ${revision} has config snapshots`;
  const lines = [`config changes against revision ${previousRevision}:`];
  for (const c of changes) {
    const parts = [
      c.addedKeys.length > 0 ? `added ${c.addedKeys.join(", ")}` : "",
      c.removedKeys.length > 0 ? `removed ${c.removedKeys.join(", ")}` : "",
      c.changedKeys.length > 0 ? `changed ${c.changedKeys.join(", ")}` : "",
    ].filter((p) => p !== "");
    const what =
      c.change === "added" ? "newly referenced" : c.change === "removed" ? "no longer referenced" : c.change;
    const keys =
      parts.length > 0
        ? `: ${parts.join("; ")}`
        : c.change === "changed"
          ? ": changed (the Secret type), keys as before"
          : "";
    lines.push(`  ${c.kind} ${c.source} ${what}${keys}`);
  }
  return lines.join("\n");
}
