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

/** The end state of a weight: canary = ceil(replicas × weight / 100), stable takes the rest. */
export function weightTarget(replicas: number, weight: number): SplitTarget {
  const canary = Math.min(replicas, Math.ceil((replicas * weight) / 100));
  return { canary, stable: replicas - canary };
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
