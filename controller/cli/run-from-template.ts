/**
 * `create analysisrun`: the AnalysisRun a template gives with the arguments the user typed.
 * Pure (table-tested in test/unit/cli/run-from-template.test.ts): the template in, the run or
 * why there is none out.
 */
import type { AnalysisRun, AnalysisTemplateSpec } from "../api/analysis.js";
import { apiVersion } from "../api/common.js";
import type { RunRequest } from "./run-args.js";

/** Labels saying where a one-off run came from (a Rollout's runs carry kestrel.dev/rollout instead). */
export const templateLabel = "kestrel.dev/analysis-template";
export const clusterTemplateLabel = "kestrel.dev/cluster-analysis-template";

export function runFromTemplate(
  spec: AnalysisTemplateSpec,
  req: RunRequest,
): { run: AnalysisRun } | { error: string } {
  const kind = req.clusterTemplate ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
  const declared = new Set((spec.args ?? []).map((a) => a.name));
  const unknown = req.args.filter(([n]) => !declared.has(n)).map(([n]) => n);
  if (unknown.length > 0)
    return {
      error: `${kind} ${req.template} declares no argument ${unknown.map((n) => `"${n}"`).join(", ")} (it declares: ${[...declared].join(", ") || "none"})`,
    };
  const given = new Map(req.args);
  const args: NonNullable<AnalysisTemplateSpec["args"]> = [];
  const missing: string[] = [];
  for (const a of spec.args ?? []) {
    const value = given.get(a.name);
    if (value !== undefined) args.push({ name: a.name, value });
    // A Secret is read by the controller in the run's namespace, as for a Rollout's runs.
    else if (a.valueFrom?.secretKeyRef)
      args.push({ name: a.name, valueFrom: { secretKeyRef: a.valueFrom.secretKeyRef } });
    else if (a.value !== undefined) args.push({ name: a.name, value: a.value });
    // A fieldRef names a field of a Rollout, and a one-off run has none: its value must be given.
    else missing.push(a.name);
  }
  if (missing.length > 0)
    return {
      error: `${kind} ${req.template} needs a value for ${missing.map((n) => `"${n}"`).join(", ")}: give ${missing.map((n) => `-a ${n}=VALUE`).join(" ")}`,
    };
  const named =
    req.name !== undefined ? { name: req.name } : { generateName: req.generateName ?? `${req.template}-` };
  return {
    run: {
      apiVersion,
      kind: "AnalysisRun",
      metadata: {
        ...named,
        labels: { [req.clusterTemplate ? clusterTemplateLabel : templateLabel]: req.template },
      },
      spec: {
        ...(args.length > 0 ? { args } : {}),
        metrics: spec.metrics,
        ...(spec.dryRun ? { dryRun: spec.dryRun } : {}),
        ...(spec.measurementRetention ? { measurementRetention: spec.measurementRetention } : {}),
      },
    },
  };
}
