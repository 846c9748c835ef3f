import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { helm } from "../support/helm.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";

/**
 * The API server prunes undeclared fields for clients that don't ask for strict validation, so an
 * Argo field Kestrel does not implement must be declared and refused by a rule. This applies each
 * one, as an Argo user's manifest would carry it, through two such clients: `kubectl apply
 * --validate=false` and `helm install`. Every object of a batch is refused on its own, so one
 * apply per client checks each field's own message.
 */

type Obj = Record<string, unknown>;

interface Case {
  /** The field as the refusal names it. */
  field: string;
  /** Where the manifest carries it (with indexes), and what it holds there. */
  at: string;
  value: unknown;
  kind: "Rollout" | "AnalysisTemplate" | "ClusterAnalysisTemplate" | "AnalysisRun";
}

const ro = (field: string, at: string, value: unknown): Case => ({ field, at, value, kind: "Rollout" });
const at = (
  field: string,
  atPath: string,
  value: unknown,
  kind: Case["kind"] = "AnalysisTemplate",
): Case => ({
  field,
  at: atPath,
  value,
  kind,
});

const templates = [{ templateName: "success-rate" }];
const routes = { managedRoutes: [{ name: "header-route" }] };

/** Argo Rollouts' fields Kestrel refuses, each with a value an Argo manifest would hold. */
const cases: Case[] = [
  ro("spec.rollbackWindow", "spec.rollbackWindow", { revisions: 3 }),
  ro("spec.strategy.blueGreen.antiAffinity", "spec.strategy", {
    blueGreen: {
      activeService: "web",
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } },
    },
  }),
  ...(["prePromotionAnalysis", "postPromotionAnalysis"] as const).flatMap((when) =>
    Object.entries({
      dryRun: [{ metricName: "success-rate" }],
      measurementRetention: [{ metricName: "success-rate", limit: 5 }],
      analysisRunMetadata: { annotations: { owner: "web" } },
    }).map(([field, value]) =>
      ro(`spec.strategy.blueGreen.${when}.${field}`, "spec.strategy", {
        blueGreen: { activeService: "web", [when]: { templates, [field]: value } },
      }),
    ),
  ),
  ...Object.entries({
    istio: { virtualService: { name: "web", routes: ["primary"] } },
    nginx: { stableIngress: "web" },
    alb: { ingress: "web", servicePort: 80 },
    smi: { rootService: "web", trafficSplitName: "web" },
    ambassador: { mappings: ["web"] },
    appMesh: { virtualService: { name: "web" }, virtualNodeGroup: { canaryVirtualNodeRef: { name: "c" } } },
    traefik: { weightedTraefikServiceName: "web" },
    apisix: { route: { name: "web" } },
    managedRoutes: routes.managedRoutes,
    maxTrafficWeight: 1000,
  }).map(([router, config]) =>
    ro(`spec.strategy.canary.trafficRouting.${router}`, "spec.strategy.canary.trafficRouting", {
      [router]: config,
    }),
  ),
  ro("spec.strategy.canary.antiAffinity", "spec.strategy.canary.antiAffinity", {
    preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 },
  }),
  ro("spec.strategy.canary.pingPong", "spec.strategy.canary.pingPong", {
    pingService: "ping",
    pongService: "pong",
  }),
  ro("spec.strategy.canary.minPodsPerReplicaSet", "spec.strategy.canary.minPodsPerReplicaSet", 2),
  ro("spec.strategy.canary.steps[].experiment", "spec.strategy.canary.steps[1].experiment", {
    duration: "5m",
    templates: [{ name: "baseline", specRef: "stable" }],
  }),
  ro("spec.strategy.canary.steps[].setHeaderRoute", "spec.strategy.canary.steps[1].setHeaderRoute", {
    name: "header-route",
    match: [{ headerName: "X-Canary", headerValue: { exact: "yes" } }],
  }),
  ro("spec.strategy.canary.steps[].setMirrorRoute", "spec.strategy.canary.steps[1].setMirrorRoute", {
    name: "mirror-route",
    percentage: 50,
  }),
  ro("spec.strategy.canary.steps[].plugin", "spec.strategy.canary.steps[1].plugin", {
    name: "argoproj-labs/sample-step",
    config: { message: "hello" },
  }),
  ro("spec.strategy.canary.analysis.dryRun", "spec.strategy.canary.analysis", {
    templates,
    dryRun: [{ metricName: "success-rate" }],
  }),
  ro("spec.strategy.canary.analysis.measurementRetention", "spec.strategy.canary.analysis", {
    templates,
    measurementRetention: [{ metricName: "success-rate", limit: 20 }],
  }),
  ro("spec.strategy.canary.analysis.analysisRunMetadata", "spec.strategy.canary.analysis", {
    templates,
    analysisRunMetadata: { labels: { team: "web" } },
  }),
  ro("spec.strategy.canary.steps[].analysis.dryRun", "spec.strategy.canary.steps[1]", {
    analysis: { templates, dryRun: [{ metricName: "success-rate" }] },
  }),
  ro("spec.strategy.canary.steps[].analysis.measurementRetention", "spec.strategy.canary.steps[1]", {
    analysis: { templates, measurementRetention: [{ metricName: "success-rate", limit: 20 }] },
  }),
  ro("spec.strategy.canary.steps[].analysis.analysisRunMetadata", "spec.strategy.canary.steps[1]", {
    analysis: { templates, analysisRunMetadata: { annotations: { owner: "web" } } },
  }),
  at("spec.templates", "spec.templates", [{ templateName: "error-rate" }]),
  at("spec.metrics[].consecutiveSuccessLimit", "spec.metrics[0].consecutiveSuccessLimit", 3),
  at("spec.metrics[].provider.datadog", "spec.metrics[0].provider", {
    datadog: { interval: "5m", query: "avg:errors{service:web}" },
  }),
  at("spec.metrics[].provider.newRelic", "spec.metrics[0].provider", {
    newRelic: { query: "FROM Transaction SELECT percentage(count(*), WHERE error is false)" },
  }),
  at("spec.metrics[].provider.wavefront", "spec.metrics[0].provider", {
    wavefront: { address: "example.wavefront.com", query: "ts(errors)" },
  }),
  at("spec.metrics[].provider.kayenta", "spec.metrics[0].provider", {
    kayenta: { address: "http://kayenta:8090", application: "web", canaryConfigName: "web" },
  }),
  at("spec.metrics[].provider.cloudWatch", "spec.metrics[0].provider", {
    cloudWatch: { interval: "1m", metricDataQueries: [{ id: "rate", expression: "errors / requests" }] },
  }),
  at("spec.metrics[].provider.graphite", "spec.metrics[0].provider", {
    graphite: { address: "http://graphite:8080", query: "target=errors" },
  }),
  at("spec.metrics[].provider.influxdb", "spec.metrics[0].provider", {
    influxdb: { profile: "influxdb-secret", query: 'from(bucket: "app")' },
  }),
  at("spec.metrics[].provider.skywalking", "spec.metrics[0].provider", {
    skywalking: { address: "http://skywalking:12800", interval: "5m", query: "query" },
  }),
  at("spec.metrics[].provider.plugin", "spec.metrics[0].provider", {
    plugin: { "argoproj-labs/sample-prometheus": { address: "http://prometheus:9090", query: "vector(1)" } },
  }),
  at("spec.metrics[].provider.prometheus.rangeQuery", "spec.metrics[0].provider.prometheus.rangeQuery", {
    start: "now() - 5m",
    end: "now()",
    step: "1m",
  }),
  at(
    "spec.metrics[].provider.prometheus.authentication.sigv4",
    "spec.metrics[0].provider.prometheus.authentication",
    { sigv4: { region: "eu-west-1" } },
  ),
  at(
    "spec.metrics[].provider.prometheus.authentication.oauth2",
    "spec.metrics[0].provider.prometheus.authentication",
    { oauth2: { tokenUrl: "https://auth/token", clientId: "kestrel", clientSecret: "s" } },
  ),
  at(
    "spec.metrics[].provider.datadog",
    "spec.metrics[0].provider",
    { datadog: { query: "avg:e{*}" } },
    "ClusterAnalysisTemplate",
  ),
  at("spec.templates", "spec.templates", [{ templateName: "error-rate" }], "AnalysisRun"),
  at("spec.ttlStrategy", "spec.ttlStrategy", { secondsAfterCompletion: 3600 }, "AnalysisRun"),
];

function baseObject(kind: Case["kind"], name: string): Obj {
  const metadata = { name };
  if (kind === "Rollout") {
    return {
      apiVersion: "kestrel.dev/v1alpha1",
      kind,
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "example.com/web:1" }] },
        },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      },
    };
  }
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind,
    metadata,
    spec: {
      metrics: [
        {
          name: "success-rate",
          successCondition: "result[0] >= 0.95",
          provider: { prometheus: { address: "http://prometheus:9090", query: "vector(1)" } },
        },
      ],
    },
  };
}

/** Sets `value` at a path like "spec.metrics[0].provider". */
function setAt(obj: Obj, where: string, value: unknown): void {
  const parts = where.split(".").flatMap((p) => {
    const m = /^(\w+)\[(\d+)\]$/.exec(p);
    return m ? [m[1]!, Number(m[2])] : [p];
  });
  let node: Record<string | number, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    node[p] ??= {};
    node = node[p] as Record<string | number, unknown>;
  }
  node[parts.at(-1)!] = value;
}

const objectName = (c: Case): string =>
  `${c.field}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 63)
    .replace(/-$/, "");

/** Each client applies its own objects (tag) in its own namespace, so one's leftovers never fail the other. */
const taggedName = (c: Case, tag: string): string => `${tag}-${objectName(c)}`.slice(0, 63).replace(/-$/, "");

const manifestOf = (c: Case, tag: string): Obj => {
  const obj = baseObject(c.kind, taggedName(c, tag));
  setAt(obj, c.at, c.value);
  return obj;
};

/** Each refused object's part of an error text, by kind and name (kubectl and helm both write `Kind.group "name" is invalid: ...`). */
function errorsByObject(text: string): Map<string, string> {
  const starts = [...text.matchAll(/(\w+)\.kestrel\.dev "([^"]+)" is invalid/g)];
  const out = new Map<string, string>();
  starts.forEach((m, i) => {
    out.set(`${m[1]}/${m[2]}`, text.slice(m.index, starts[i + 1]?.index ?? text.length));
  });
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Helm templates would read `{{` as an action: write it as a literal. */
const helmLiteral = (yamlText: string): string => yamlText.replaceAll("{{", "{{`{{`}}");

function writeChart(dir: string, name: string, objects: Obj[]): string {
  const chart = path.join(dir, name);
  fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
  fs.writeFileSync(path.join(chart, "Chart.yaml"), stringify({ apiVersion: "v2", name, version: "0.1.0" }));
  fs.writeFileSync(
    path.join(chart, "templates", "objects.yaml"),
    helmLiteral(objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n")),
  );
  return chart;
}

const plural = (kind: Case["kind"]): string => `${kind.toLowerCase()}s`;

async function stored(namespace: string, kind: Case["kind"], name: string): Promise<Obj | undefined> {
  const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
  const ref = { group: "kestrel.dev", version: "v1alpha1", plural: plural(kind), name };
  try {
    return (
      kind === "ClusterAnalysisTemplate"
        ? await custom.getClusterCustomObject(ref)
        : await custom.getNamespacedCustomObject({ ...ref, namespace })
    ) as Obj;
  } catch {
    return undefined;
  }
}

/** Every leaf of `sent` is in `got` with the same value: nothing was pruned. */
function missingLeaves(sent: unknown, got: unknown, at = ""): string[] {
  if (sent !== null && typeof sent === "object") {
    return Object.entries(sent as Obj).flatMap(([k, v]) =>
      missingLeaves(v, (got as Obj | undefined)?.[k], `${at}.${k}`),
    );
  }
  return sent === got ? [] : [`${at}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(got)}`];
}

const argoStyle = (): Obj[] =>
  parseAllDocuments(
    fs.readFileSync(
      path.join(repoRoot, "test", "e2e", "fixtures", "argo-style", "implemented-fields.yaml"),
      "utf8",
    ),
  ).map((d) => d.toJS() as Obj);

const renamed = (objects: Obj[], suffix: string): Obj[] =>
  objects.map((o) => ({
    ...o,
    metadata: { ...(o.metadata as Obj), name: `${(o.metadata as Obj).name as string}${suffix}` },
  }));

describe("Rollout: Argo fields Kestrel does not implement are refused for non-strict clients too", function () {
  this.timeout(120_000);
  const ns = useNamespace("unsupported");
  let tmp = "";
  const clusterScoped = cases.filter((c) => c.kind === "ClusterAnalysisTemplate");

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-unsupported-"));
  });
  after(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Cluster-scoped objects outlive the namespace; none should exist, but never leave one behind.
    for (const c of clusterScoped) {
      for (const client of clients) {
        await kubectl(["delete", "clusteranalysistemplate", taggedName(c, client.tag), "--ignore-not-found"]);
      }
    }
  });

  const clients: {
    name: string;
    tag: string;
    refusals: (namespace: string, objects: Obj[]) => Promise<{ code: number; text: string }>;
  }[] = [
    {
      name: "kubectl apply --validate=false",
      tag: "k",
      refusals: async (namespace, objects) => {
        const res = await kubectl(["apply", "--validate=false", "-n", namespace, "-f", "-"], {
          input: objects.map((o) => stringify(o)).join("---\n"),
        });
        return { code: res.code, text: res.stderr };
      },
    },
    {
      name: "helm install",
      tag: "h",
      refusals: async (namespace, objects) => {
        const chart = writeChart(tmp, "argo-manifests", objects);
        const res = await helm(["install", "argo-manifests", chart, "-n", namespace]);
        return { code: res.code, text: res.stderr };
      },
    },
  ];

  for (const client of clients) {
    describe(`through ${client.name}`, () => {
      const clientNs = useNamespace(`unsupported-${client.tag}`);
      let errors = new Map<string, string>();
      let code = 0;
      let text = "";
      before(async function () {
        this.timeout(120_000);
        const res = await client.refusals(
          clientNs(),
          cases.map((c) => manifestOf(c, client.tag)),
        );
        code = res.code;
        text = res.text;
        errors = errorsByObject(res.text);
      });

      it("exits non-zero", () => {
        assert.notEqual(code, 0);
      });

      for (const c of cases) {
        it(`refuses ${c.kind} ${c.field}, naming it, and stores nothing`, async () => {
          const name = taggedName(c, client.tag);
          const error = errors.get(`${c.kind}/${name}`);
          assert.ok(error, `${c.kind} ${name} was not refused; ${client.name} said: ${text.slice(0, 2000)}`);
          assert.match(error, new RegExp(`${escape(c.field)} is not supported yet`));
          assert.equal(await stored(clientNs(), c.kind, name), undefined, "nothing was stored");
        });
      }
    });
  }

  it("refuses Argo's regular expressions in dryRun and measurementRetention metricName (Kestrel matches exact names)", async () => {
    for (const list of ["dryRun", "measurementRetention"]) {
      const template = baseObject("AnalysisTemplate", `regex-${list.toLowerCase()}`);
      setAt(template, `spec.${list}`, [{ metricName: ".*", limit: 5 }]);
      const res = await kubectl(["apply", "--validate=false", "-n", ns(), "-f", "-"], {
        input: stringify(template),
      });
      assert.notEqual(res.code, 0, `${list} with ".*" was accepted`);
      assert.match(
        res.stderr,
        new RegExp(`spec\\.${list}\\[\\]\\.metricName must be the name of a metric in spec\\.metrics`),
      );
    }
  });

  it("applies an Argo-style manifest that uses only implemented fields through kubectl --validate=false, nothing pruned", async () => {
    const objects = renamed(argoStyle(), "-kubectl");
    const res = await kubectl(["apply", "--validate=false", "-n", ns(), "-f", "-"], {
      input: objects.map((o) => stringify(o)).join("---\n"),
    });
    assert.equal(res.code, 0, res.stderr);
    for (const o of objects) {
      const got = await stored(ns(), o.kind as Case["kind"], (o.metadata as Obj).name as string);
      assert.deepEqual(missingLeaves(o.spec, got?.spec, "spec"), [], `${o.kind as string} kept every field`);
    }
  });

  it("installs the same manifest with helm, nothing pruned", async () => {
    const objects = renamed(argoStyle(), "-helm");
    const chart = writeChart(tmp, "argo-valid", objects);
    const res = await helm(["install", "argo-valid", chart, "-n", ns()]);
    assert.equal(res.code, 0, res.stderr);
    for (const o of objects) {
      const got = await stored(ns(), o.kind as Case["kind"], (o.metadata as Obj).name as string);
      assert.deepEqual(missingLeaves(o.spec, got?.spec, "spec"), [], `${o.kind as string} kept every field`);
    }
  });
});
