import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { allCrds } from "../../../controller/api/crds.js";
import { repoRoot } from "../../cluster/paths.js";

type Node = Record<string, unknown>;

/**
 * Argo Rollouts fields Kestrel does not implement, written from Argo's v1alpha1 types and docs
 * (not from controller/api/unsupported.ts): each must be declared in the CRD and refused by a CEL
 * rule, or the API server would prune it for non-strict clients and the Rollout would run as
 * something else.
 */
const rolloutAnalysisFields = ["dryRun", "measurementRetention", "analysisRunMetadata"];
const analysisFields = [
  "spec.templates",
  "spec.metrics[].consecutiveSuccessLimit",
  ...[
    "datadog",
    "newRelic",
    "wavefront",
    "kayenta",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
  ].map((p) => `spec.metrics[].provider.${p}`),
  "spec.metrics[].provider.prometheus.rangeQuery",
  "spec.metrics[].provider.prometheus.authentication.sigv4",
  "spec.metrics[].provider.prometheus.authentication.oauth2",
];
const refusedByCrd: Record<string, string[]> = {
  "rollouts.kestrel.dev": [
    "spec.rollbackWindow",
    "spec.strategy.blueGreen.antiAffinity",
    ...rolloutAnalysisFields.map((f) => `spec.strategy.blueGreen.prePromotionAnalysis.${f}`),
    ...rolloutAnalysisFields.map((f) => `spec.strategy.blueGreen.postPromotionAnalysis.${f}`),
    ...["antiAffinity", "pingPong", "minPodsPerReplicaSet"].map((f) => `spec.strategy.canary.${f}`),
    ...[
      "istio",
      "nginx",
      "alb",
      "smi",
      "ambassador",
      "appMesh",
      "traefik",
      "apisix",
      "managedRoutes",
      "maxTrafficWeight",
    ].map((f) => `spec.strategy.canary.trafficRouting.${f}`),
    ...["experiment", "setHeaderRoute", "setMirrorRoute", "plugin"].map(
      (f) => `spec.strategy.canary.steps[].${f}`,
    ),
    ...rolloutAnalysisFields.map((f) => `spec.strategy.canary.analysis.${f}`),
    ...rolloutAnalysisFields.map((f) => `spec.strategy.canary.steps[].analysis.${f}`),
  ],
  "analysistemplates.kestrel.dev": analysisFields,
  "clusteranalysistemplates.kestrel.dev": analysisFields,
  "analysisruns.kestrel.dev": [...analysisFields, "spec.ttlStrategy"],
};

/** Fields Kestrel implements; none may carry a refusal (a sample across every level). */
const implemented: Record<string, string[]> = {
  "rollouts.kestrel.dev": [
    "spec.replicas",
    "spec.analysis",
    "spec.strategy.canary",
    "spec.strategy.canary.maxSurge",
    "spec.strategy.canary.stableService",
    "spec.strategy.canary.canaryService",
    "spec.strategy.canary.steps[].setWeight",
    "spec.strategy.canary.steps[].analysis",
    "spec.strategy.canary.analysis.startingStep",
    "spec.strategy.canary.analysis.args",
    "spec.strategy.blueGreen",
    "spec.strategy.blueGreen.activeService",
    "spec.strategy.blueGreen.previewService",
    "spec.strategy.blueGreen.prePromotionAnalysis.templates",
    "spec.strategy.blueGreen.scaleDownDelaySeconds",
    "spec.strategy.canary.dynamicStableScale",
    "spec.strategy.canary.scaleDownDelaySeconds",
    "spec.strategy.canary.scaleDownDelayRevisionLimit",
  ],
  "analysistemplates.kestrel.dev": [
    "spec.dryRun",
    "spec.measurementRetention",
    "spec.metrics[].provider.prometheus",
    "spec.metrics[].provider.prometheus.authentication.bearerTokenSecret",
  ],
};

const rootOf = (crdName: string): Node => {
  const crd = allCrds().find((c) => c.metadata?.name === crdName);
  assert.ok(crd, `${crdName} is generated`);
  return crd.spec.versions[0]!.schema!.openAPIV3Schema as unknown as Node;
};

/** The schema nodes from the root down to `fieldPath` ("a.b[].c"), or undefined if one is missing. */
function nodesAlong(root: Node, fieldPath: string): Node[] | undefined {
  const nodes = [root];
  for (const part of fieldPath.split(".")) {
    const name = part.replace(/\[\]$/, "");
    let node = (nodes.at(-1)!.properties as Record<string, Node> | undefined)?.[name];
    if (!node) return undefined;
    if (part.endsWith("[]")) {
      nodes.push(node);
      node = node.items as Node;
    }
    nodes.push(node);
  }
  return nodes;
}

interface Rule {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Every rule on `fieldPath`'s ancestors whose message refuses that field. */
function refusalsOf(root: Node, fieldPath: string): Rule[] {
  const nodes = nodesAlong(root, fieldPath) ?? [];
  return nodes
    .slice(0, -1)
    .flatMap((n) => (n["x-kubernetes-validations"] as Rule[] | undefined) ?? [])
    .filter((r) => r.message.startsWith(`${fieldPath} is not supported yet`));
}

describe("Argo fields Kestrel does not implement are declared and refused for every client", () => {
  for (const [crdName, paths] of Object.entries(refusedByCrd)) {
    for (const fieldPath of paths) {
      it(`${crdName}: ${fieldPath} is declared (never pruned) and refused with "not supported yet"`, () => {
        const root = rootOf(crdName);
        const nodes = nodesAlong(root, fieldPath);
        assert.ok(nodes, `${fieldPath} is declared in the schema`);
        const field = nodes.at(-1)!;
        const keepsContent =
          field.type !== "object" || field["x-kubernetes-preserve-unknown-fields"] === true;
        assert.ok(keepsContent, "an object field keeps its unmodelled content");
        assert.match(String(field.description), /not support(ed)? yet/, "kubectl explain says so");

        const rules = refusalsOf(root, fieldPath);
        assert.equal(rules.length, 1, `one rule refuses ${fieldPath}`);
        const leaf = fieldPath.split(".").at(-1)!;
        // The rule tests presence of the field itself, and points the error at it.
        assert.match(rules[0]!.rule, new RegExp(`!has\\(self\\.([A-Za-z]+\\.)?${leaf}\\)`));
        assert.match(rules[0]!.fieldPath ?? "", new RegExp(`\\.${leaf}$`));
      });
    }
  }

  for (const [crdName, paths] of Object.entries(implemented)) {
    for (const fieldPath of paths) {
      it(`${crdName}: ${fieldPath} is implemented and not refused`, () => {
        const root = rootOf(crdName);
        assert.ok(nodesAlong(root, fieldPath), `${fieldPath} is declared`);
        assert.deepEqual(refusalsOf(root, fieldPath), []);
      });
    }
  }

  it("refuses nothing beyond the list above (each refusal is one the list names)", () => {
    for (const crd of allCrds()) {
      const name = crd.metadata!.name!;
      const messages: string[] = [];
      const walk = (n: Node): void => {
        for (const r of (n["x-kubernetes-validations"] as Rule[] | undefined) ?? []) {
          const refused = /^(\S+) is not supported yet/.exec(r.message)?.[1];
          if (refused) messages.push(refused);
        }
        for (const child of Object.values((n.properties as Record<string, Node>) ?? {})) walk(child);
        if (n.items) walk(n.items as Node);
      };
      walk(crd.spec.versions[0]!.schema!.openAPIV3Schema as unknown as Node);
      assert.deepEqual(messages.sort(), [...(refusedByCrd[name] ?? [])].sort(), name);
    }
  });

  for (const crdName of [
    "analysistemplates.kestrel.dev",
    "clusteranalysistemplates.kestrel.dev",
    "analysisruns.kestrel.dev",
  ]) {
    it(`${crdName}: dryRun and measurementRetention metricName must name a metric exactly (Argo's regex is refused)`, () => {
      const rules = (rootOf(crdName)["x-kubernetes-validations"] as Rule[] | undefined) ?? [];
      for (const list of ["dryRun", "measurementRetention"]) {
        const rule = rules.find((r) =>
          r.message.startsWith(`spec.${list}[].metricName must be the name of a metric`),
        );
        assert.ok(rule, `a rule checks spec.${list}`);
        assert.match(rule.rule, new RegExp(`self\\.spec\\.${list}\\.all\\(`));
        assert.match(rule.rule, /self\.spec\.metrics\.exists\(m, m\.name == d\.metricName\)/);
      }
    });
  }

  it("the README's table of refused fields lists exactly these Rollout and analysis fields", () => {
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const section = /### Argo fields refused as "not supported yet"\n([\s\S]*?)\n#/.exec(readme)?.[1];
    assert.ok(section, "README has the section");
    const listed = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]!);
    const expected = new Set([
      ...refusedByCrd["rollouts.kestrel.dev"]!,
      ...refusedByCrd["analysisruns.kestrel.dev"]!,
    ]);
    assert.deepEqual([...listed].sort(), [...expected].sort());
  });
});
