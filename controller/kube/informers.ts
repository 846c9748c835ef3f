import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import { SupervisedInformer, type InformerEvent } from "./informer.js";
import { OwnerIndex } from "./owner-index.js";

/** A kind the controller caches: where to list and watch it. */
export interface WatchedKind {
  name: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  labelSelector?: string;
}

/** What every cache of one controller shares: its client, the namespaces it watches, its log, its watch timeout. */
export interface CacheScope {
  kc: k8s.KubeConfig;
  /** Namespaces to watch; empty means the whole cluster. */
  namespaces: string[];
  log: Logger;
  /** See InformerOptions.watchTimeoutSeconds. */
  watchTimeoutSeconds?: number;
}

/**
 * One informer per kind for the whole cluster, or one per kind per watched namespace, behind a
 * single read interface so the reconcilers never know which.
 */
export class KindCache<T extends k8s.KubernetesObject> {
  private readonly informers: SupervisedInformer<T>[];
  private readonly owners = new OwnerIndex<T>();

  constructor(
    readonly kind: WatchedKind,
    { kc, namespaces, log, watchTimeoutSeconds }: CacheScope,
    onEvent: (event: InformerEvent, obj: T) => void,
  ) {
    // CustomObjectsApi lists any named group (apps, kestrel.dev) through one code path.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const scopes = kind.namespaced && namespaces.length > 0 ? namespaces : [undefined];
    this.informers = scopes.map((namespace) => {
      // The core group ("": ConfigMaps, Secrets) lives under /api, not /apis.
      const prefix = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
      const path = namespace
        ? `${prefix}/namespaces/${namespace}/${kind.plural}`
        : `${prefix}/${kind.plural}`;
      const list = async (): Promise<k8s.KubernetesListObject<T>> => {
        const { group, version, plural, labelSelector } = kind;
        if (!group)
          return (await listCore(core, plural, namespace, labelSelector)) as k8s.KubernetesListObject<T>;
        const res = namespace
          ? await custom.listNamespacedCustomObject({ group, version, plural, namespace, labelSelector })
          : await custom.listClusterCustomObject({ group, version, plural, labelSelector });
        return res as k8s.KubernetesListObject<T>;
      };
      return new SupervisedInformer<T>({
        name: `${kind.name}${namespace ? ` in ${namespace}` : ""}`,
        kc,
        path,
        list,
        labelSelector: kind.labelSelector,
        onEvent: (event, obj) => {
          this.owners.update(event, obj);
          onEvent(event, obj);
        },
        log,
        watchTimeoutSeconds,
      });
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  list(namespace?: string): readonly T[] {
    return this.informers.flatMap((i) => i.list(namespace));
  }

  get(name: string, namespace?: string): T | undefined {
    for (const i of this.informers) {
      const found = i.get(name, namespace);
      if (found) return found;
    }
    return undefined;
  }

  /** See OwnerIndex.assume: what ownedBy returns may run ahead of the watch by our own writes. */
  assume(over: T, written: T): boolean {
    return this.owners.assume(over, written);
  }

  /** The cached objects whose controlling owner has this uid. */
  ownedBy(uid: string | undefined): T[] {
    return this.owners.ownedBy(uid);
  }

  health(): Record<string, string> {
    const checks: Record<string, string> = {};
    this.informers.forEach((i, n) => {
      const key = `informer:${this.kind.name}${this.informers.length > 1 ? `#${n}` : ""}`;
      checks[key] = i.isHealthy()
        ? "ok"
        : i.hasSynced()
          ? `watch error: ${i.lastError ?? "unknown"}`
          : "not synced";
    });
    return checks;
  }
}

/** Lists ConfigMaps or Secrets (CustomObjectsApi only builds /apis/... paths). */
function listCore(
  core: k8s.CoreV1Api,
  plural: string,
  namespace: string | undefined,
  labelSelector: string | undefined,
): Promise<k8s.KubernetesListObject<k8s.KubernetesObject>> {
  if (plural === "configmaps")
    return namespace
      ? core.listNamespacedConfigMap({ namespace, labelSelector })
      : core.listConfigMapForAllNamespaces({ labelSelector });
  if (plural === "secrets" && namespace) return core.listNamespacedSecret({ namespace, labelSelector });
  // Never a cluster-wide list of Secrets: the caller reads them one by one instead.
  throw new Error(`no core list for ${plural}${namespace ? ` in ${namespace}` : " cluster-wide"}`);
}

export const objectKey = (obj: k8s.KubernetesObject): string =>
  `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;

/** The namespace/name of the object's controlling owner of the given kind, if any. */
export function controllerOwnerKey(obj: k8s.KubernetesObject, ownerKind: string): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller && r.kind === ownerKind);
  return ref ? `${obj.metadata?.namespace ?? ""}/${ref.name}` : undefined;
}
