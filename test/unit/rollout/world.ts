import type { V1Deployment, V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Rollout, StoredRollout } from "../../../controller/api/rollout.js";
import type { SourceContent } from "../../../controller/config/naming.js";
import type { Action, Plan } from "../../../controller/rollout/actions.js";
import { applyOrder } from "../../../controller/rollout/apply-order.js";
import type { TemplateLookup } from "../../../controller/rollout/analysis.js";
import { planRollout } from "../../../controller/rollout/plan.js";
import { revisionOf } from "../../../controller/rollout/revisions.js";
import { resolveWorkload } from "../../../controller/rollout/workload.js";
import { routedHttpRoutes } from "../../../controller/api/traffic.js";
import type { HTTPRoute } from "../../../controller/traffic/httproute.js";
import type { PatchOp } from "../../../controller/traffic/route-patch.js";

/**
 * A tiny in-memory model of what the planner's actions do, for table tests of the pure planner:
 * applying a plan the way the shell would, with pods becoming available at once unless `slow`.
 * It is not an imitation of the Kubernetes API (the e2e suite uses the real one); it only lets a
 * test walk the planner through several passes.
 */
export class World {
  rollout: StoredRollout;
  /** The Deployment a spec.workloadRef names, as the shell's cache would have it. */
  workload: V1Deployment | undefined;
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
  /** Services by name (stableService, canaryService); their selectors patched as the API server would. */
  services = new Map<string, V1Service>();
  /** Whether the RolloutGroup the Rollout's kestrel.dev/group names exists, as the shell's cache says. */
  groupExists = true;
  /** HTTPRoutes by name, for a Rollout with trafficRouting; patched as the API server would. */
  routes = new Map<string, HTTPRoute>();
  /** Route patches and ReplicaSet scalings in the order the shell applied them: "route web 10", "scale r2 3". */
  trace: string[] = [];
  /** ConfigMaps and Secrets as the shell would read them, by "Kind/name" (spec.configSnapshots). */
  configSources = new Map<string, SourceContent>();
  /** Copies pinned by an undo that the shell found deleted, by "Kind/copy-name". */
  configPinnedGone = new Set<string>();

  constructor(rollout: StoredRollout) {
    this.rollout = structuredClone(rollout);
    this.rollout.metadata.generation ??= 1;
  }

  /** The Rollout as the planner sees it: spec.template from the Deployment when it has a workloadRef. */
  get resolved(): Rollout {
    const r = resolveWorkload(this.rollout, this.workload);
    if ("error" in r) throw new Error(r.error.message);
    return r.rollout;
  }

  plan(): Plan {
    return planRollout({
      rollout: this.rollout,
      workload: this.workload,
      replicaSets: [...this.replicaSets.values()],
      analysisRuns: [...this.analysisRuns.values()],
      templates: this.templates,
      routes: this.routedRoutes(),
      services: new Map([...this.services].map(([n, svc]) => [n, structuredClone(svc)])),
      configSources: this.configSources,
      configPinnedGone: this.configPinnedGone,
      groupExists: this.groupExists,
      now: new Date(this.now),
    });
  }

  private routedRoutes(): Map<string, HTTPRoute | undefined> | undefined {
    const { names } = routedHttpRoutes(this.rollout.spec.strategy.canary?.trafficRouting);
    if (names.length === 0) return undefined;
    return new Map(names.map((n) => [n, structuredClone(this.routes.get(n))]));
  }

  /** The canary backend's weight in each rule of a route that has one, for compact assertions. */
  routeWeights(name: string, canary = "web-canary"): (number | undefined)[] {
    const rules = this.routes.get(name)?.spec?.rules ?? [];
    return rules.flatMap((r) => (r.backendRefs ?? []).filter((b) => b.name === canary).map((b) => b.weight));
  }

  /** Applies test/replace/add ops, refusing the whole patch if a test fails (as the API server does, with 422). */
  private patchRoute(name: string, patch: PatchOp[]): void {
    const route = structuredClone(this.routes.get(name));
    if (!route) throw new Error(`no HTTPRoute ${name}`);
    for (const op of patch) {
      const parts = op.path.split("/").slice(1);
      let node = route as unknown as Record<string, unknown>;
      for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
      const last = parts.at(-1)!;
      if (op.op === "test" && node[last] !== op.value) throw new Error(`test failed at ${op.path}`);
      if (op.op !== "test") node[last] = op.value;
    }
    route.metadata.resourceVersion = String(Number(route.metadata.resourceVersion ?? 0) + 1);
    this.routes.set(name, route);
    this.trace.push(`route ${name} ${this.routeWeights(name).join(",")}`);
  }

  /**
   * One reconcile, walking the plan in the order the shell does (applyOrder): other objects, then
   * the status, then the events that announce it, then the Rollout updates.
   * `crashBeforeRolloutUpdate` leaves the Rollout updates out, as a SIGKILL after the status write could;
   * `yieldAfterCreate` is the shell's pass while other changes wait (applyOrder).
   */
  reconcile({ crashBeforeRolloutUpdate = false, yieldAfterCreate = false } = {}): Plan {
    const plan = this.plan();
    this.lastPlan = plan;
    for (const step of applyOrder(plan, { yieldAfterCreate })) {
      if (step.kind === "writeStatus") this.rollout.status = step.status;
      else if (step.kind !== "updateRollout" || !crashBeforeRolloutUpdate) this.apply(step);
    }
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

  /** A new image in spec.template, or in the referenced Deployment's template (spec.workloadRef). */
  setImage(image: string): void {
    if (this.workload) {
      this.workload.spec!.template.spec!.containers[0]!.image = image;
      this.workload.metadata!.generation = (this.workload.metadata!.generation ?? 1) + 1;
      return;
    }
    this.rollout.spec.template!.spec!.containers[0]!.image = image;
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
        this.trace.push(`scale r${revisionOf(rs)} ${a.replicas}`);
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
      case "updateWorkloadTemplate":
        this.workload!.spec!.template = structuredClone(a.template);
        return;
      case "scaleWorkload":
        this.workload!.spec!.replicas = a.replicas;
        return;
      case "patchServiceSelector": {
        const svc = this.services.get(a.service)!;
        svc.spec = { ...svc.spec, selector: { ...svc.spec?.selector, "rollouts-pod-template-hash": a.hash } };
        svc.metadata = {
          ...svc.metadata,
          resourceVersion: String(Number(svc.metadata?.resourceVersion ?? 0) + 1),
        };
        return;
      }
      case "patchRoute":
        this.patchRoute(a.name, a.patch);
        return;
      case "event":
        this.events.push({ type: a.type, reason: a.reason, message: a.message });
        return;
    }
  }
}

/** A Service selecting app=web, as a user creates it before naming it in the Rollout. */
export function service(name: string): V1Service {
  return { metadata: { name, namespace: "ns", resourceVersion: "1" }, spec: { selector: { app: "web" } } };
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

/**
 * For journey tests: `pass(before)` runs `before`, then one reconcile, and records `line(world)`;
 * `seen` is every line so far, compared whole against lines worked out by hand.
 */
export function passes(
  w: World,
  line: (w: World) => string,
): { seen: string[]; pass: (before?: () => void) => void } {
  const seen: string[] = [];
  return {
    seen,
    pass: (before) => {
      before?.();
      w.reconcile();
      seen.push(line(w));
    },
  };
}

/** HTTPRoute `web` as a user writes it: one rule, all on web-stable, web-canary at 0. */
export function webRoute(): HTTPRoute {
  return {
    metadata: { name: "web", namespace: "ns", resourceVersion: "1" },
    spec: {
      rules: [
        {
          backendRefs: [
            { name: "web-stable", port: 80, weight: 100 },
            { name: "web-canary", port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

/** Route `web` and the web-stable and web-canary Services a routed canary names. */
export function addWebRouteAndServices(w: World): void {
  w.routes.set("web", webRoute());
  for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
}
