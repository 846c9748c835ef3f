import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import { describe } from "./informer.js";
import { decideLease, stillLeading, type ElectionTiming, type LeaseRecord } from "./lease-decision.js";

export interface LeaderElectorOptions {
  /**
   * Leases go through CustomObjectsApi as plain JSON: client-node's typed Lease client writes
   * MicroTime fields with millisecond precision, which the API server rejects.
   */
  api: k8s.CustomObjectsApi;
  namespace: string;
  name: string;
  identity: string;
  timing: ElectionTiming;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/**
 * Holds a coordination.k8s.io Lease. client-node has no election helper, so this follows
 * client-go's semantics (see lease-decision.ts); writes use the Lease's resourceVersion, so two
 * replicas racing for it cannot both win.
 */
export class LeaderElector {
  private leading = false;
  private lastRenewedAt = 0;
  private observed: { version: string; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * The Lease as our last write returned it. While leading, a renewal writes over it directly: one
   * request every retryPeriod instead of a read and a write (half an idle controller's requests).
   * The write carries its resourceVersion, so a Lease changed by anyone else answers 409; the
   * next attempt then reads it as before.
   */
  private ours: LeaseObject | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {}

  /** True only while the last renewal is within renewDeadline: every write checks this first. */
  isLeader(): boolean {
    return this.leading && stillLeading(this.lastRenewedAt, Date.now(), this.opts.timing);
  }

  start(): void {
    void this.tick();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // Jitter spreads replicas' attempts so they do not collide on every tick.
    this.timer = setTimeout(() => void this.tick(), Math.round(ms * (1 + Math.random() * 0.2)));
  }

  private async tick(): Promise<void> {
    const { api, namespace, name, identity, timing, log } = this.opts;
    try {
      const existing =
        this.leading && this.ours
          ? this.ours
          : ((await api.getNamespacedCustomObject({ ...leaseKind, name, namespace }).catch((err: unknown) => {
              if (err instanceof k8s.ApiException && err.code === 404) return undefined;
              throw err;
            })) as LeaseObject | undefined);
      this.ours = undefined;
      const now = Date.now();
      const version = `${existing?.metadata?.resourceVersion ?? ""}`;
      if (!this.observed || this.observed.version !== version) this.observed = { version, at: now };
      const decision = decideLease(toRecord(existing), this.observed.at, now, identity, timing);
      if (decision.action === "create") {
        this.ours = (await api.createNamespacedCustomObject({
          ...leaseKind,
          namespace,
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name, namespace },
            spec: toSpec(decision.record),
          },
        })) as LeaseObject;
        this.renewed(now);
      } else if (decision.action === "update") {
        this.ours = (await api.replaceNamespacedCustomObject({
          ...leaseKind,
          name,
          namespace,
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: existing!.metadata,
            spec: toSpec(decision.record),
          },
        })) as LeaseObject;
        if (decision.acquired)
          log.info("acquired the leader lease", { lease: `${namespace}/${name}`, identity });
        this.renewed(now);
      } else if (this.leading) {
        // Someone else holds it: we lost it without noticing a failed renewal.
        this.lose("another replica holds the lease");
      }
    } catch (err) {
      log.warn("leader lease attempt failed", { lease: `${namespace}/${name}`, error: describe(err) });
    }
    if (this.leading && !stillLeading(this.lastRenewedAt, Date.now(), timing)) {
      this.lose(`could not renew within ${timing.renewDeadlineMs}ms`);
    }
    this.schedule(timing.retryPeriodMs);
  }

  private renewed(at: number): void {
    this.lastRenewedAt = at;
    if (!this.leading) {
      this.leading = true;
      this.opts.onStartedLeading();
    }
  }

  private lose(why: string): void {
    this.leading = false;
    this.opts.log.warn("lost the leader lease; stopping all actions", { identity: this.opts.identity, why });
    this.opts.onStoppedLeading();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over without waiting it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.isLeader()) return;
    this.leading = false;
    const { api, namespace, name } = this.opts;
    try {
      const lease = (await api.getNamespacedCustomObject({ ...leaseKind, name, namespace })) as LeaseObject;
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await api.replaceNamespacedCustomObject({
        ...leaseKind,
        name,
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 } },
      });
    } catch (err) {
      this.opts.log.warn("could not release the leader lease", { error: describe(err) });
    }
  }
}

const leaseKind = { group: "coordination.k8s.io", version: "v1", plural: "leases" };

interface LeaseObject {
  metadata?: { resourceVersion?: string; [k: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

function toRecord(lease: LeaseObject | undefined): LeaseRecord | undefined {
  if (!lease) return undefined;
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    acquireTime: s.acquireTime ? new Date(s.acquireTime) : undefined,
    renewTime: s.renewTime ? new Date(s.renewTime) : undefined,
    leaseTransitions: s.leaseTransitions,
  };
}

/** MicroTime: RFC 3339 with exactly six fractional digits, as the API server requires. */
const microTime = (d: Date | undefined): string | undefined =>
  d?.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

function toSpec(r: LeaseRecord): LeaseObject["spec"] {
  return { ...r, acquireTime: microTime(r.acquireTime), renewTime: microTime(r.renewTime) };
}
