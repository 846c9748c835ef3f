import type { RolloutGroupSpec, RolloutSelector } from "../api/group.js";

/** Whether labels match a selector, with the meaning Kubernetes gives matchLabels and matchExpressions. */
export function matches(selector: RolloutSelector, labels: Readonly<Record<string, string>>): boolean {
  const exact = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    exact &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      const inValues = has && (e.values ?? []).includes(labels[e.key]!);
      switch (e.operator) {
        case "In":
          return inValues;
        case "NotIn":
          return !inValues;
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
      }
    })
  );
}

export interface Listed {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Each spec.members entry's Rollouts, by entry name: itself for an entry without a selector, the
 * Rollouts its selector matches (by name) otherwise. A Rollout two entries take belongs to the
 * first, so no Rollout moves twice in one release.
 */
export function membersOf(spec: RolloutGroupSpec, rollouts: readonly Listed[]): Map<string, string[]> {
  const taken = new Set<string>();
  const out = new Map<string, string[]>();
  for (const entry of spec.members) {
    const names = entry.selector
      ? rollouts
          .filter((r) => matches(entry.selector!, r.labels))
          .map((r) => r.name)
          .sort()
      : [entry.name];
    const own = names.filter((n) => !taken.has(n));
    own.forEach((n) => taken.add(n));
    out.set(entry.name, own);
  }
  return out;
}

/** Whether a group lists a Rollout, by name or by a selector. */
export const lists = (spec: RolloutGroupSpec, ro: Listed): boolean =>
  spec.members.some((m) => (m.selector ? matches(m.selector, ro.labels) : m.name === ro.name));
