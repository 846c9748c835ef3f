import type { V1ReplicaSet } from "@kubernetes/client-node";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Rollout } from "../../../controller/api/rollout.js";
import type { SourceContent } from "../../../controller/config/naming.js";
import type { Action, Plan } from "../../../controller/rollout/actions.js";
import type { TemplateLookup } from "../../../controller/rollout/analysis.js";
import { planRollout } from "../../../controller/rollout/plan.js";
import { revisionOf } from "../../../controller/rollout/revisions.js";

/**
 * A tiny in-memory model of what the planner's actions do, for table tests of the pure planner:
 * applying a plan the way the shell would, with pods becoming available at once unless `slow`.
 * It is not an imitation of the Kubernetes API (the e2e suite uses the real one); it only lets a
 * test walk the planner through several passes.
 */
export class World {
  rollout: Rollout;
  replicaSets = new Map<string, V1ReplicaSet>();
  now = Date.parse("2026-01-01T00:00:00Z");
  /** When true, newly scaled pods are not available until `makeAvailable()`. */
  slow = false;
  lastPlan: Plan | undefined;
  events: { type: string; reason: string; message: string }[] = [];
  /** AnalysisTemplates the planner may look up. */
  templates: TemplateLookup | undefined;
  /** AnalysisRuns the planner created, by name; a test sets their phase as the analysis would. */
  analysisRuns = new Map<string, AnalysisRun>();
  /** ConfigMaps and Secrets as the shell would read them, by "Kind/name" (spec.configSnapshots). */
  configSources = new Map<string, SourceContent>();

  constructor(rollout: Rollout) {
    this.rollout = structuredClone(rollout);
    this.rollout.metadata.generation ??= 1;
  }

  plan(): Plan {
    return planRollout({
      rollout: this.rollout,
      replicaSets: [...this.replicaSets.values()],
      analysisRuns: [...this.analysisRuns.values()],
      templates: this.templates,
      configSources: this.configSources,
      now: new Date(this.now),
    });
  }

  /**
   * One reconcile in the shell's order: ReplicaSet actions, then the status, then the events that
   * announce it, then the Rollout updates. `crashBeforeRolloutUpdate` stops after the status
   * write, as a SIGKILL could.
   */
  reconcile({ crashBeforeRolloutUpdate = false } = {}): Plan {
    const plan = this.plan();
    this.lastPlan = plan;
    for (const a of plan.actions) if (a.kind !== "updateRollout" && a.kind !== "event") this.apply(a);
    if (plan.status) this.rollout.status = plan.status;
    for (const a of plan.actions) if (a.kind === "event") this.apply(a);
    if (!crashBeforeRolloutUpdate)
      for (const a of plan.actions) if (a.kind === "updateRollout") this.apply(a);
    return plan;
  }

  /** Reconciles until nothing changes (the watch would stop bringing events). */
  settle(max = 20): Plan {
    let plan = this.reconcile();
    for (let i = 0; i < max; i++) {
      const before = JSON.stringify([this.rollout, [...this.replicaSets.values()]]);
      plan = this.reconcile();
      if (JSON.stringify([this.rollout, [...this.replicaSets.values()]]) === before) return plan;
    }
    return plan;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  setImage(image: string): void {
    this.rollout.spec.template.spec!.containers[0]!.image = image;
    this.rollout.metadata.generation = (this.rollout.metadata.generation ?? 1) + 1;
  }

  annotate(key: string, value: string): void {
    this.rollout.metadata.annotations = { ...(this.rollout.metadata.annotations ?? {}), [key]: value };
  }

  /** Sets a run's phase, as the analysis reconciler would have recorded it. */
  setRunPhase(name: string, phase: string): void {
    const run = this.analysisRuns.get(name);
    if (!run) throw new Error(`no AnalysisRun ${name}; have ${[...this.analysisRuns.keys()].join(", ")}`);
    run.status = { ...(run.status ?? {}), phase, message: `${phase} (set by the test)` };
  }

  makeAvailable(): void {
    for (const rs of this.replicaSets.values()) rs.status!.availableReplicas = rs.spec!.replicas ?? 0;
  }

  /** name -> spec.replicas, for compact assertions. */
  split(): Record<string, number> {
    return Object.fromEntries(
      [...this.replicaSets.values()].map((rs) => [`r${revisionOf(rs)}`, rs.spec?.replicas ?? 0]),
    );
  }

  private apply(a: Action): void {
    switch (a.kind) {
      case "createReplicaSet": {
        const rs = structuredClone(a.replicaSet);
        const replicas = rs.spec?.replicas ?? 0;
        rs.metadata!.generation = 1;
        rs.status = {
          replicas,
          availableReplicas: this.slow ? 0 : replicas,
          readyReplicas: replicas,
          observedGeneration: 1,
        };
        this.replicaSets.set(rs.metadata!.name!, rs);
        return;
      }
      case "scaleReplicaSet": {
        const rs = this.replicaSets.get(a.name)!;
        rs.spec!.replicas = a.replicas;
        rs.status!.replicas = a.replicas;
        const avail = rs.status!.availableReplicas ?? 0;
        rs.status!.availableReplicas = this.slow ? Math.min(avail, a.replicas) : a.replicas;
        return;
      }
      case "annotateReplicaSet": {
        const rs = this.replicaSets.get(a.name)!;
        const annotations = { ...(rs.metadata!.annotations ?? {}) };
        for (const [k, v] of Object.entries(a.annotations)) {
          if (v === null) delete annotations[k];
          else annotations[k] = v;
        }
        rs.metadata!.annotations = annotations;
        return;
      }
      case "deleteReplicaSet":
        this.replicaSets.delete(a.name);
        return;
      case "createAnalysisRun":
        this.analysisRuns.set(a.run.metadata.name ?? "", structuredClone(a.run));
        return;
      case "terminateAnalysisRun": {
        const run = this.analysisRuns.get(a.name);
        if (run) run.spec = { ...run.spec, terminate: true };
        return;
      }
      case "deleteAnalysisRun":
        this.analysisRuns.delete(a.name);
        return;
      case "updateRollout": {
        if (a.template) this.rollout.spec.template = structuredClone(a.template);
        if (a.clearRollbackTo) delete this.rollout.spec.rollbackTo;
        const annotations = { ...(this.rollout.metadata.annotations ?? {}) };
        for (const [k, v] of Object.entries(a.annotations ?? {})) {
          if (v === null) delete annotations[k];
          else annotations[k] = v;
        }
        this.rollout.metadata.annotations = annotations;
        return;
      }
      case "event":
        this.events.push({ type: a.type, reason: a.reason, message: a.message });
        return;
    }
  }
}

export function rollout(
  overrides: Partial<Rollout["spec"]> = {},
  canary: Rollout["spec"]["strategy"]["canary"] = {},
): Rollout {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "ns", uid: "uid-1", generation: 1 },
    spec: {
      replicas: 10,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: { duration: "5s" } },
            { setWeight: 50 },
            { pause: {} },
            { setWeight: 100 },
          ],
          ...canary,
        },
      },
      ...overrides,
    },
  };
}

/** The analysis reference most planner tests use: one AnalysisTemplate "check" with one metric "m". */
export const checkRef = { templates: [{ templateName: "check" }] };

/** The lookup in which "check" exists (the planner refuses a reference to a missing template). */
export const checkTemplates = (): TemplateLookup => ({
  namespaced: new Map([
    ["check", { metrics: [{ name: "m", provider: { prometheus: { address: "http://p", query: "q" } } }] }],
  ]),
  cluster: new Map(),
});
