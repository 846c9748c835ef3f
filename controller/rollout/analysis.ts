import type { AnalysisRun, AnalysisTemplateSpec } from "../api/analysis.js";
import { apiVersion } from "../api/common.js";
import type { Rollout } from "../api/rollout.js";
import type { FieldError } from "../api/validate.js";
import { validateCondition } from "../analysis/evaluate.js";
import { instanceIdLabel, podTemplateHashLabel } from "./labels.js";
import { controllerRef } from "./owner.js";

/** Templates the planner can see, by name. */
export interface TemplateLookup {
  namespaced: ReadonlyMap<string, AnalysisTemplateSpec>;
  cluster: ReadonlyMap<string, AnalysisTemplateSpec>;
}

type AnalysisRef = {
  templates: { templateName: string; clusterScope?: boolean }[];
  args?: {
    name: string;
    value?: string;
    valueFrom?: { podTemplateHashValue?: string; fieldRef?: { fieldPath: string } };
  }[];
};

export const runLabel = "kestrel.dev/rollout";
export const runKindLabel = "kestrel.dev/analysis";

/** Errors for analysis references the planner cannot satisfy (missing templates or arguments). */
export function checkAnalysis(ro: Rollout, templates: TemplateLookup): FieldError[] {
  const errors: FieldError[] = [];
  const canary = ro.spec.strategy.canary;
  const refs: [string, AnalysisRef][] = [];
  if (canary?.analysis) refs.push(["spec.strategy.canary.analysis", canary.analysis]);
  (canary?.steps ?? []).forEach(
    (s, i) => s.analysis && refs.push([`spec.strategy.canary.steps[${i}].analysis`, s.analysis]),
  );
  const blueGreen = ro.spec.strategy.blueGreen;
  for (const when of ["prePromotionAnalysis", "postPromotionAnalysis"] as const) {
    const ref = blueGreen?.[when];
    if (ref) refs.push([`spec.strategy.blueGreen.${when}`, ref]);
  }
  for (const [field, ref] of refs) {
    const given = new Set((ref.args ?? []).map((a) => a.name));
    ref.templates.forEach((t, i) => {
      const spec = (t.clusterScope ? templates.cluster : templates.namespaced).get(t.templateName);
      if (!spec) {
        errors.push({
          field: `${field}.templates[${i}]`,
          message: `${t.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${t.templateName}" not found`,
        });
        return;
      }
      for (const metric of spec.metrics) {
        for (const which of ["successCondition", "failureCondition"] as const) {
          const problem = metric[which] !== undefined ? validateCondition(metric[which]) : undefined;
          if (problem) {
            errors.push({
              field: `${field}.templates[${i}]`,
              message: `${t.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${t.templateName}" metric "${metric.name}" ${which}: ${problem}`,
            });
          }
        }
      }
      for (const arg of spec.args ?? []) {
        if (arg.value === undefined && arg.valueFrom === undefined && !given.has(arg.name)) {
          errors.push({
            field: `${field}.args`,
            message: `template "${t.templateName}" needs argument "${arg.name}"; pass it in args`,
          });
        }
      }
    });
  }
  return errors;
}

/** The AnalysisRun for one analysis reference: templates merged, arguments resolved as far as the planner can. */
export function buildRun(
  ro: Rollout,
  name: string,
  kind: "background" | "step" | "prePromotion" | "postPromotion",
  ref: AnalysisRef,
  templates: TemplateLookup,
  hashes: { stable?: string; latest: string },
): AnalysisRun {
  const instanceId = ro.metadata.labels?.[instanceIdLabel];
  const specs = ref.templates.map((t) =>
    (t.clusterScope ? templates.cluster : templates.namespaced).get(t.templateName)!,
  );
  const args = new Map<
    string,
    { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
  >();
  for (const spec of specs)
    for (const a of spec.args ?? []) {
      // A template's own fieldRef names a field of the Rollout, resolved now as the Rollout's are.
      const fieldPath = a.valueFrom?.fieldRef?.fieldPath;
      args.set(a.name, fieldPath ? { name: a.name, value: fieldValue(ro, fieldPath) } : { ...a });
    }
  for (const a of ref.args ?? []) {
    let value = a.value;
    if (a.valueFrom?.podTemplateHashValue)
      value = a.valueFrom.podTemplateHashValue === "Stable" ? hashes.stable : hashes.latest;
    if (a.valueFrom?.fieldRef) value = fieldValue(ro, a.valueFrom.fieldRef.fieldPath);
    args.set(a.name, { name: a.name, value });
  }
  return {
    apiVersion,
    kind: "AnalysisRun",
    metadata: {
      name,
      namespace: ro.metadata.namespace,
      labels: {
        [runLabel]: ro.metadata.name ?? "",
        [runKindLabel]: kind,
        [podTemplateHashLabel]: hashes.latest,
        // The run belongs to the controller instance its Rollout does (only that one caches it).
        ...(instanceId === undefined ? {} : { [instanceIdLabel]: instanceId }),
      },
      ownerReferences: [controllerRef(ro)],
    },
    spec: {
      args: [...args.values()],
      metrics: specs.flatMap((s) => s.metrics),
      dryRun: specs.flatMap((s) => s.dryRun ?? []),
      measurementRetention: specs.flatMap((s) => s.measurementRetention ?? []),
    },
  };
}

function fieldValue(ro: Rollout, fieldPath: string): string | undefined {
  let v: unknown = ro;
  for (const part of fieldPath.split(/\.|\[['"]?|['"]?\]/).filter(Boolean)) {
    if (v && typeof v === "object") v = (v as Record<string, unknown>)[part];
    else return undefined;
  }
  return v === undefined ? undefined : String(v);
}
