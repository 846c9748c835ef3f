import assert from "node:assert/strict";
import type { AnalysisTemplateSpec } from "../../../controller/api/analysis.js";
import { buildRun, checkAnalysis, type TemplateLookup } from "../../../controller/rollout/analysis.js";
import { rollout } from "./world.js";

const metric = {
  name: "m",
  successCondition: "result[0] > 0",
  provider: { prometheus: { address: "http://p", query: "q" } },
};
const lookup = (
  namespaced: Record<string, AnalysisTemplateSpec>,
  cluster: Record<string, AnalysisTemplateSpec> = {},
): TemplateLookup => ({
  namespaced: new Map(Object.entries(namespaced)),
  cluster: new Map(Object.entries(cluster)),
});

describe("the AnalysisRun a Rollout's analysis reference makes", () => {
  const ro = rollout();
  ro.metadata.labels = { app: "web", team: "pay" };

  it("merges the templates' metrics and resolves every argument it can: defaults, the Rollout's values, fields and hashes", () => {
    const templates = lookup(
      {
        rate: {
          args: [
            { name: "service", value: "default-svc" },
            { name: "app", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
            { name: "canary-hash" },
            { name: "stable-hash" },
          ],
          metrics: [metric],
        },
      },
      {
        latency: {
          args: [{ name: "team", valueFrom: { fieldRef: { fieldPath: "metadata.labels.team" } } }],
          metrics: [{ ...metric, name: "p99" }],
        },
      },
    );
    const run = buildRun(
      ro,
      "web-abc-0-bg",
      "background",
      {
        templates: [{ templateName: "rate" }, { templateName: "latency", clusterScope: true }],
        args: [
          { name: "service", value: "web-canary" },
          { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
          { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } },
          { name: "name", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
      },
      templates,
      { stable: "s111", latest: "c222" },
    );
    assert.deepEqual(run.spec.args, [
      { name: "service", value: "web-canary" },
      { name: "app", value: "web" },
      { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
      { name: "canary-hash", value: "c222" },
      { name: "stable-hash", value: "s111" },
      { name: "team", value: "pay" },
      { name: "name", value: "web" },
    ]);
    assert.deepEqual(
      run.spec.metrics.map((m) => m.name),
      ["m", "p99"],
    );
    assert.deepEqual(run.metadata.labels, {
      "kestrel.dev/rollout": "web",
      "kestrel.dev/analysis": "background",
      "rollouts-pod-template-hash": "c222",
    });
    assert.equal(run.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(run.metadata.ownerReferences?.[0]?.name, "web");
    assert.equal(run.metadata.namespace, "ns");
  });

  it("a field the Rollout does not have resolves to no value (the run then names the argument)", () => {
    const run = buildRun(
      ro,
      "r",
      "step",
      {
        templates: [{ templateName: "t" }],
        args: [{ name: "x", valueFrom: { fieldRef: { fieldPath: "metadata.labels.nothing" } } }],
      },
      lookup({ t: { args: [{ name: "x" }], metrics: [metric] } }),
      { latest: "c" },
    );
    assert.equal(run.spec.args?.length, 1);
    assert.equal(run.spec.args?.[0]?.name, "x");
    assert.equal(run.spec.args?.[0]?.value, undefined);
  });
});

describe("checkAnalysis: references the planner cannot satisfy", () => {
  const withRefs = (canary: Parameters<typeof rollout>[1]) => rollout({}, canary);

  it("names a missing template, namespaced or cluster-scoped, by where it is referenced", () => {
    const errors = checkAnalysis(
      withRefs({
        analysis: { templates: [{ templateName: "gone" }] },
        steps: [
          { setWeight: 20 },
          { analysis: { templates: [{ templateName: "also-gone", clusterScope: true }] } },
        ],
      }),
      lookup({}),
    );
    assert.deepEqual(errors, [
      { field: "spec.strategy.canary.analysis.templates[0]", message: 'AnalysisTemplate "gone" not found' },
      {
        field: "spec.strategy.canary.steps[1].analysis.templates[0]",
        message: 'ClusterAnalysisTemplate "also-gone" not found',
      },
    ]);
  });

  it("names an argument the template needs and nobody passes; a default or a valueFrom is enough", () => {
    const templates = lookup({
      t: {
        args: [
          { name: "needed" },
          { name: "defaulted", value: "1" },
          { name: "from", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
        metrics: [metric],
      },
    });
    assert.deepEqual(
      checkAnalysis(withRefs({ analysis: { templates: [{ templateName: "t" }] } }), templates),
      [
        {
          field: "spec.strategy.canary.analysis.args",
          message: 'template "t" needs argument "needed"; pass it in args',
        },
      ],
    );
    const passed = withRefs({
      analysis: { templates: [{ templateName: "t" }], args: [{ name: "needed", value: "x" }] },
    });
    assert.deepEqual(checkAnalysis(passed, templates), []);
  });

  it("names a malformed condition with its template and metric", () => {
    const templates = lookup({ t: { metrics: [{ ...metric, successCondition: "result[0] >" }] } });
    const errors = checkAnalysis(withRefs({ analysis: { templates: [{ templateName: "t" }] } }), templates);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.field, "spec.strategy.canary.analysis.templates[0]");
    assert.match(errors[0]?.message ?? "", /^AnalysisTemplate "t" metric "m" successCondition: cannot parse/);
  });

  it("carries the Rollout's controller instance id to its runs, so the same instance caches them", () => {
    const labelled = rollout();
    labelled.metadata.labels = { "kestrel.dev/controller-instance-id": "blue" };
    const run = buildRun(
      labelled,
      "r",
      "step",
      { templates: [{ templateName: "t" }] },
      lookup({ t: { metrics: [metric] } }),
      { latest: "c" },
    );
    assert.equal(run.metadata.labels?.["kestrel.dev/controller-instance-id"], "blue");
  });
});
