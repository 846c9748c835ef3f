import type { Rollout } from "./rollouts.js";
import { manifest } from "./rollouts.js";

/** m00, m01, ...: sorted by name they are also in dependency order, which keeps listings readable. */
export const memberNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `m${String(i).padStart(2, "0")}`);

/**
 * A chain: each member depends on the one before it. The longest path a group of N can have, so
 * the rollback is N undos one after another, each waiting for the previous: the worst case for
 * the time measured, and the shape whose order is easiest to check.
 */
export function chainGroup(name: string, members: readonly string[]): object {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "RolloutGroup",
    metadata: { name },
    spec: {
      onFailure: "undo",
      members: members.map((m, i) => (i === 0 ? { name: m } : { name: m, dependsOn: [members[i - 1]] })),
    },
  };
}

export interface MemberOptions {
  replicas: number;
  /** The sample app its analysis asks Prometheus about (the failing member's serves errors). */
  app: string;
  /** The failing member waits at an indefinite pause, so its analysis, not the clock, ends the step. */
  failing: boolean;
  /** The healthy members' pause before they complete, e.g. "1s". */
  pause: string;
}

/**
 * A member Rollout: 25% canary (3 + 1 of 4, so an undo has a stable side to scale back up), then
 * a pause, with background analysis of its app's success rate from step 1, as bench:rollback.
 */
export function memberRollout(name: string, o: MemberOptions): Rollout {
  const steps = [{ setWeight: 25 }, { pause: o.failing ? {} : { duration: o.pause } }];
  const canary = {
    steps,
    analysis: {
      templates: [{ templateName: "success-rate" }],
      args: [{ name: "app", value: o.app }],
      startingStep: 1,
    },
  };
  return manifest(name, { replicas: o.replicas, steps, extraSpec: { strategy: { canary } } });
}
