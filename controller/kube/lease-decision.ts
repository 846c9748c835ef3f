/**
 * Pure rules of lease-based leader election, following client-go's semantics:
 * another holder's lease is trusted until leaseDuration has passed since *we* last saw its record
 * change (our own clock, so clock skew between replicas does not matter); a holder that cannot
 * renew within renewDeadline (< leaseDuration) stops acting before anyone else may start.
 */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions?: number;
}

export interface ElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const defaultTiming: ElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export type LeaseDecision =
  | { action: "create"; record: LeaseRecord }
  | { action: "update"; record: LeaseRecord; acquired: boolean }
  | { action: "wait"; holder: string };

/**
 * What to do with the lease as observed now. `observedChangeAt` is when this replica first saw the
 * current record (holder + renewTime); `existing` is undefined when the Lease does not exist.
 */
export function decideLease(
  existing: LeaseRecord | undefined,
  observedChangeAt: number,
  now: number,
  identity: string,
  timing: ElectionTiming,
): LeaseDecision {
  const leaseDurationSeconds = Math.ceil(timing.leaseDurationMs / 1000);
  if (!existing) {
    return {
      action: "create",
      record: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: new Date(now),
        renewTime: new Date(now),
        leaseTransitions: 0,
      },
    };
  }
  const holder = existing.holderIdentity ?? "";
  if (holder === identity) {
    return {
      action: "update",
      acquired: false,
      record: { ...existing, leaseDurationSeconds, renewTime: new Date(now) },
    };
  }
  const durationMs = (existing.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  const expiresAt = observedChangeAt + durationMs;
  if (holder !== "" && now < expiresAt) {
    return { action: "wait", holder };
  }
  return {
    action: "update",
    acquired: true,
    record: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: new Date(now),
      renewTime: new Date(now),
      leaseTransitions: (existing.leaseTransitions ?? 0) + 1,
    },
  };
}

/** True while a leader may still act: its last successful renewal is within renewDeadline. */
export function stillLeading(lastRenewedAt: number, now: number, timing: ElectionTiming): boolean {
  return now - lastRenewedAt < timing.renewDeadlineMs;
}
