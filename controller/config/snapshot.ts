/**
 * Config snapshots: a Kestrel revision is its code and its configuration together.
 *
 * Design (the decisions the rest of the code relies on):
 * - Opt-in (spec.configSnapshots: true). Off, nothing here runs and templates are untouched: an
 *   Argo manifest behaves as under Argo, and no ConfigMap or Secret is read.
 * - Revision identity: every ConfigMap/Secret the template references is copied to an immutable
 *   `<source>-<content digest>` and the template is rewritten to name the copies BEFORE hashing.
 *   The pod template hash is the hash of that rewritten template, so a change of referenced
 *   content changes the copy's name, hence the template, hence the hash: a ConfigMap edit is a
 *   new revision that walks the canary steps and analysis like an image change, and an unchanged
 *   one hashes as before (the ReplicaSet's template is exactly the rewritten template).
 * - The ReplicaSet records its copies (annotation kestrel.dev/config-snapshots: kind, source,
 *   copy, digest, a digest per key) so history can say which keys changed without any value,
 *   and so an undo can turn its template back into the user's form (restoreTemplate).
 * - Undo: spec.template goes back to the user's form (source names), and the Rollout gets a pin
 *   (annotation kestrel.dev/config-pin): per source, the revision's copy and the digest the
 *   source had when the undo was made. While the source still has that content, the pinned copy
 *   is used instead of a copy of the (newer, bad) source, so the hash is the undone revision's
 *   and its ReplicaSet (and its own copies) serve again. Editing the source ends the pin for it:
 *   the edit is a new revision, as any edit is.
 * - A missing source is left as the user wrote it (the pod behaves as Kubernetes makes it:
 *   optional ones start without it, required ones wait), and a ConfigSnapshots condition says
 *   so. When it appears, the template changes (it now names a copy): a new revision.
 * - Copies are owned by the ReplicaSets that use them (several when revisions share content), so
 *   revisionHistoryLimit's deletion of a ReplicaSet takes its copies with it.
 */
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { contentDigest, keyDigests, snapshotName, type SourceContent } from "./naming.js";
import { discoverRefs, forEachRef, sourceKey, type SourceKind, type SourceRef } from "./refs.js";

/** On a ReplicaSet: JSON array of SnapshotRecord, the copies its template names. */
export const snapshotsAnnotation = "kestrel.dev/config-snapshots";
/** On a Rollout: JSON object sourceKey -> PinnedSnapshot, written by an undo. */
export const pinAnnotation = "kestrel.dev/config-pin";
/** On copies: the Rollout and source (labels, when short enough to be label values). */
export const snapshotLabel = "kestrel.dev/config-snapshot";
export const rolloutLabel = "kestrel.dev/rollout";
export const sourceLabel = "kestrel.dev/config-source";

export interface SnapshotRecord {
  kind: SourceKind;
  source: string;
  name: string;
  digest: string;
  /** key -> digest of its value. */
  keys: Record<string, string>;
}

export interface PinnedSnapshot extends SnapshotRecord {
  /** The source's digest when the undo was made: the pin holds while the source still has it. */
  sourceDigest: string;
}

export type Pin = Record<string, PinnedSnapshot>;

export interface PlannedSnapshot extends SnapshotRecord {
  /** What to copy; absent when pinned (the copy exists already, made for the undone revision). */
  content?: SourceContent;
}

export interface SnapshotPlan {
  /** spec.template with every snapshotted reference pointing at its copy. */
  template: V1PodTemplateSpec;
  snapshots: PlannedSnapshot[];
  missing: SourceRef[];
  /** Pinned copies (an undo's) deleted by hand: the template still names them, a condition says so. */
  pinnedGone: SnapshotRecord[];
}

/** The snapshots spec.template needs, given the sources as they are now and an undo's pin. */
export function planSnapshots(
  template: V1PodTemplateSpec,
  sources: ReadonlyMap<string, SourceContent>,
  pin: Pin,
  /** sourceKey(kind, copy name) of pinned copies that no longer exist. */
  goneCopies: ReadonlySet<string> = new Set(),
): SnapshotPlan {
  const snapshots: PlannedSnapshot[] = [];
  const missing: SourceRef[] = [];
  const pinnedGone: SnapshotRecord[] = [];
  for (const ref of discoverRefs(template.spec)) {
    const key = sourceKey(ref.kind, ref.name);
    const content = sources.get(key);
    if (!content) {
      missing.push(ref);
      continue;
    }
    const digest = contentDigest(content);
    const pinned = pin[key];
    if (pinned && pinned.sourceDigest === digest) {
      const { sourceDigest: _ignored, ...record } = pinned;
      snapshots.push(record);
      if (goneCopies.has(sourceKey(record.kind, record.name))) pinnedGone.push(record);
    } else {
      const record = { kind: ref.kind, source: ref.name, digest, keys: keyDigests(content) };
      snapshots.push({ ...record, name: snapshotName(ref.name, digest), content });
    }
  }
  return { template: renameRefs(template, snapshots, "toCopy"), snapshots, missing, pinnedGone };
}

/** A copy of the template with references renamed: source -> copy, or back (copy -> source). */
function renameRefs(
  template: V1PodTemplateSpec,
  records: readonly SnapshotRecord[],
  direction: "toCopy" | "toSource",
): V1PodTemplateSpec {
  const out = structuredClone(template);
  const names = new Map(
    records.map((r) =>
      direction === "toCopy" ? [sourceKey(r.kind, r.source), r.name] : [sourceKey(r.kind, r.name), r.source],
    ),
  );
  forEachRef(out.spec, (site) => {
    const renamed = names.get(sourceKey(site.kind, site.name));
    if (renamed !== undefined) site.rename(renamed);
  });
  return out;
}

/** The user's form of a revision's template: its copies' names turned back into their sources'. */
export function restoreTemplate(
  template: V1PodTemplateSpec,
  records: readonly SnapshotRecord[],
): V1PodTemplateSpec {
  return records.length === 0 ? template : renameRefs(template, records, "toSource");
}

/** The pin an undo to a revision with these copies writes, given the sources as they are now. */
export function pinFor(records: readonly SnapshotRecord[], sources: ReadonlyMap<string, SourceContent>): Pin {
  const pin: Pin = {};
  for (const r of records) {
    const content = sources.get(sourceKey(r.kind, r.source));
    // A source deleted since has no digest to hold: the next pass reports it missing instead.
    if (content) pin[sourceKey(r.kind, r.source)] = { ...r, sourceDigest: contentDigest(content) };
  }
  return pin;
}

/** The records stored on the ReplicaSet (no content: never a value in an annotation). */
export const recordsOf = (snapshots: readonly PlannedSnapshot[]): SnapshotRecord[] =>
  snapshots.map(({ kind, source, name, digest, keys }) => ({ kind, source, name, digest, keys }));

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // a hand-edited annotation: treated as absent, never a crash
  }
}

export function parseRecords(text: string | undefined): SnapshotRecord[] {
  const v = parseJson(text);
  return Array.isArray(v) ? (v as SnapshotRecord[]).filter((r) => r && typeof r.name === "string") : [];
}

export function parsePin(text: string | undefined): Pin {
  const v = parseJson(text);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Pin) : {};
}
