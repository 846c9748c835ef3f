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
  /** What each informer lists and watches (benchmarks list the same to measure the API server alone). */
  readonly paths: string[];

  constructor(
    readonly kind: WatchedKind,
    { kc, namespaces, log, watchTimeoutSeconds }: CacheScope,
    onEvent: (event: InformerEvent, obj: T) => void,
  ) {
    // CustomObjectsApi lists any named group (apps, kestrel.dev) through one code path.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const scopes = kind.namespaced && namespaces.length > 0 ? namespaces : [undefined];
    this.paths = scopes.map((namespace) => kindPath(kind, namespace));
    this.informers = scopes.map((namespace, i) => {
      const path = this.paths[i]!;
      const name = `${kind.name}${namespace ? ` in ${namespace}` : ""}`;
      let relist = false;
      const list = async (): Promise<k8s.KubernetesListObject<T>> => {
        const { group, version, plural, labelSelector } = kind;
        const options = wireProbe(log, name);
        const { resourceVersion } = listVersion(relist);
        relist = true;
        if (!group)
          return (await listCore(
            core,
            plural,
            namespace,
            { labelSelector, resourceVersion },
            options,
          )) as k8s.KubernetesListObject<T>;
        const res = namespace
          ? await custom.listNamespacedCustomObject(
              { group, version, plural, namespace, labelSelector, resourceVersion },
              options,
            )
          : await custom.listClusterCustomObject(
              { group, version, plural, labelSelector, resourceVersion },
              options,
            );
        return res as k8s.KubernetesListObject<T>;
      };
      return new SupervisedInformer<T>({
        name,
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

/** Where a kind is listed and watched: in one namespace, or cluster-wide when none is given. */
export function kindPath(kind: WatchedKind, namespace?: string): string {
  // The core group ("": ConfigMaps, Secrets) lives under /api, not /apis.
  const prefix = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return namespace ? `${prefix}/namespaces/${namespace}/${kind.plural}` : `${prefix}/${kind.plural}`;
}

/**
 * Which resourceVersion an informer's list asks for, as client-go's reflector chooses it. The
 * first list of an informer asks for "0": any version the API server has, served from its watch
 * cache, where an unset one is a consistent read (the current revision fetched from etcd and,
 * since Kubernetes 1.31, the watch cache waited on until it has caught up). The watch that follows
 * starts from the list's own resourceVersion, so whatever the cache had not yet seen arrives as
 * watch events; nothing is lost, the cache is at most briefly behind. A relist (ListWatch relists
 * only after 410 Gone: the version it watched from is too old) asks for a consistent read instead,
 * so the cache never goes back to a version older than one it has already held.
 */
export function listVersion(relist: boolean): { resourceVersion?: string } {
  return relist ? {} : { resourceVersion: "0" };
}

/** Lists ConfigMaps or Secrets (CustomObjectsApi only builds /apis/... paths). */
function listCore(
  core: k8s.CoreV1Api,
  plural: string,
  namespace: string | undefined,
  query: { labelSelector?: string; resourceVersion?: string },
  options: k8s.ConfigurationOptions,
): Promise<k8s.KubernetesListObject<k8s.KubernetesObject>> {
  if (plural === "configmaps")
    return namespace
      ? core.listNamespacedConfigMap({ namespace, ...query }, options)
      : core.listConfigMapForAllNamespaces(query, options);
  if (plural === "secrets" && namespace) return core.listNamespacedSecret({ namespace, ...query }, options);
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

/**
 * Per-request options that log, at debug, when a list's answer began to arrive and how many bytes
 * its body took to read: a start-up's time goes to the API server, the wire or our parsing, and
 * only these separate them.
 */
function wireProbe(log: Logger, informer: string): k8s.ConfigurationOptions {
  return {
    middlewareMergeStrategy: "append",
    middleware: [
      {
        pre: (context) => new k8s.Observable(Promise.resolve(context)),
        post: (context) => {
          const headersAt = performance.now();
          const text = context.body.text.bind(context.body);
          context.body.text = async () => {
            const body = await text();
            const readAt = performance.now();
            log.debug("informer list body read", {
              informer,
              status: context.httpStatusCode,
              encoding: context.headers["content-encoding"] ?? "identity",
              bytes: body.length,
              headersAtMs: Math.round(headersAt),
              readMs: Math.round(readAt - headersAt),
            });
            return body;
          };
          return new k8s.Observable(Promise.resolve(context));
        },
      },
    ],
  };
}
