import type * as k8s from "@kubernetes/client-node";

/**
 * Our own writes of an object, held until the watch brings them back. A reconcile that runs in
 * between (a ReplicaSet event right after a status write) would otherwise plan from the older
 * object in the cache and write with its resourceVersion: a 409, a requeue, and a wasted request
 * on a busy API server (100 canaries stepping at once met 984-1,329 of them in 3,700-4,200 status
 * writes). The object a write returned is the server's own state at that resourceVersion, so
 * planning from it is planning from the truth, only sooner.
 *
 * An entry is used while the cache still shows a version we wrote over (the one read before our
 * first write, or one of ours since); once the cache shows our newest write, or anything else (a
 * user's edit, a relist), the cache is at least as new and the entry is dropped.
 */
export class WrittenAhead<T extends k8s.KubernetesObject> {
  private readonly entries = new Map<string, { behind: Set<string>; written: T }>();

  /** Notes that `written` (what the write returned) replaced `over` (what the write was planned from). */
  record(key: string, over: T, written: T): void {
    const entry = this.entries.get(key);
    const behind = entry?.behind ?? new Set<string>();
    const overVersion = over.metadata?.resourceVersion;
    if (overVersion) behind.add(overVersion);
    this.entries.set(key, { behind, written });
  }

  /** Forgets the key: the next read is the cache's (a write whose result we do not have). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** The object to plan from: our newest write while the cache is behind it, else the cache's. */
  read(key: string, cached: T | undefined): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return cached;
    const version = cached?.metadata?.resourceVersion;
    if (version !== undefined && entry.behind.has(version)) return entry.written;
    this.entries.delete(key);
    return cached;
  }

  get size(): number {
    return this.entries.size;
  }
}
