import type { RolloutGroupSpec } from "../api/group.js";

/**
 * The members in dependency order (each after every member it depends on; ties in spec order),
 * or the members caught in a cycle. The CRD refuses self and two-member cycles; longer ones only
 * a walk of the graph finds.
 */
export function dependencyOrder(spec: RolloutGroupSpec): { order: string[] } | { cycle: string[] } {
  const deps = new Map(spec.members.map((m) => [m.name, m.dependsOn ?? []]));
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < spec.members.length) {
    const next = spec.members.find(
      (m) => !placed.has(m.name) && (deps.get(m.name) ?? []).every((d) => placed.has(d) || !deps.has(d)),
    );
    if (!next) return { cycle: spec.members.map((m) => m.name).filter((n) => !placed.has(n)) };
    order.push(next.name);
    placed.add(next.name);
  }
  return { order };
}
