import * as k8s from "@kubernetes/client-node";
import { addressGuard } from "../analysis/address-guard.js";
import { addressPolicy } from "../analysis/address-policy.js";
import type { ControllerConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { EventRecorder } from "./events.js";
import { controllerOwnerKey, KindCache, objectKey, type CacheScope } from "./informers.js";
import { AnalysisReconciler, analysisKinds } from "./analysis-reconciler.js";
import { allProviders } from "../analysis/providers/registry.js";
import { RolloutReconciler, rolloutKinds, type RolloutCaches } from "./rollout-reconciler.js";
import { Runner } from "./runner.js";
import { SourceIndex } from "../config/source-index.js";
import { snapshotLabel } from "../config/snapshot.js";
import { ConfigSnapshotter, configKinds, type ConfigCaches } from "./config-snapshots.js";
import { verdictHandoff } from "./verdict-handoff.js";
import { groupAnnotation, instanceSelector } from "../rollout/labels.js";
import { lists } from "../group/selector.js";
import { listed } from "./group-view.js";
import type { RolloutObject } from "./rollout-actions.js";
import { atRest, awaitsReaction } from "./start-order.js";
import { GroupReconciler, groupKind, type GroupObject } from "./group-reconciler.js";

export interface ControllerDeps {
  kc: k8s.KubeConfig;
  config: ControllerConfig;
  log: Logger;
  metrics: Metrics;
}

/**
 * Wires caches to work queues: every change to a Rollout, or to a ReplicaSet or AnalysisRun it
 * controls, enqueues the Rollout's key; a periodic resync enqueues every key regardless.
 */
export class Controllers {
  private readonly caches: RolloutCaches;
  private readonly configCaches: ConfigCaches;
  private readonly sourceIndex = new SourceIndex();
  private readonly rollouts: Runner;
  private readonly runs: Runner;
  private readonly groups: Runner;
  private readonly groupCache: KindCache<GroupObject>;
  private readonly events: EventRecorder;
  private workersStarted = false;
  /**
   * True until every cache's first list is in. Meanwhile only Rollouts with work to do are queued
   * (start-order.ts); the workers' first resync queues every other one behind them.
   */
  private listing = true;

  constructor(private readonly deps: ControllerDeps) {
    const { kc, config, log } = deps;
    const enqueueOwner = (obj: k8s.KubernetesObject): void => {
      const key = controllerOwnerKey(obj, "Rollout");
      if (key) this.enqueueRollout(key);
    };
    const scope: CacheScope = {
      kc,
      namespaces: config.namespaces,
      log,
      watchTimeoutSeconds: config.watchTimeoutSeconds,
    };
    // Another instance's Rollouts and runs are not even cached: nothing here can act on them.
    this.caches = this.rolloutCaches(scope, enqueueOwner, instanceSelector(config.instanceId));
    this.configCaches = this.configCachesOf(scope, config.namespaces.length > 0);
    this.events = new EventRecorder(kc.makeApiClient(k8s.CoreV1Api), log, config.identity, () =>
      this.canAct(),
    );
    const reconciler = new RolloutReconciler({
      caches: this.caches,
      custom: kc.makeApiClient(k8s.CustomObjectsApi),
      apps: kc.makeApiClient(k8s.AppsV1Api),
      core: kc.makeApiClient(k8s.CoreV1Api),
      events: this.events,
      log,
      metrics: deps.metrics,
      canAct: () => this.canAct(),
      config: new ConfigSnapshotter(kc.makeApiClient(k8s.CoreV1Api), this.configCaches, this.events),
      groupExists: (name, namespace) => this.groupCache?.get(name, namespace) !== undefined,
      othersWaiting: () => this.rollouts.urgentWaiting(),
    });
    this.rollouts = new Runner({
      kind: "Rollout",
      reconcile: (key) => reconciler.reconcile(key),
      workers: config.workers,
      log,
      metrics: deps.metrics,
      keys: () => this.caches.rollouts.list().map(objectKey),
      resyncMs: config.resyncSeconds * 1000,
    });
    const analysis = new AnalysisReconciler({
      runs: this.caches.analysisRuns,
      custom: kc.makeApiClient(k8s.CustomObjectsApi),
      core: kc.makeApiClient(k8s.CoreV1Api),
      log,
      metrics: deps.metrics,
      canAct: () => this.canAct(),
      providers: allProviders({
        batch: kc.makeApiClient(k8s.BatchV1Api),
        core: kc.makeApiClient(k8s.CoreV1Api),
      }),
      addresses: addressGuard(addressPolicy(config.providerAllowedHosts, kc.getCurrentCluster()?.server)),
      written: verdictHandoff({
        assume: (over, written) => this.caches.analysisRuns.assume(over, written),
        enqueueOwner,
      }),
    });
    this.runs = new Runner({
      kind: "AnalysisRun",
      reconcile: (key) => analysis.reconcile(key),
      workers: config.workers,
      log,
      metrics: deps.metrics,
      keys: () => this.caches.analysisRuns.list().map(objectKey),
      resyncMs: config.resyncSeconds * 1000,
    });
    [this.groupCache, this.groups] = this.groupWiring(scope);
  }

  /** RolloutGroups: a change to a group, or to any Rollout a group lists, enqueues the group. */
  private groupWiring(scope: CacheScope): [KindCache<GroupObject>, Runner] {
    const { kc, config, log } = this.deps;
    const cache = new KindCache<GroupObject>(
      { ...groupKind, labelSelector: instanceSelector(config.instanceId) },
      scope,
      (e, obj) => {
        runner.enqueue(objectKey(obj));
        // A deleted group holds nothing: its members look again and move on as Rollouts of their own.
        if (e === "delete")
          for (const ro of this.caches.rollouts.list(obj.metadata?.namespace))
            if (ro.metadata?.annotations?.[groupAnnotation] === obj.metadata?.name)
              this.rollouts.enqueue(objectKey(ro));
      },
    );
    const groups = new GroupReconciler({
      groups: cache,
      rollouts: this.caches.rollouts,
      custom: kc.makeApiClient(k8s.CustomObjectsApi),
      replicaSets: this.caches.replicaSets,
      events: this.events,
      log,
      canAct: () => this.canAct(),
    });
    const runner: Runner = new Runner({
      kind: "RolloutGroup",
      reconcile: (key) => groups.reconcile(key),
      workers: 1,
      log,
      metrics: this.deps.metrics,
      keys: () => cache.list().map(objectKey),
      resyncMs: config.resyncSeconds * 1000,
    });
    return [cache, runner];
  }

  /** The groups that list this Rollout (a member's change may release, fail or settle a group). */
  private enqueueGroupsOf(ro: k8s.KubernetesObject): void {
    // The Rollout cache starts before the group cache exists in the constructor's order.
    if (!this.groupCache || !this.groups) return;
    // The groups that list it now, and the one whose mark it carries (it may have just left it).
    const mark = ro.metadata?.annotations?.[groupAnnotation];
    for (const g of this.groupCache.list(ro.metadata?.namespace))
      if (g.metadata?.name === mark || lists(g.spec, listed(ro as RolloutObject)))
        this.groups.enqueue(objectKey(g));
  }

  private canAct: () => boolean = () => false;

  /** A change that concerns this Rollout; while listing, the start's resync covers it. */
  private enqueueRollout(key: string): void {
    if (!this.listing) this.rollouts.enqueue(key);
  }

  /** The Rollout side's caches; each change enqueues the Rollouts it concerns. */
  private rolloutCaches(
    scope: CacheScope,
    enqueueOwner: (obj: k8s.KubernetesObject) => void,
    labelSelector: string,
  ): RolloutCaches {
    return {
      rollouts: new KindCache({ ...rolloutKinds.rollouts, labelSelector }, scope, (e, obj) => {
        this.sourceIndex.update(objectKey(obj), e === "delete" ? undefined : obj);
        // A person's change goes ahead of our own follow-ups (start-order.ts, awaitsReaction).
        if (!this.listing || !atRest(obj)) this.rollouts.enqueue(objectKey(obj), awaitsReaction(obj));
        this.enqueueGroupsOf(obj);
      }),
      // A Deployment that a Rollout's spec.workloadRef names: its template is that Rollout's.
      deployments: new KindCache(rolloutKinds.deployments, scope, (_e, obj) =>
        this.caches.rollouts
          .list(obj.metadata?.namespace)
          .filter((r) => r.spec.workloadRef?.name === obj.metadata?.name)
          .forEach((r) => this.enqueueRollout(objectKey(r))),
      ),
      replicaSets: new KindCache(rolloutKinds.replicaSets, scope, (_e, obj) => enqueueOwner(obj)),
      analysisRuns: new KindCache({ ...analysisKinds.analysisRuns, labelSelector }, scope, (_e, obj) => {
        this.runs.enqueue(objectKey(obj));
        enqueueOwner(obj);
      }),
      // A template that appears or changes may make a waiting (InvalidSpec) Rollout valid.
      analysisTemplates: new KindCache(analysisKinds.analysisTemplates, scope, (_e, obj) =>
        this.caches.rollouts.list(obj.metadata?.namespace).forEach((r) => this.enqueueRollout(objectKey(r))),
      ),
      // Cluster-scoped: watched across the cluster whatever namespaces the controller serves.
      clusterAnalysisTemplates: new KindCache(analysisKinds.clusterAnalysisTemplates, scope, () =>
        this.caches.rollouts.list().forEach((r) => this.enqueueRollout(objectKey(r))),
      ),
    };
  }

  /** Config snapshots' sources; Secrets only when the controller serves named namespaces. */
  private configCachesOf(scope: CacheScope, secretsToo: boolean): ConfigCaches {
    // Config snapshots: a change to a referenced ConfigMap or Secret is a new revision of the
    // Rollouts that reference it. Secrets are cached only in watched namespaces, never cluster-wide.
    const enqueueReferrers = (kind: "ConfigMap" | "Secret") => (_e: unknown, obj: k8s.KubernetesObject) => {
      if (obj.metadata?.labels?.[snapshotLabel]) return; // our own copies
      for (const key of this.sourceIndex.rolloutsFor(
        obj.metadata?.namespace ?? "",
        kind,
        obj.metadata?.name ?? "",
      ))
        this.enqueueRollout(key);
    };
    return {
      configMaps: new KindCache(configKinds.configMaps, scope, enqueueReferrers("ConfigMap")),
      secrets: secretsToo ? new KindCache(configKinds.secrets, scope, enqueueReferrers("Secret")) : undefined,
    };
  }

  /** Each informer's first list: its path and label selector (no request is sent). */
  firstLists(): { path: string; labelSelector?: string }[] {
    return this.allCaches().flatMap((c) =>
      c.paths.map((path) => ({ path, labelSelector: c.kind.labelSelector })),
    );
  }

  private allCaches(): KindCache<k8s.KubernetesObject>[] {
    const config = [this.configCaches.configMaps, this.configCaches.secrets].filter((c) => c !== undefined);
    return [...Object.values(this.caches), ...config, this.groupCache];
  }

  async startInformers(): Promise<void> {
    await Promise.all(this.allCaches().map((c) => c.start()));
    this.listing = false;
    // kestrel_rollouts{phase}: counted from the cache when scraped, so it costs no API call and
    // an idle controller no timer.
    this.deps.metrics.countPhasesWith(() => {
      const counts = new Map<string, number>();
      for (const r of this.caches.rollouts.list())
        counts.set(r.status?.phase ?? "Pending", (counts.get(r.status?.phase ?? "Pending") ?? 0) + 1);
      return counts;
    });
  }

  /** Starts acting; `canAct` is asked before every write, so a replica that lost the lease writes nothing. */
  startWorkers(canAct: () => boolean): void {
    this.canAct = canAct;
    this.workersStarted = true;
    this.rollouts.start();
    this.runs.start();
    this.groups.start();
    this.deps.log.debug("workers started", { atMs: Math.round(performance.now()) });
  }

  readiness(): { ready: boolean; checks: Record<string, string> } {
    const checks: Record<string, string> = {};
    for (const cache of this.allCaches()) Object.assign(checks, cache.health());
    checks.workers = this.workersStarted
      ? "ok"
      : this.deps.config.leaderElect
        ? "ok (standby)"
        : "not started";
    const ready = Object.values(checks).every((v) => v.startsWith("ok"));
    return { ready, checks };
  }

  async stop(): Promise<void> {
    await Promise.all([this.rollouts.stop(), this.runs.stop(), this.groups.stop()]);
    await this.events.flush();
    await Promise.all(this.allCaches().map((c) => c.stop()));
  }
}
