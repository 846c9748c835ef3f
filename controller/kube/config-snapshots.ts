import * as k8s from "@kubernetes/client-node";
import { apiVersion } from "../api/common.js";
import type { StoredRollout } from "../api/rollout.js";
import type { ConfigSources } from "../config/hook.js";
import type { SourceContent } from "../config/naming.js";
import { discoverRefs, sourceKey, type SourceKind } from "../config/refs.js";
import {
  parsePin,
  pinAnnotation,
  rolloutLabel,
  snapshotLabel,
  sourceLabel,
  type PlannedSnapshot,
} from "../config/snapshot.js";
import type { Logger } from "../log.js";
import type { EventRecorder } from "./events.js";
import type { KindCache, WatchedKind } from "./informers.js";

export const configKinds = {
  configMaps: { name: "configmaps", group: "", version: "v1", plural: "configmaps", namespaced: true },
  secrets: { name: "secrets", group: "", version: "v1", plural: "secrets", namespaced: true },
} satisfies Record<string, WatchedKind>;

type Source = k8s.V1ConfigMap | k8s.V1Secret;

export interface ConfigCaches {
  configMaps: KindCache<k8s.V1ConfigMap>;
  /** Absent when the controller watches the whole cluster: Secrets are never listed cluster-wide. */
  secrets?: KindCache<k8s.V1Secret>;
}

const notFound = (err: unknown): boolean => err instanceof k8s.ApiException && err.code === 404;
const labelValue = (v: string): string | undefined => (v.length <= 63 ? v : undefined);

/**
 * The shell of config snapshots: reads the sources a Rollout references (from the caches; a
 * Secret by GET when no Secret cache may exist) and makes the immutable copies a revision's
 * ReplicaSet names, owned by every ReplicaSet that uses them (Kubernetes' garbage collector
 * deletes a copy once its last ReplicaSet is gone: revisionHistoryLimit takes copies along).
 */
export class ConfigSnapshotter {
  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly caches: ConfigCaches,
    private readonly events?: EventRecorder,
  ) {}

  /**
   * The copies an undo pinned (annotation kestrel.dev/config-pin) that no longer exist, as
   * sourceKey(kind, copy): the planner reports them in a condition. Read from the cache first; a
   * GET confirms an absence (the cache may lag), so a pin costs no request while its copy exists.
   */
  async pinnedGone(ro: StoredRollout): Promise<Set<string>> {
    const namespace = ro.metadata.namespace ?? "";
    const gone = new Set<string>();
    for (const p of Object.values(parsePin(ro.metadata.annotations?.[pinAnnotation]))) {
      if (!p || typeof p.name !== "string") continue;
      const found =
        (await this.read(p.kind, p.name, namespace)) ?? (await this.get(p.kind, p.name, namespace));
      if (!found) gone.add(sourceKey(p.kind, p.name));
    }
    return gone;
  }

  private async read(kind: SourceKind, name: string, namespace: string): Promise<Source | undefined> {
    const cache = kind === "ConfigMap" ? this.caches.configMaps : this.caches.secrets;
    if (cache) return cache.get(name, namespace);
    return this.core.readNamespacedSecret({ name, namespace }).catch((err: unknown) => {
      if (notFound(err)) return undefined;
      throw err;
    });
  }

  /** The sources spec.template references, as they are now (missing ones absent). */
  async sources(ro: StoredRollout): Promise<ConfigSources> {
    const namespace = ro.metadata.namespace ?? "";
    const out = new Map<string, SourceContent>();
    for (const ref of discoverRefs(ro.spec.template?.spec)) {
      const obj = await this.read(ref.kind, ref.name, namespace);
      if (!obj) continue;
      out.set(sourceKey(ref.kind, ref.name), {
        kind: ref.kind,
        name: ref.name,
        uid: obj.metadata?.uid,
        type: (obj as k8s.V1Secret).type,
        data: obj.data,
        binaryData: (obj as k8s.V1ConfigMap).binaryData,
      });
    }
    return out;
  }

  /** Every copy exists and names this ReplicaSet among its owners. Idempotent; no write when all is in place. */
  async ensure(
    ro: StoredRollout,
    rs: k8s.V1ReplicaSet,
    snapshots: readonly PlannedSnapshot[],
    log: Logger,
  ): Promise<void> {
    const namespace = ro.metadata.namespace ?? "";
    const owner: k8s.V1OwnerReference = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: rs.metadata?.name ?? "",
      uid: rs.metadata?.uid ?? "",
    };
    for (const s of snapshots) {
      const existing =
        (await this.read(s.kind, s.name, namespace)) ?? (await this.get(s.kind, s.name, namespace));
      if (existing) {
        await this.adopt(s.kind, existing, owner);
        continue;
      }
      if (!s.content) {
        // A pinned copy deleted by hand: nothing to copy it from (the source has moved on). The
        // ConfigSnapshots condition (PinnedSnapshotDeleted) tells the user; the other copies proceed.
        log.warn("pinned config snapshot is gone", { kind: s.kind, snapshot: s.name, source: s.source });
        continue;
      }
      if (await this.create(ro, s, s.content, owner)) this.created(ro, s, owner.name, log);
    }
  }

  /** The Event and log line for a copy this controller has just made. */
  private created(ro: StoredRollout, s: PlannedSnapshot, replicaSet: string, log: Logger): void {
    const message = `created ${s.kind} ${s.name}, an immutable copy of ${s.source} (digest ${s.digest}), for ReplicaSet ${replicaSet}`;
    log.info(message, { kind: s.kind, snapshot: s.name, source: s.source, replicaSet });
    this.events?.emit(
      {
        apiVersion: ro.apiVersion ?? apiVersion,
        kind: "Rollout",
        name: ro.metadata.name ?? "",
        namespace: ro.metadata.namespace ?? "",
        uid: ro.metadata.uid,
        resourceVersion: ro.metadata.resourceVersion,
      },
      { type: "Normal", reason: "ConfigSnapshotCreated", message },
    );
  }

  private async get(kind: SourceKind, name: string, namespace: string): Promise<Source | undefined> {
    const read =
      kind === "ConfigMap"
        ? this.core.readNamespacedConfigMap({ name, namespace })
        : this.core.readNamespacedSecret({ name, namespace });
    return read.catch((err: unknown) => {
      if (notFound(err)) return undefined;
      throw err;
    });
  }

  private async create(
    ro: StoredRollout,
    s: PlannedSnapshot,
    content: SourceContent,
    owner: k8s.V1OwnerReference,
  ): Promise<boolean> {
    const namespace = ro.metadata.namespace ?? "";
    const labels: Record<string, string> = { [snapshotLabel]: "true" };
    const roName = labelValue(ro.metadata.name ?? "");
    if (roName) labels[rolloutLabel] = roName;
    const source = labelValue(s.source);
    if (source) labels[sourceLabel] = source;
    const metadata: k8s.V1ObjectMeta = {
      name: s.name,
      namespace,
      labels,
      annotations: { [sourceLabel]: s.source, "kestrel.dev/config-digest": s.digest },
      ownerReferences: [owner],
    };
    const body = { metadata, immutable: true, data: content.data };
    try {
      if (s.kind === "ConfigMap")
        await this.core.createNamespacedConfigMap({
          namespace,
          body: { ...body, binaryData: content.binaryData },
        });
      else await this.core.createNamespacedSecret({ namespace, body: { ...body, type: content.type } });
      return true;
    } catch (err) {
      // Created a moment ago (by us before a crash, or the cache lags): same name, same content.
      if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
      const existing = await this.get(s.kind, s.name, namespace);
      if (existing) await this.adopt(s.kind, existing, owner);
      return false;
    }
  }

  /** Adds the ReplicaSet to the copy's owners (metadata stays writable on an immutable object). */
  private async adopt(kind: SourceKind, obj: Source, owner: k8s.V1OwnerReference): Promise<void> {
    const owners = obj.metadata?.ownerReferences ?? [];
    if (owners.some((o) => o.uid === owner.uid)) return;
    const ops = [
      { op: "replace", path: "/metadata/resourceVersion", value: obj.metadata?.resourceVersion },
      owners.length === 0
        ? { op: "add", path: "/metadata/ownerReferences", value: [owner] }
        : { op: "add", path: "/metadata/ownerReferences/-", value: owner },
    ];
    const name = obj.metadata?.name ?? "";
    const namespace = obj.metadata?.namespace ?? "";
    const patch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
    if (kind === "ConfigMap") await this.core.patchNamespacedConfigMap({ name, namespace, body: ops }, patch);
    else await this.core.patchNamespacedSecret({ name, namespace, body: ops }, patch);
  }
}
