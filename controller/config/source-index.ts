import type { StoredRollout } from "../api/rollout.js";
import { discoverRefs, sourceKey, type SourceKind } from "./refs.js";

/**
 * Which Rollouts (with spec.configSnapshots) reference which ConfigMaps and Secrets, so that a
 * source's change enqueues exactly them. Kept up to date from Rollout events; a periodic resync
 * still reconciles every Rollout, so a missed event delays but never loses a change.
 */
export class SourceIndex {
  private readonly bySource = new Map<string, Set<string>>();
  private readonly byRollout = new Map<string, string[]>();

  update(rolloutKey: string, ro: StoredRollout | undefined): void {
    for (const s of this.byRollout.get(rolloutKey) ?? []) this.bySource.get(s)?.delete(rolloutKey);
    this.byRollout.delete(rolloutKey);
    if (!ro?.spec?.configSnapshots) return;
    const ns = ro.metadata.namespace ?? "";
    const sources = discoverRefs(ro.spec.template?.spec).map((r) => `${ns}/${sourceKey(r.kind, r.name)}`);
    this.byRollout.set(rolloutKey, sources);
    for (const s of sources) {
      const set = this.bySource.get(s) ?? new Set();
      set.add(rolloutKey);
      this.bySource.set(s, set);
    }
  }

  rolloutsFor(namespace: string, kind: SourceKind, name: string): string[] {
    return [...(this.bySource.get(`${namespace}/${sourceKey(kind, name)}`) ?? [])];
  }
}
