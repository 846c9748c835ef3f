/**
 * A seeded generator of Rollout and AnalysisTemplate manifests, valid and invalid, for the
 * "500 random objects" fault drill. Every object knows what must become of it:
 *
 * - valid: the API server accepts it; a valid Rollout reaches Healthy with no InvalidSpec.
 * - refused: the API server refuses it at create (the schema, a CEL rule, strict field
 *   validation or object-name rules), with a message naming the wrong field.
 * - InvalidSpec: the API server accepts it, and the controller marks the Rollout (for a broken
 *   template: the probe Rollout that references it) InvalidSpec, naming the field.
 *
 * Each invalid object is a valid one with exactly one thing broken, so the expected message is
 * known. The same seed always gives the same objects (KESTREL_DRILL_SEED reproduces a run).
 */

export type Outcome = "valid" | "refused" | "InvalidSpec";

export interface GeneratedObject {
  kind: "Rollout" | "AnalysisTemplate";
  name: string;
  manifest: Record<string, unknown>;
  expect: Outcome;
  /** For an invalid object: what was broken, and the field it is in. */
  mutation?: string;
  field?: string;
  /** What the refusal, or the InvalidSpec condition and Event, must say. */
  message?: RegExp;
  /** For a template only the controller can judge: the Rollout whose InvalidSpec reports it. */
  probe?: string;
  /** Services a blue-green Rollout names, to create before it. */
  services?: string[];
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; plenty for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  word(length = 5): string {
    let s = "";
    for (let i = 0; i < length; i++) s += "abcdefghijklmnopqrstuvwxyz"[this.int(0, 25)];
    return s;
  }
}

type Path = (string | number)[];

/** Reads, writes or deletes a nested field of a plain JSON object. */
function at(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const k of path) v = (v as Record<string | number, unknown> | undefined)?.[k];
  return v;
}
function set(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let v: Record<string | number, unknown> = obj;
  for (const k of path.slice(0, -1)) {
    v[k] ??= {};
    v = v[k] as Record<string | number, unknown>;
  }
  v[path.at(-1)!] = value;
}
function del(obj: Record<string, unknown>, path: Path): void {
  const parent = at(obj, path.slice(0, -1)) as Record<string | number, unknown> | undefined;
  if (parent) delete parent[path.at(-1)!];
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A field path as the API server writes it, e.g. spec.strategy.canary.steps[2].setWeight. */
const fieldOf = (path: Path): string =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");

interface TemplateInfo {
  name: string;
  /** Arguments the template declares without a value: a Rollout must pass them. */
  requiredArgs: string[];
  metrics: string[];
}

const validConditions = [
  "result[0] >= 0.95",
  "result >= 0.95",
  "len(result) == 0",
  "isNaN(result[0])",
  "all(result, {# >= 0.9})",
  "default(result[0], 0) < 0.05",
  "result[0] == 1",
  "any(result, {# > 0}) && len(result) > 0",
  "!(result[0] < 0.5)",
];
const validQueries = [
  "vector(1)",
  "sum(rate(app_requests_total[1m]))",
  'sum(rate(app_requests_total{code!="500"}[30s])) / sum(rate(app_requests_total[30s]))',
  "scalar(vector(0.99))",
];
const argQuery = 'sum(rate(app_requests_total{app_name="{{args.app}}"}[1m]))';
const durations: readonly (string | number)[] = ["1s", "2s", "500ms", 1, 2, "1m", "30s"];

export interface GeneratorOptions {
  /** How many objects in all (templates, Rollouts and probes). */
  count: number;
  /** The Prometheus address templates name (never queried: no generated Rollout gets past its first revision). */
  prometheusUrl: string;
  /** Share of AnalysisTemplates among the objects. */
  templateShare?: number;
  /** Share of invalid objects. */
  invalidShare?: number;
}

/** Generates the objects: every AnalysisTemplate first, then the Rollouts (which may reference them). */
export function generateObjects(seed: number, opts: GeneratorOptions): GeneratedObject[] {
  const rnd = new Random(prng(seed));
  const tag = seed.toString(36).slice(-4).padStart(4, "0");
  const templateCount = Math.round(opts.count * (opts.templateShare ?? 0.3));
  const invalidShare = opts.invalidShare ?? 0.45;
  const templates: GeneratedObject[] = [];
  const rollouts: GeneratedObject[] = [];
  const usable: TemplateInfo[] = [];

  for (let i = 0; templates.length + rollouts.length < opts.count && i < templateCount; i++) {
    const name = `at-${tag}-${i}`;
    const t = validTemplate(rnd, name, opts.prometheusUrl);
    if (!rnd.chance(invalidShare)) {
      templates.push({ kind: "AnalysisTemplate", name, manifest: t.manifest, expect: "valid" });
      usable.push(t.info);
      continue;
    }
    const broken = breakTemplate(rnd, t.manifest, t.info);
    if (broken.expect === "refused") {
      templates.push({ kind: "AnalysisTemplate", name, manifest: t.manifest, ...broken });
      continue;
    }
    // Only a Rollout that uses the template can show what the controller thinks of it.
    const probe = `probe-${tag}-${i}`;
    templates.push({ kind: "AnalysisTemplate", name, manifest: t.manifest, ...broken, probe });
    const r = validRollout(rnd, probe, []);
    const args = t.info.requiredArgs.map((a) => ({ name: a, value: "probe" }));
    set(r, ["spec", "strategy", "canary", "analysis"], { templates: [{ templateName: name }], args });
    rollouts.push({
      kind: "Rollout",
      name: probe,
      manifest: r,
      expect: "InvalidSpec",
      mutation: `references ${broken.mutation}`,
      field: "spec.strategy.canary.analysis.templates[0]",
      message: new RegExp(
        `spec\\.strategy\\.canary\\.analysis\\.templates\\[0\\]: AnalysisTemplate "${esc(name)}" ${broken.message!.source}`,
      ),
    });
  }

  for (let i = 0; templates.length + rollouts.length < opts.count; i++) {
    const name = `ro-${tag}-${i}`;
    const manifest = validRollout(rnd, name, usable);
    if (!rnd.chance(invalidShare)) {
      const services = rnd.chance(0.3) ? makeBlueGreen(rnd, name, manifest, usable) : undefined;
      rollouts.push({ kind: "Rollout", name, manifest, expect: "valid", ...(services ? { services } : {}) });
      continue;
    }
    rollouts.push({ kind: "Rollout", name, manifest, ...breakRollout(rnd, manifest, usable, tag, i) });
  }
  return [...templates, ...rollouts];
}

function validTemplate(
  rnd: Random,
  name: string,
  prometheusUrl: string,
): { manifest: Record<string, unknown>; info: TemplateInfo } {
  const args: Record<string, unknown>[] = [];
  const requiredArgs: string[] = [];
  const argMode = rnd.pick(["none", "required", "defaulted"] as const);
  if (argMode === "required") {
    args.push({ name: "app" });
    requiredArgs.push("app");
  } else if (argMode === "defaulted") args.push({ name: "app", value: rnd.word() });
  const metricCount = rnd.int(1, 3);
  const metrics: Record<string, unknown>[] = [];
  for (let m = 0; m < metricCount; m++) {
    const metric: Record<string, unknown> = { name: `m${m}-${rnd.word(3)}` };
    if (rnd.chance(0.8)) metric.interval = rnd.pick(durations);
    if (rnd.chance(0.5)) metric.count = rnd.int(1, 5);
    if (rnd.chance(0.2)) metric.initialDelay = rnd.pick(durations);
    for (const limit of ["failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"]) {
      if (rnd.chance(0.4)) metric[limit] = rnd.int(0, 5);
    }
    if (rnd.chance(0.3))
      metric.onNoData = rnd.pick(["Inconclusive", "Failed", "Successful", "Error"] as const);
    const which = rnd.pick(["success", "failure", "both"] as const);
    if (which !== "failure") metric.successCondition = rnd.pick(validConditions);
    if (which !== "success") metric.failureCondition = rnd.pick(validConditions);
    const prometheus: Record<string, unknown> = {
      address: prometheusUrl,
      query: argMode !== "none" && rnd.chance(0.6) ? argQuery : rnd.pick(validQueries),
    };
    if (rnd.chance(0.5)) prometheus.timeout = rnd.int(1, 30);
    if (rnd.chance(0.1)) prometheus.headers = [{ key: "X-Scope-OrgID", value: rnd.word() }];
    metric.provider = { prometheus };
    metrics.push(metric);
  }
  const spec: Record<string, unknown> = { metrics };
  if (args.length > 0) spec.args = args;
  if (rnd.chance(0.2)) spec.dryRun = [{ metricName: metrics[0]!.name }];
  if (rnd.chance(0.2)) spec.measurementRetention = [{ metricName: metrics[0]!.name, limit: rnd.int(1, 10) }];
  return {
    manifest: { apiVersion: "kestrel.dev/v1alpha1", kind: "AnalysisTemplate", metadata: { name }, spec },
    info: { name, requiredArgs, metrics: metrics.map((m) => m.name as string) },
  };
}

type Broken = Pick<GeneratedObject, "expect" | "mutation" | "field" | "message">;

/** Breaks exactly one thing in a valid template (in place); says what and how it must be caught. */
function breakTemplate(rnd: Random, t: Record<string, unknown>, info: TemplateInfo): Broken {
  const metrics = at(t, ["spec", "metrics"]) as Record<string, unknown>[];
  const i = rnd.int(0, metrics.length - 1);
  const metric = ["spec", "metrics", i];
  const prom = [...metric, "provider", "prometheus"];
  const refused = (mutation: string, path: Path, message: string): Broken => ({
    expect: "refused",
    mutation,
    field: fieldOf(path),
    message: new RegExp(`${esc(fieldOf(path))}: ${message}`),
  });
  const judged = (mutation: string, which: string, message: string): Broken => ({
    expect: "InvalidSpec",
    mutation,
    field: fieldOf([...metric, which]),
    message: new RegExp(`metric "${esc(info.metrics[i]!)}" ${which}: ${message}`),
  });
  const cases: (() => Broken)[] = [
    () => {
      set(t, ["spec", "metrics"], []);
      return refused("no metrics", ["spec", "metrics"], "Invalid value: 0: .*at least 1 items");
    },
    () => {
      del(t, [...metric, "successCondition"]);
      del(t, [...metric, "failureCondition"]);
      return refused(
        "a metric without a condition",
        metric,
        'Invalid value: "object": a metric needs successCondition or failureCondition \\(a job metric needs neither\\)',
      );
    },
    () => {
      set(t, [...metric, "provider"], {});
      return refused(
        "a provider without prometheus",
        [...metric, "provider"],
        'Invalid value: "object": provider needs prometheus',
      );
    },
    () => {
      set(t, [...metric, "count"], 0);
      return refused("count 0", [...metric, "count"], "Invalid value: 0: .*greater than or equal to 1");
    },
    () => {
      const n = -rnd.int(1, 9);
      set(t, [...metric, "failureLimit"], n);
      return refused(
        "a negative failureLimit",
        [...metric, "failureLimit"],
        `Invalid value: ${n}: .*greater than or equal to 0`,
      );
    },
    () => {
      const v = rnd.pick(["fast", "5d", "1.5", "-1s"]);
      set(t, [...metric, "interval"], v);
      return refused(
        "an interval that is not a duration",
        [...metric, "interval"],
        `Invalid value: "${esc(v)}"`,
      );
    },
    () => {
      set(t, [...metric, "onNoData"], "Ignore");
      return refused("an unknown onNoData", [...metric, "onNoData"], 'Unsupported value: "Ignore"');
    },
    () => {
      const v = rnd.pick([0, 301, 1000]);
      set(t, [...prom, "timeout"], v);
      return refused("a timeout out of range", [...prom, "timeout"], `Invalid value: ${v}`);
    },
    () => {
      set(t, [...prom, "query"], "");
      return refused("an empty query", [...prom, "query"], 'Invalid value: "": .*at least 1 chars long');
    },
    () => {
      del(t, [...prom, "address"]);
      return refused("no Prometheus address", [...prom, "address"], "Required value");
    },
    () => {
      set(t, [...metric, "name"], `m-${"x".repeat(70)}`);
      return refused("a metric name over 63 characters", [...metric, "name"], "Too long");
    },
    () => {
      set(t, ["spec", "args"], [{ name: "" }]);
      return refused("an argument without a name", ["spec", "args", 0, "name"], 'Invalid value: ""');
    },
    () => {
      set(t, ["spec", "metrics"], "success-rate");
      return refused("metrics that are not a list", ["spec", "metrics"], 'Invalid value: "string"');
    },
    () => {
      set(t, [...metric, "intervall"], "1s");
      const field = fieldOf([...metric, "intervall"]);
      return {
        expect: "refused",
        mutation: "a misspelt field (strict field validation)",
        field,
        message: new RegExp(`unknown field "${esc(field)}"`),
      };
    },
    () => {
      const bad = rnd.pick(["result[0] >=", "result[0] > > 1", "(result[0]", "result[0] >= 0.95)"]);
      set(t, [...metric, "successCondition"], bad);
      return judged(
        "a successCondition that does not parse",
        "successCondition",
        `cannot parse "${esc(bad)}"`,
      );
    },
    () => {
      const bad = rnd.pick(["result[0] <", "result[0] ==* 2"]);
      set(t, [...metric, "failureCondition"], bad);
      return judged(
        "a failureCondition that does not parse",
        "failureCondition",
        `cannot parse "${esc(bad)}"`,
      );
    },
    () => {
      set(t, [...metric, "successCondition"], "exec(result) > 0");
      return judged("a successCondition calling an unknown function", "successCondition", "unknown function");
    },
    () => {
      set(t, [...metric, "successCondition"], "latency < 0.5");
      return judged(
        "a successCondition naming an unknown variable",
        "successCondition",
        'unknown name "latency"',
      );
    },
  ];
  return rnd.pick(cases)();
}

function validRollout(
  rnd: Random,
  name: string,
  templates: readonly TemplateInfo[],
): Record<string, unknown> {
  const replicas = rnd.pick([undefined, 0, 1, 1, 2, 2]);
  const effectiveReplicas = replicas ?? 1;
  const labels: Record<string, string> = { app: name };
  if (rnd.chance(0.3)) labels.tier = rnd.pick(["web", "api", "worker"]);
  const selector: Record<string, unknown> = rnd.chance(0.8)
    ? { matchLabels: { app: name } }
    : { matchExpressions: [{ key: "app", operator: "In", values: [name] }] };
  const containers = Array.from({ length: rnd.int(1, 2) }, (_, k) => ({
    name: `c${k}`,
    image: `example.com/${rnd.word(4)}:${rnd.int(1, 9)}`,
  }));

  const analysisRef = (): Record<string, unknown> | undefined => {
    if (templates.length === 0) return undefined;
    const t = rnd.pick(templates);
    const args = t.requiredArgs.map((a) =>
      rnd.pick([
        { name: a, value: rnd.word() },
        { name: a, valueFrom: { podTemplateHashValue: rnd.pick(["Stable", "Latest"]) } },
        { name: a, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      ]),
    );
    return { templates: [{ templateName: t.name }], ...(args.length ? { args } : {}) };
  };

  const steps: Record<string, unknown>[] = [];
  for (let s = rnd.int(0, 6); s > 0; s--) {
    const kind = rnd.pick(["setWeight", "setWeight", "pause", "setCanaryScale", "analysis"] as const);
    if (kind === "setWeight") steps.push({ setWeight: rnd.int(0, 100) });
    if (kind === "pause") steps.push({ pause: rnd.chance(0.3) ? {} : { duration: rnd.pick(durations) } });
    if (kind === "setCanaryScale")
      steps.push({
        setCanaryScale: rnd.pick([
          { weight: rnd.int(0, 100) },
          { replicas: rnd.int(0, effectiveReplicas) },
          { matchTrafficWeight: true },
        ]),
      });
    if (kind === "analysis") {
      const ref = analysisRef();
      if (ref) steps.push({ analysis: ref });
    }
  }
  const canary: Record<string, unknown> = { steps };
  const surge = rnd.pick([
    {},
    { maxSurge: "25%" },
    { maxSurge: 1 },
    { maxSurge: "50%", maxUnavailable: 0 },
    { maxSurge: 0, maxUnavailable: 1 },
    { maxSurge: "0%", maxUnavailable: "25%" },
    { maxUnavailable: "10%" },
  ]);
  Object.assign(canary, surge);
  if (rnd.chance(0.3)) {
    const ref = analysisRef();
    if (ref) canary.analysis = { ...ref, ...(rnd.chance(0.3) ? { startingStep: rnd.int(0, 3) } : {}) };
  }
  if (rnd.chance(0.3))
    canary.onFailure = rnd.pick([
      { action: "abort" },
      { action: "undo" },
      { action: "undo", toRevision: rnd.int(1, 3) },
    ]);

  const spec: Record<string, unknown> = {
    selector,
    template: { metadata: { labels }, spec: { containers } },
    strategy: { canary },
  };
  if (replicas !== undefined) spec.replicas = replicas;
  if (rnd.chance(0.2)) spec.minReadySeconds = rnd.int(0, 1);
  if (rnd.chance(0.2)) spec.revisionHistoryLimit = rnd.int(0, 5);
  if (rnd.chance(0.2)) spec.progressDeadlineSeconds = rnd.int(60, 600);
  if (rnd.chance(0.1)) spec.paused = rnd.chance(0.5);
  if (rnd.chance(0.1)) spec.restartAt = "2020-01-01T00:00:00Z";
  if (rnd.chance(0.1)) spec.analysis = { successfulRunHistoryLimit: rnd.int(0, 5) };
  const metadata: Record<string, unknown> = { name };
  if (rnd.chance(0.2)) metadata.annotations = { "kubernetes.io/change-cause": `deploy ${rnd.word()}` };
  return { apiVersion: "kestrel.dev/v1alpha1", kind: "Rollout", metadata, spec };
}

/**
 * Turns a valid Rollout into a valid blue-green one (in place), Argo's fields chosen at random:
 * with or without a preview Service, manual or automatic promotion, analyses, metadata. Returns
 * the Services it names, which the drill creates first.
 */
function makeBlueGreen(
  rnd: Random,
  name: string,
  r: Record<string, unknown>,
  templates: readonly TemplateInfo[],
): string[] {
  const services = [`${name}-active`];
  const bg: Record<string, unknown> = { activeService: services[0] };
  if (rnd.chance(0.5)) services.push((bg.previewService = `${name}-preview`));
  const pick = <T>(p: number, value: () => T): T | undefined => (rnd.chance(p) ? value() : undefined);
  Object.assign(bg, {
    autoPromotionEnabled: pick(0.5, () => rnd.chance(0.5)),
    autoPromotionSeconds: pick(0.3, () => rnd.int(1, 60)),
    previewReplicaCount: pick(0.3, () => rnd.int(1, 3)),
    scaleDownDelaySeconds: pick(0.3, () => rnd.int(0, 60)),
    scaleDownDelayRevisionLimit: pick(0.3, () => rnd.int(0, 3)),
    abortScaleDownDelaySeconds: pick(0.3, () => rnd.int(0, 60)),
    maxUnavailable: pick(0.2, () => rnd.pick([0, 1, "25%"])),
    activeMetadata: pick(0.2, () => ({ labels: { role: "active" } })),
    previewMetadata: pick(0.2, () => ({ labels: { role: "preview" } })),
    onFailure: pick(0.2, () => rnd.pick([{ action: "abort" }, { action: "undo" }])),
  });
  for (const when of ["prePromotionAnalysis", "postPromotionAnalysis"]) {
    if (templates.length === 0 || !rnd.chance(0.2)) continue;
    const t = rnd.pick(templates);
    const args = t.requiredArgs.map((a) => ({ name: a, value: rnd.word() }));
    bg[when] = { templates: [{ templateName: t.name }], ...(args.length ? { args } : {}) };
  }
  for (const k of Object.keys(bg)) if (bg[k] === undefined) delete bg[k];
  set(r, ["spec", "strategy"], { blueGreen: bg });
  return services;
}

/** Breaks exactly one thing in a valid Rollout (in place); says what and how it must be caught. */
function breakRollout(
  rnd: Random,
  r: Record<string, unknown>,
  templates: readonly TemplateInfo[],
  tag: string,
  index: number,
): Broken {
  const canaryPath = ["spec", "strategy", "canary"];
  const steps = (at(r, [...canaryPath, "steps"]) as Record<string, unknown>[] | undefined) ?? [];
  const replicas = (at(r, ["spec", "replicas"]) as number | undefined) ?? 1;
  /** A step index to break, adding a setWeight step when there is none. */
  const stepAt = (): number => {
    if (steps.length === 0) {
      steps.push({ setWeight: 50 });
      set(r, [...canaryPath, "steps"], steps);
    }
    return rnd.int(0, steps.length - 1);
  };
  const refused = (mutation: string, path: Path, message: string): Broken => ({
    expect: "refused",
    mutation,
    field: fieldOf(path),
    message: new RegExp(`${esc(fieldOf(path))}: ${message}`),
  });
  const refusedSaying = (mutation: string, path: Path, message: string): Broken => ({
    expect: "refused",
    mutation,
    field: fieldOf(path),
    message: new RegExp(message),
  });
  const invalid = (mutation: string, path: Path, message: string): Broken => ({
    expect: "InvalidSpec",
    mutation,
    field: fieldOf(path),
    message: new RegExp(`${esc(fieldOf(path))}: ${message}`),
  });

  const cases: (() => Broken)[] = [
    () => {
      const n = -rnd.int(1, 5);
      set(r, ["spec", "replicas"], n);
      return refused(
        "negative replicas",
        ["spec", "replicas"],
        `Invalid value: ${n}: .*greater than or equal to 0`,
      );
    },
    () => {
      set(r, ["spec", "replicas"], rnd.pick(["two", "3"]));
      return refused(
        "replicas as text",
        ["spec", "replicas"],
        'Invalid value: "string": .*must be of type integer',
      );
    },
    () => {
      del(r, ["spec", "selector"]);
      return refusedSaying(
        "no selector",
        ["spec", "selector"],
        "spec\\.selector and spec\\.template are required unless spec\\.workloadRef names a Deployment",
      );
    },
    () => {
      set(r, ["spec", "selector"], {});
      return refusedSaying(
        "an empty selector",
        ["spec", "selector"],
        "spec\\.selector must have matchLabels or matchExpressions",
      );
    },
    () => {
      set(r, ["spec", "selector"], { matchLabels: { app: `not-${rnd.word()}` } });
      return refusedSaying(
        "a selector that does not match the template's labels",
        ["spec", "selector", "matchLabels"],
        "spec\\.selector\\.matchLabels must match spec\\.template\\.metadata\\.labels",
      );
    },
    () => {
      del(r, ["spec", "template"]);
      // Optional in the schema since spec.workloadRef can supply it: a CEL rule requires it otherwise.
      return refusedSaying(
        "no pod template",
        ["spec", "template"],
        "spec\\.selector and spec\\.template are required unless spec\\.workloadRef names a Deployment",
      );
    },
    () => {
      del(r, ["spec", "strategy"]);
      return refused("no strategy", ["spec", "strategy"], "Required value");
    },
    () => {
      set(r, ["spec", "strategy", "blueGreen"], { activeService: "web" });
      return refusedSaying(
        "blueGreen beside canary",
        ["spec", "strategy"],
        'spec\\.strategy: Invalid value: "object": set exactly one of spec\\.strategy\\.canary or spec\\.strategy\\.blueGreen',
      );
    },
    () => {
      set(r, ["spec", "strategy"], { blueGreen: { previewService: "web-preview" } });
      return refusedSaying(
        "blueGreen without activeService",
        ["spec", "strategy", "blueGreen"],
        "spec\\.strategy\\.blueGreen\\.activeService: .*spec\\.strategy\\.blueGreen\\.activeService is required",
      );
    },
    () => {
      // Argo fields Kestrel does not implement are refused, not pruned and ignored.
      const [field, value] = rnd.pick<[string, unknown]>([
        ["minPodsPerReplicaSet", rnd.int(1, 3)],
        ["antiAffinity", { preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } }],
        ["trafficRouting.nginx", { stableIngress: "web" }],
      ]);
      const at = [...canaryPath, ...field.split(".")];
      set(r, at, value);
      return refusedSaying(
        `Argo's ${field}, not supported yet`,
        at,
        `spec\\.strategy\\.canary\\.${field.replace(".", "\\.")} is not supported yet`,
      );
    },
    () => {
      const s = stepAt();
      steps[s] = { setWeight: rnd.int(0, 100), pause: {} };
      return refused(
        "a step with two actions",
        [...canaryPath, "steps", s],
        'Invalid value: "object": each step needs exactly one of setWeight, pause, setCanaryScale or analysis',
      );
    },
    () => {
      const s = stepAt();
      steps[s] = {};
      return refused(
        "an empty step",
        [...canaryPath, "steps", s],
        'Invalid value: "object": each step needs exactly one of',
      );
    },
    () => {
      const s = stepAt();
      const w = rnd.pick([101, 150, 1000]);
      steps[s] = { setWeight: w };
      return refused(
        "a weight over 100",
        [...canaryPath, "steps", s, "setWeight"],
        `Invalid value: ${w}: .*less than or equal to 100`,
      );
    },
    () => {
      const s = stepAt();
      const w = -rnd.int(1, 50);
      steps[s] = { setWeight: w };
      return refused(
        "a negative weight",
        [...canaryPath, "steps", s, "setWeight"],
        `Invalid value: ${w}: .*greater than or equal to 0`,
      );
    },
    () => {
      const s = stepAt();
      const d = rnd.pick(["5d", "soon", "1.5", "10 s"]);
      steps[s] = { pause: { duration: d } };
      return refused(
        "a pause duration that is not a duration",
        [...canaryPath, "steps", s, "pause", "duration"],
        `Invalid value: "${esc(d)}"`,
      );
    },
    () => {
      const s = stepAt();
      steps[s] = { setCanaryScale: { weight: 10, replicas: 1 } };
      return refused(
        "setCanaryScale two ways",
        [...canaryPath, "steps", s, "setCanaryScale"],
        'Invalid value: "object": setCanaryScale needs exactly one of weight, replicas or matchTrafficWeight',
      );
    },
    () => {
      const v = rnd.pick(["lots", "-1", "10 %", "1.5"]);
      set(r, [...canaryPath, "maxSurge"], v);
      return refused(
        "a maxSurge that is not a count or percentage",
        [...canaryPath, "maxSurge"],
        `Invalid value: "${esc(v)}"`,
      );
    },
    () => {
      set(r, [...canaryPath, "onFailure"], { action: "explode" });
      return refused(
        "an unknown onFailure action",
        [...canaryPath, "onFailure", "action"],
        'Unsupported value: "explode": supported values: "abort", "undo"',
      );
    },
    () => {
      set(r, [...canaryPath, "onFailure"], { action: "abort", toRevision: 2 });
      return refused(
        "toRevision without undo",
        [...canaryPath, "onFailure"],
        'Invalid value: "object": toRevision is only valid with action: undo',
      );
    },
    () => {
      set(r, ["spec", "rollbackTo"], { revision: -1 });
      return refused(
        "a negative undo revision",
        ["spec", "rollbackTo", "revision"],
        "Invalid value: -1: .*greater than or equal to 0",
      );
    },
    () => {
      set(r, ["spec", "revisionHistoryLimit"], -2);
      return refused(
        "a negative revisionHistoryLimit",
        ["spec", "revisionHistoryLimit"],
        "Invalid value: -2",
      );
    },
    () => {
      set(r, ["spec", "progressDeadlineSeconds"], 0);
      return refused(
        "a zero progress deadline",
        ["spec", "progressDeadlineSeconds"],
        "Invalid value: 0: .*greater than or equal to 1",
      );
    },
    () => {
      set(r, ["spec", "restartAt"], "yesterday");
      return refused("a restartAt that is not a time", ["spec", "restartAt"], 'Invalid value: "yesterday"');
    },
    () => {
      set(r, [...canaryPath, "steps"], "canary");
      return refused("steps that are not a list", [...canaryPath, "steps"], 'Invalid value: "string"');
    },
    () => {
      set(
        r,
        [...canaryPath, "steps"],
        Array.from({ length: 101 }, () => ({ setWeight: 1 })),
      );
      return refused(
        "over 100 steps",
        [...canaryPath, "steps"],
        "Too many: 101: must have at most 100 items",
      );
    },
    () => {
      set(r, [...canaryPath, "analysis"], { templates: [] });
      return refused(
        "background analysis without templates",
        [...canaryPath, "analysis", "templates"],
        "Invalid value: 0: .*at least 1 items",
      );
    },
    () => {
      set(r, [...canaryPath, "analysis"], { templates: [{ templateName: "" }] });
      return refused(
        "an empty templateName",
        [...canaryPath, "analysis", "templates", 0, "templateName"],
        'Invalid value: "": .*at least 1 chars long',
      );
    },
    () => {
      set(r, [...canaryPath, "stepz"], []);
      const field = fieldOf([...canaryPath, "stepz"]);
      return {
        expect: "refused",
        mutation: "a misspelt field (strict field validation)",
        field,
        message: new RegExp(`unknown field "${esc(field)}"`),
      };
    },
    () => {
      const bad = `Bad_Name-${index}`;
      set(r, ["metadata", "name"], bad);
      return refused("an invalid object name", ["metadata", "name"], `Invalid value: "${esc(bad)}"`);
    },
    // What only the controller can judge: accepted, then InvalidSpec.
    ...podTemplateCases(rnd, r),
    () => {
      // A blue-green spec (Argo's fields, random choices) whose activeService does not exist.
      const missing = `missing-${index}`;
      set(r, ["spec", "strategy"], {
        blueGreen: {
          activeService: missing,
          ...(rnd.chance(0.5) ? { autoPromotionEnabled: rnd.chance(0.5) } : {}),
          ...(rnd.chance(0.3) ? { autoPromotionSeconds: rnd.int(1, 60) } : {}),
          ...(rnd.chance(0.3) ? { previewReplicaCount: rnd.int(1, 3) } : {}),
          ...(rnd.chance(0.3) ? { scaleDownDelaySeconds: rnd.int(0, 60) } : {}),
          ...(rnd.chance(0.3) ? { abortScaleDownDelaySeconds: rnd.int(0, 60) } : {}),
          ...(rnd.chance(0.2) ? { maxUnavailable: rnd.pick([0, 1, "25%"]) } : {}),
        },
      });
      return invalid(
        "a blueGreen activeService that does not exist",
        ["spec", "strategy", "blueGreen", "activeService"],
        `Service "${missing}" not found`,
      );
    },
    () => {
      set(r, ["spec", "template", "spec", "containers"], []);
      return invalid(
        "a template with no containers",
        ["spec", "template", "spec", "containers"],
        "must list at least one container",
      );
    },
    () => {
      del(r, ["spec", "template", "spec"]);
      return invalid(
        "a template without a pod spec",
        ["spec", "template", "spec", "containers"],
        "must list at least one container",
      );
    },
    () => {
      const s = stepAt();
      const n = replicas + rnd.int(1, 5);
      steps[s] = { setCanaryScale: { replicas: n } };
      return invalid(
        "setCanaryScale above spec.replicas",
        [...canaryPath, "steps", s, "setCanaryScale", "replicas"],
        `${n} is more than spec\\.replicas \\(${replicas}\\)`,
      );
    },
    () => {
      set(r, [...canaryPath, "maxSurge"], rnd.pick([0, "0", "0%"]));
      set(r, [...canaryPath, "maxUnavailable"], rnd.pick([0, "0", "0%", undefined]));
      return invalid(
        "maxSurge and maxUnavailable both 0",
        [...canaryPath, "maxSurge"],
        "maxSurge and maxUnavailable cannot both be 0",
      );
    },
    () => {
      const missing = `no-such-template-${tag}-${index}`;
      const s = stepAt();
      steps[s] = { analysis: { templates: [{ templateName: missing }] } };
      return invalid(
        "a step analysis naming a missing template",
        [...canaryPath, "steps", s, "analysis", "templates", 0],
        `AnalysisTemplate "${esc(missing)}" not found`,
      );
    },
    () => {
      const missing = `no-such-cluster-template-${tag}-${index}`;
      set(r, [...canaryPath, "analysis"], { templates: [{ templateName: missing, clusterScope: true }] });
      return invalid(
        "background analysis naming a missing ClusterAnalysisTemplate",
        [...canaryPath, "analysis", "templates", 0],
        `ClusterAnalysisTemplate "${esc(missing)}" not found`,
      );
    },
    () => {
      const needy = templates.find((t) => t.requiredArgs.length > 0);
      if (!needy) {
        set(r, ["spec", "template", "spec", "containers"], []);
        return invalid(
          "a template with no containers",
          ["spec", "template", "spec", "containers"],
          "must list at least one container",
        );
      }
      set(r, [...canaryPath, "analysis"], { templates: [{ templateName: needy.name }] });
      return invalid(
        "analysis without the argument its template needs",
        [...canaryPath, "analysis", "args"],
        `template "${esc(needy.name)}" needs argument "${esc(needy.requiredArgs[0]!)}"; pass it in args`,
      );
    },
  ];
  return rnd.pick(cases)();
}

/**
 * Pod template faults the CRD schema cannot see (spec.template.spec is free-form): the API server
 * refuses the ReplicaSet made from it, and the controller reports that refusal as InvalidSpec.
 */
function podTemplateCases(rnd: Random, r: Record<string, unknown>): (() => Broken)[] {
  const containersPath = ["spec", "template", "spec", "containers"];
  const containers = at(r, containersPath) as Record<string, unknown>[];
  const k = rnd.int(0, containers.length - 1);
  const refusedReplicaSet = (mutation: string, path: Path, message: string): Broken => ({
    expect: "InvalidSpec",
    mutation,
    field: fieldOf(path),
    message: new RegExp(
      `spec\\.template: the API server refuses its ReplicaSet: .*${esc(fieldOf(path))}: ${message}`,
    ),
  });
  return [
    () => {
      const bad = rnd.pick(["Bad_Name", "web.app", "-web"]);
      containers[k]!.name = bad;
      return refusedReplicaSet(
        "an invalid container name",
        [...containersPath, k, "name"],
        `Invalid value: "${esc(bad)}"`,
      );
    },
    () => {
      delete containers[k]!.image;
      return refusedReplicaSet(
        "a container without an image",
        [...containersPath, k, "image"],
        "Required value",
      );
    },
    () => {
      containers.push({ name: containers[0]!.name, image: "example.com/dup:1" });
      return refusedReplicaSet(
        "two containers with the same name",
        [...containersPath, containers.length - 1, "name"],
        `Duplicate value: "${esc(containers[0]!.name as string)}"`,
      );
    },
    () => {
      set(r, ["spec", "template", "metadata", "labels", "tier"], "a b");
      return refusedReplicaSet(
        "a pod label value with a space",
        ["spec", "template", "labels"],
        'Invalid value: "a b"',
      );
    },
    () => {
      set(r, ["spec", "template", "spec", "restartPolicy"], "Never");
      return refusedReplicaSet(
        "restartPolicy Never (a ReplicaSet's pods always restart)",
        ["spec", "template", "spec", "restartPolicy"],
        'Unsupported value: "Never"',
      );
    },
    () => {
      const name = at(r, ["metadata", "name"]) as string;
      set(r, ["spec", "selector"], { matchExpressions: [{ key: "app", operator: "Like", values: [name] }] });
      return refusedReplicaSet(
        "a selector with an unknown operator",
        ["spec", "selector", "matchExpressions", 0, "operator"],
        'Invalid value: "Like"',
      );
    },
  ];
}
