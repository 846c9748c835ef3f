/** Pure replica arithmetic for a canary realised as a ratio of pods (no traffic router). */

/** Resolves 3 or "25%" against a total; percentages round up for surge, down for unavailability (as Deployments do). */
export function resolveIntOrPercent(
  value: string | number | undefined,
  total: number,
  roundUp: boolean,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isFinite(Number(value)) ? Number(value) : fallback;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface SplitTarget {
  canary: number;
  stable: number;
}

/**
 * The end state of a weight without a traffic router, as Argo Rollouts sizes it, so a migrated
 * Rollout gets the same pods. Candidates are the canary count rounded up and down, over
 * `replicas` pods or, when surge is allowed, over one pod more; the one whose canary share is
 * nearest the weight wins (earlier candidates win ties, so rounding up is preferred). While the
 * weight is strictly between 0 and 100 neither side may drop to zero pods, except for a single
 * replica that may not surge, where there is no room for both.
 */
export function weightTarget(replicas: number, weight: number, maxSurge: number): SplitTarget {
  if (replicas <= 0) return { canary: 0, stable: 0 };
  if (weight <= 0) return { canary: 0, stable: replicas };
  if (weight >= 100) return { canary: replicas, stable: 0 };
  const exact = (replicas * weight) / 100;
  const counts = [Math.ceil(exact), Math.floor(exact)];
  const totals = maxSurge > 0 ? [replicas, replicas + 1] : [replicas];
  const zeroAllowed = replicas === 1 && maxSurge === 0;
  // Never empty: {rounded up, replicas + 1} always qualifies with surge, and without it either
  // one replica may go to zero or {rounded down or 1, replicas} leaves a pod on each side.
  const candidates = totals
    .flatMap((total) => counts.map((canary) => ({ canary, stable: total - canary })))
    .filter((c) => zeroAllowed || (c.canary >= 1 && c.stable >= 1))
    .map((c) => ({
      ...c,
      total: c.canary + c.stable,
      off: Math.abs(c.canary * 100 - weight * (c.canary + c.stable)),
    }));
  // Distances are off/total percentage points, compared cross-multiplied so that a tie is exact
  // (in floating point 2 of 3 and 1 of 3 are not equally far from 50%).
  const best = candidates.reduce((a, b) => (b.off * a.total < a.off * b.total ? b : a));
  return { canary: best.canary, stable: best.stable };
}

export interface CurrentSplit {
  canaryReplicas: number;
  canaryAvailable: number;
  stableReplicas: number;
  stableAvailable: number;
}

export interface SurgeLimits {
  maxSurge: number;
  maxUnavailable: number;
}

export function surgeLimits(
  replicas: number,
  maxSurge?: string | number,
  maxUnavailable?: string | number,
): SurgeLimits {
  const surge = resolveIntOrPercent(maxSurge, replicas, true, Math.ceil(replicas * 0.25));
  const unavailable = resolveIntOrPercent(maxUnavailable, replicas, false, 0);
  // Both zero could never move a pod; Deployments allow one unavailable then, and so do we.
  return surge === 0 && unavailable === 0
    ? { maxSurge: 0, maxUnavailable: 1 }
    : { maxSurge: surge, maxUnavailable: unavailable };
}

/**
 * The next replica counts on the way to `target`: never more than replicas + maxSurge pods in
 * total, and the stable side shrinks only as far as keeps replicas - maxUnavailable available.
 */
export function nextSplit(
  replicas: number,
  target: SplitTarget,
  current: CurrentSplit,
  limits: SurgeLimits,
): SplitTarget {
  const maxTotal = replicas + limits.maxSurge;
  const minAvailable = replicas - limits.maxUnavailable;

  let canary = target.canary;
  if (target.canary > current.canaryReplicas) {
    canary = Math.min(target.canary, Math.max(current.canaryReplicas, maxTotal - current.stableReplicas));
  } else if (target.canary < current.canaryReplicas) {
    // Scaling the canary down frees room, but never below what keeps the rollout available.
    canary = Math.min(
      current.canaryReplicas,
      Math.max(target.canary, minAvailable - current.stableAvailable),
    );
  }
  let stable = target.stable;
  if (target.stable < current.stableReplicas) {
    stable = Math.min(
      current.stableReplicas,
      Math.max(target.stable, minAvailable - current.canaryAvailable),
    );
  } else if (target.stable > current.stableReplicas) {
    stable = Math.min(target.stable, Math.max(current.stableReplicas, maxTotal - canary));
  }
  return { canary, stable };
}
