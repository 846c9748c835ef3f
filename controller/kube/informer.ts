import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../log.js";

export type InformerEvent = "add" | "update" | "delete";

export interface InformerOptions<T extends k8s.KubernetesObject> {
  /** What the informer watches, for logs and /readyz. */
  name: string;
  kc: k8s.KubeConfig;
  /** The watch path, e.g. /apis/apps/v1/replicasets or /apis/apps/v1/namespaces/x/replicasets. */
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  labelSelector?: string;
  onEvent: (event: InformerEvent, obj: T) => void;
  log: Logger;
  /** Restart backoff bounds after a watch error other than 410 Gone. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Each watch ends after this long, jittered up to twice it (default 300), and resumes where it was. */
  watchTimeoutSeconds?: number;
}

/**
 * client-node's Watch as client-go's reflector watches: the API server ends each watch after a
 * jittered timeout and bookmarks keep the resourceVersion fresh. ListWatch then resumes from the
 * last resourceVersion it saw, which replays anything the old watch did not deliver (or relists
 * on 410 Gone). Without it a watch that the API server silently stopped serving (seen after an
 * API server restart: a watch opened while it was starting got no events) would stall forever.
 */
export class BoundedWatch extends k8s.Watch {
  constructor(
    kc: k8s.KubeConfig,
    private readonly timeoutSeconds: number,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const timeoutSeconds = Math.round(this.timeoutSeconds * (1 + Math.random()));
    return super.watch(path, { ...queryParams, timeoutSeconds, allowWatchBookmarks: true }, callback, done);
  }
}

/**
 * A client-node ListWatch under supervision. The library relists on 410 Gone by itself, but any
 * other watch or list error stops it silently; this wrapper restarts it with jittered exponential
 * backoff and records when it last heard from the API server, for /readyz. Objects it returns are
 * the cache's own: callers must never mutate them.
 */
export class SupervisedInformer<T extends k8s.KubernetesObject> {
  private readonly informer: k8s.ListWatch<T>;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private synced = false;
  /** Set by a list that succeeded; ListWatch puts its items in the cache before start() settles. */
  private listed = false;
  /** start() calls waiting for a restart's list to succeed, after the first one failed. */
  private readonly syncWaiters: (() => void)[] = [];
  lastError: string | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    const watch = new BoundedWatch(opts.kc, opts.watchTimeoutSeconds ?? 300);
    // autoStart=false: we start it, so the first list's success is ours to await.
    const list = async (): Promise<k8s.KubernetesListObject<T>> => {
      const sentAt = performance.now();
      opts.log.debug("informer list sent", { informer: opts.name, atMs: Math.round(sentAt) });
      const items = await opts.list();
      const answeredAt = performance.now();
      // atMs: since the process started (performance.timeOrigin), to line a start up against its spawn.
      opts.log.debug("informer list answered", {
        informer: opts.name,
        atMs: Math.round(answeredAt),
        ms: Math.round(answeredAt - sentAt),
        items: items.items.length,
        resourceVersion: items.metadata?.resourceVersion,
      });
      this.listed = true;
      // ListWatch puts the items in its cache as soon as this settles, synchronously, and only
      // then opens its watch; a check after the pending microtasks finds them cached. Synced
      // from then on: the watch resumes from the list's resourceVersion, so waiting for its
      // answer (one more round trip) would delay readiness and lose nothing if skipped.
      setImmediate(() => this.markSyncedIfListed());
      return items;
    };
    this.informer = new k8s.ListWatch<T>(opts.path, watch, list, false, opts.labelSelector);
    const touch = (): void => {};
    for (const event of ["add", "update", "delete"] as const) {
      this.informer.on(event, (obj: T) => {
        touch();
        opts.onEvent(event, obj);
      });
    }
    this.informer.on("connect", () => {
      touch();
      this.lastError = undefined;
    });
    this.informer.on("error", (err?: unknown) => this.scheduleRestart(err));
  }

  /**
   * Lists, then watches. Resolves once the first list is in the cache (or on stop()), without
   * waiting for the watch that follows to be answered.
   */
  async start(): Promise<void> {
    this.stopped = false;
    for (;;) {
      try {
        const listed = new Promise<void>((resolve) => this.syncWaiters.push(resolve));
        const started = this.informer.start();
        const first = await Promise.race([listed.then(() => "listed" as const), started]);
        if (first === "listed") {
          // The watch is still being opened: a failure there restarts it as any watch error does.
          started.catch((err: unknown) => this.scheduleRestart(err));
          if (this.synced) this.failures = 0;
          return;
        }
        this.markSyncedIfListed();
        if (this.synced) {
          this.failures = 0;
          return;
        }
        // ListWatch.start() resolves even when its list failed (an API server not up yet): it
        // reported the failure through 'error', whose restart lists again. Until one succeeds the
        // cache is empty, and a reconcile planned from it would see a Rollout without its
        // ReplicaSets, so the caller must keep waiting.
        await listed;
        return;
      } catch (err) {
        if (this.stopped) return;
        const delay = this.backoffMs();
        this.opts.log.warn("informer start failed; retrying", {
          informer: this.opts.name,
          error: describe(err),
          delayMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.lastError = describe(err);
    const delay = this.backoffMs();
    this.opts.log.warn("watch stopped with an error; restarting", {
      informer: this.opts.name,
      error: this.lastError,
      delayMs: delay,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.informer.start().then(
        () => {
          this.markSyncedIfListed();
          // ListWatch.start() resolves even when its list or watch failed: it reports that
          // through 'error', which has already scheduled the next restart. Only a restart that
          // did not fail may reset the backoff and report the watch healthy again.
          if (this.restartTimer) return;
          this.failures = 0;
          this.lastError = undefined;
        },
        (e: unknown) => {
          this.markSyncedIfListed();
          this.scheduleRestart(e);
        },
      );
    }, delay);
  }

  private markSyncedIfListed(): void {
    if (this.synced || !this.listed) return;
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private backoffMs(): number {
    const min = this.opts.minBackoffMs ?? 200;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const base = Math.min(max, min * 2 ** Math.min(this.failures++, 20));
    // Full jitter: many controllers restarting after an API server blip must not stampede it.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /** Ready when the first list has completed and the watch is not in error backoff. */
  isHealthy(): boolean {
    return this.synced && this.lastError === undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    await this.informer.stop();
  }
}

export function describe(err: unknown): string {
  if (err instanceof k8s.ApiException) return `HTTP ${err.code}: ${String(err.body).slice(0, 300)}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
