import type * as k8s from "@kubernetes/client-node";

const keyOf = (obj: k8s.KubernetesObject): string =>
  `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;

const controllerUid = (obj: k8s.KubernetesObject): string | undefined =>
  obj.metadata?.ownerReferences?.find((r) => r.controller)?.uid;

/**
 * The cached objects of one kind by the uid of their controlling owner, kept current from the
 * informer's add/update/delete. A reconcile then reads its own ReplicaSets in time proportional
 * to their number, not to every ReplicaSet of the namespace: with 10,000 Rollouts in one
 * namespace a filtered list made each periodic resync quadratic.
 */
export class OwnerIndex<T extends k8s.KubernetesObject> {
  private readonly byOwner = new Map<string, Map<string, T>>();
  /** Each object's owner when it was last seen, so an update that changes it moves the entry. */
  private readonly ownerOfKey = new Map<string, string>();

  update(event: "add" | "update" | "delete", obj: T): void {
    const key = keyOf(obj);
    const before = this.ownerOfKey.get(key);
    const after = event === "delete" ? undefined : controllerUid(obj);
    if (before !== undefined && before !== after) {
      const owned = this.byOwner.get(before);
      owned?.delete(key);
      if (owned?.size === 0) this.byOwner.delete(before);
      this.ownerOfKey.delete(key);
    }
    if (after === undefined) return;
    let owned = this.byOwner.get(after);
    if (!owned) this.byOwner.set(after, (owned = new Map()));
    owned.set(key, obj);
    this.ownerOfKey.set(key, after);
  }

  /**
   * Puts the object a write of ours returned in place of the one it was written over, so a
   * reconcile that runs before the watch brings the change back already sees it. Only while the
   * entry still holds that older object (same resourceVersion): if the watch has moved it on,
   * the cache is at least as new as the write and is left alone. Returns whether it replaced.
   */
  assume(over: T, written: T): boolean {
    const key = keyOf(written);
    const owner = this.ownerOfKey.get(key);
    const current = owner === undefined ? undefined : this.byOwner.get(owner)?.get(key);
    if (!current || current.metadata?.resourceVersion !== over.metadata?.resourceVersion) return false;
    this.update("update", written);
    return true;
  }

  /** The objects whose controlling owner has this uid. */
  ownedBy(uid: string | undefined): T[] {
    return uid === undefined ? [] : [...(this.byOwner.get(uid)?.values() ?? [])];
  }
}
