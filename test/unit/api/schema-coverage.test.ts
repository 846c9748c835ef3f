import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { allCrds } from "../../../controller/api/crds.js";
import { repoRoot } from "../../cluster/paths.js";

type Node = Record<string, unknown>;

/**
 * The guard against silently ignored fields: every field the Rollout schema accepts is either
 * refused at apply ("not supported yet", controller/api/unsupported.ts) or listed here with the
 * file that acts on it and the expression that file reads it by. A field added to the schema
 * without an entry fails; so does an entry whose file no longer reads it. Adding an entry is a
 * claim a reviewer checks: the file does what the field says.
 */
const implementedBy: Record<string, { file: string; reads: string }> = {
  "spec.replicas": { file: "controller/rollout/state.ts", reads: "spec.replicas" },
  "spec.selector.matchLabels": { file: "controller/rollout/replicasets.ts", reads: "selector.matchLabels" },
  "spec.selector.matchExpressions[]": { file: "controller/rollout/status.ts", reads: "matchExpressions" },
  // The template goes to the ReplicaSet through the config hook (as written, or pointing at snapshots).
  "spec.template.metadata.labels": { file: "controller/config/hook.ts", reads: "ro.spec.template" },
  "spec.template.metadata.annotations": {
    file: "controller/config/hook.ts",
    reads: "ro.spec.template",
  },
  "spec.template.spec": { file: "controller/config/hook.ts", reads: "ro.spec.template" },
  "spec.configSnapshots": { file: "controller/config/hook.ts", reads: "ro.spec.configSnapshots" },
  "spec.minReadySeconds": { file: "controller/rollout/replicasets.ts", reads: "spec.minReadySeconds" },
  "spec.revisionHistoryLimit": {
    file: "controller/rollout/replicasets.ts",
    reads: "spec.revisionHistoryLimit",
  },
  "spec.paused": { file: "controller/rollout/canary.ts", reads: "spec.paused" },
  "spec.progressDeadlineSeconds": {
    file: "controller/rollout/deadline.ts",
    reads: "progressDeadlineSeconds",
  },
  "spec.progressDeadlineAbort": { file: "controller/rollout/deadline.ts", reads: "progressDeadlineAbort" },
  "spec.restartAt": { file: "controller/rollout/restart.ts", reads: "restartAt" },
  "spec.analysis.successfulRunHistoryLimit": {
    file: "controller/rollout/runs.ts",
    reads: "successfulRunHistoryLimit",
  },
  "spec.analysis.unsuccessfulRunHistoryLimit": {
    file: "controller/rollout/runs.ts",
    reads: "unsuccessfulRunHistoryLimit",
  },
  "spec.rollbackTo.revision": { file: "controller/rollout/plan.ts", reads: "rollbackTo.revision" },
  "spec.undoReplaysSteps": { file: "controller/rollout/settled.ts", reads: "spec.undoReplaysSteps" },
  "spec.strategy.canary.trafficRouting.gatewayAPI.httpRoutes[].name": {
    file: "controller/api/traffic.ts",
    reads: "config.httpRoutes ?? []).map((r) => r.name)",
  },
  // Only false is accepted (a CEL rule), so false is what every route gets.
  "spec.strategy.canary.trafficRouting.gatewayAPI.httpRoutes[].useHeaderRoutes": {
    file: "controller/api/traffic.ts",
    reads: "!r.useHeaderRoutes",
  },
  "spec.strategy.canary.trafficRouting.gatewayAPI.namespace": {
    file: "controller/api/traffic.ts",
    reads: "namespace: config.namespace",
  },
  // Its one accepted key (argoproj-labs/gatewayAPI) is read as the same config; any other is refused.
  "spec.strategy.canary.trafficRouting.plugins": {
    file: "controller/api/traffic.ts",
    reads: "tr.plugins?.[gatewayApiPlugin]",
  },
  "spec.strategy.canary.dynamicStableScale": {
    file: "controller/rollout/routed.ts",
    reads: "canary.dynamicStableScale === true",
  },
  "spec.strategy.canary.scaleDownDelaySeconds": {
    file: "controller/rollout/routed.ts",
    reads: "canary.scaleDownDelaySeconds ?? 30",
  },
  "spec.strategy.canary.scaleDownDelayRevisionLimit": {
    file: "controller/rollout/routed.ts",
    reads: "canary.scaleDownDelayRevisionLimit",
  },
  "spec.strategy.canary.abortScaleDownDelaySeconds": {
    file: "controller/rollout/routed.ts",
    reads: "canary.abortScaleDownDelaySeconds",
  },
  // The schema admits one value each, so there is nothing else to read.
  "spec.workloadRef.apiVersion": { file: "controller/api/rollout.ts", reads: 'enum: ["apps/v1"]' },
  "spec.workloadRef.kind": { file: "controller/api/rollout.ts", reads: 'enum: ["Deployment"]' },
  "spec.workloadRef.name": { file: "controller/rollout/workload.ts", reads: "ref.name" },
  "spec.workloadRef.scaleDown": { file: "controller/rollout/workload.ts", reads: "ref.scaleDown" },
  "spec.strategy.canary.steps[].setWeight": {
    file: "controller/rollout/canary-steps.ts",
    reads: "setWeight",
  },
  "spec.strategy.canary.steps[].pause.duration": {
    file: "controller/rollout/canary-steps.ts",
    reads: "pause.duration",
  },
  "spec.strategy.canary.steps[].setCanaryScale.weight": {
    file: "controller/rollout/canary-steps.ts",
    reads: "scale.weight",
  },
  "spec.strategy.canary.steps[].setCanaryScale.replicas": {
    file: "controller/rollout/canary-steps.ts",
    reads: "scale.replicas",
  },
  "spec.strategy.canary.steps[].setCanaryScale.matchTrafficWeight": {
    file: "controller/rollout/canary-steps.ts",
    reads: "scale.matchTrafficWeight",
  },
  "spec.strategy.canary.analysis.startingStep": {
    file: "controller/rollout/canary.ts",
    reads: "startingStep",
  },
  "spec.strategy.canary.maxSurge": { file: "controller/rollout/state.ts", reads: "canary?.maxSurge" },
  "spec.strategy.canary.maxUnavailable": {
    file: "controller/rollout/state.ts",
    reads: "canary?.maxUnavailable",
  },
  "spec.strategy.canary.onFailure.action": {
    file: "controller/rollout/verdict.ts",
    reads: "onFailure?.action",
  },
  "spec.strategy.canary.onFailure.toRevision": {
    file: "controller/rollout/verdict.ts",
    reads: "onFailure?.toRevision",
  },
  "spec.strategy.canary.stableService": { file: "controller/rollout/services.ts", reads: "stableService" },
  "spec.strategy.canary.canaryService": { file: "controller/rollout/services.ts", reads: "canaryService" },
  "spec.strategy.canary.stableMetadata.labels": {
    file: "controller/rollout/metadata.ts",
    reads: "stableMetadata",
  },
  "spec.strategy.canary.stableMetadata.annotations": {
    file: "controller/rollout/metadata.ts",
    reads: "stableMetadata",
  },
  "spec.strategy.canary.canaryMetadata.labels": {
    file: "controller/rollout/metadata.ts",
    reads: "canaryMetadata",
  },
  "spec.strategy.canary.canaryMetadata.annotations": {
    file: "controller/rollout/metadata.ts",
    reads: "canaryMetadata",
  },
  "spec.strategy.blueGreen.activeService": { file: "controller/rollout/services.ts", reads: "activeService" },
  "spec.strategy.blueGreen.previewService": {
    file: "controller/rollout/services.ts",
    reads: "previewService",
  },
  "spec.strategy.blueGreen.autoPromotionEnabled": {
    file: "controller/rollout/bluegreen-gates.ts",
    reads: "bg.autoPromotionEnabled === false",
  },
  "spec.strategy.blueGreen.autoPromotionSeconds": {
    file: "controller/rollout/bluegreen-gates.ts",
    reads: "bg.autoPromotionSeconds",
  },
  "spec.strategy.blueGreen.previewReplicaCount": {
    file: "controller/rollout/bluegreen.ts",
    reads: "bg.previewReplicaCount",
  },
  "spec.strategy.blueGreen.scaleDownDelaySeconds": {
    file: "controller/rollout/bluegreen.ts",
    reads: "scaleDownDelaySeconds ?? 30",
  },
  "spec.strategy.blueGreen.scaleDownDelayRevisionLimit": {
    file: "controller/rollout/bluegreen.ts",
    reads: "blueGreenOf(s).scaleDownDelayRevisionLimit",
  },
  "spec.strategy.blueGreen.abortScaleDownDelaySeconds": {
    file: "controller/rollout/bluegreen.ts",
    reads: "abortScaleDownDelaySeconds ?? 30",
  },
  "spec.strategy.blueGreen.maxUnavailable": {
    file: "controller/rollout/state.ts",
    reads: "blueGreen?.maxUnavailable",
  },
  "spec.strategy.blueGreen.onFailure.action": {
    file: "controller/rollout/verdict.ts",
    reads: "onFailure?.action",
  },
  "spec.strategy.blueGreen.onFailure.toRevision": {
    file: "controller/rollout/verdict.ts",
    reads: "onFailure?.toRevision",
  },
  "spec.strategy.blueGreen.activeMetadata.labels": {
    file: "controller/rollout/metadata.ts",
    reads: "blueGreen.activeMetadata",
  },
  "spec.strategy.blueGreen.activeMetadata.annotations": {
    file: "controller/rollout/metadata.ts",
    reads: "blueGreen.activeMetadata",
  },
  "spec.strategy.blueGreen.previewMetadata.labels": {
    file: "controller/rollout/metadata.ts",
    reads: "blueGreen.previewMetadata",
  },
  "spec.strategy.blueGreen.previewMetadata.annotations": {
    file: "controller/rollout/metadata.ts",
    reads: "blueGreen.previewMetadata",
  },
};
/** The analysis reference (a step's, the background one, blue-green's) is read by one file for all. */
for (const at of [
  "spec.strategy.canary.steps[].analysis",
  "spec.strategy.canary.analysis",
  "spec.strategy.blueGreen.prePromotionAnalysis",
  "spec.strategy.blueGreen.postPromotionAnalysis",
]) {
  const analysis = "controller/rollout/analysis.ts";
  Object.assign(implementedBy, {
    [`${at}.templates[].templateName`]: { file: analysis, reads: "t.templateName" },
    [`${at}.templates[].clusterScope`]: { file: analysis, reads: "t.clusterScope" },
    [`${at}.args[].name`]: { file: analysis, reads: "a.name" },
    [`${at}.args[].value`]: { file: analysis, reads: "a.value" },
    [`${at}.args[].valueFrom.podTemplateHashValue`]: {
      file: analysis,
      reads: "valueFrom.podTemplateHashValue",
    },
    [`${at}.args[].valueFrom.fieldRef.fieldPath`]: { file: analysis, reads: "fieldRef.fieldPath" },
  });
}

/** "spec.a.b[]" paths of every leaf under `node`, except the refused ones and what they hold. */
export function acceptedLeaves(node: Node, at: string, refused: ReadonlySet<string>): string[] {
  if (refused.has(at)) return [];
  const properties = node.properties as Record<string, Node> | undefined;
  if (properties)
    return Object.entries(properties).flatMap(([k, v]) => acceptedLeaves(v, `${at}.${k}`, refused));
  if (node.items) return acceptedLeaves(node.items as Node, `${at}[]`, refused);
  return [at];
}

/** Every field some CEL rule of the schema refuses as "not supported yet", by the path its message names. */
function refusedPaths(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => refusedPaths(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "x-kubernetes-validations")
        for (const rule of v as { message: string }[]) {
          const m = /^(\S+) is not supported yet/.exec(rule.message);
          if (m) out.add(m[1]!);
        }
      else refusedPaths(v, out);
    }
  }
  return out;
}

const rolloutSchema = (): Node => {
  const crd = allCrds().find((c) => c.metadata?.name === "rollouts.kestrel.dev");
  assert.ok(crd, "the Rollout CRD is generated");
  return crd.spec.versions[0]!.schema!.openAPIV3Schema as unknown as Node;
};

describe("guard: every field the Rollout schema accepts is implemented or refused", () => {
  const schema = rolloutSchema();
  const spec = (schema.properties as Record<string, Node>).spec!;
  const refused = refusedPaths(schema);
  const accepted = acceptedLeaves(spec, "spec", refused);

  it("the walk sees the schema: refusals found and some accepted fields", () => {
    assert.ok(refused.has("spec.strategy.canary.pingPong"), "pingPong is refused");
    assert.ok(accepted.includes("spec.strategy.canary.stableService"));
    assert.ok(!accepted.includes("spec.strategy.canary.pingPong"));
  });

  it("each accepted field is in the reviewed map of implementations", () => {
    const unmapped = accepted.filter((p) => !(p in implementedBy));
    assert.deepEqual(
      unmapped,
      [],
      "accepted by the schema but implemented nowhere: implement it (and list it here) or refuse it in controller/api/unsupported.ts",
    );
  });

  it("the map names no field the schema no longer accepts", () => {
    assert.deepEqual(
      Object.keys(implementedBy).filter((p) => !accepted.includes(p)),
      [],
    );
  });

  for (const [field, { file, reads }] of Object.entries(implementedBy)) {
    it(`${field}: ${file} reads it (${reads})`, () => {
      const source = fs.readFileSync(path.join(repoRoot, file), "utf8");
      assert.ok(source.includes(reads), `${file} does not contain "${reads}"`);
    });
  }

  it("goes red for a field added without implementation", () => {
    const widened = structuredClone(spec);
    const canary = (widened.properties as Record<string, Node>).strategy!.properties as Record<string, Node>;
    (canary.canary!.properties as Record<string, Node>).newField = { type: "string" };
    const unmapped = acceptedLeaves(widened, "spec", refused).filter((p) => !(p in implementedBy));
    assert.deepEqual(unmapped, ["spec.strategy.canary.newField"]);
  });
});
