/** The AnalysisRun commands' I/O: read the template, create the run; patch spec.terminate. */
import * as k8s from "@kubernetes/client-node";
import type { AnalysisTemplate } from "../api/analysis.js";
import { group, version } from "../api/common.js";
import type { RunRequest } from "./run-args.js";
import { runFromTemplate } from "./run-from-template.js";

export interface RunCtx {
  api: k8s.CustomObjectsApi;
  namespace: string;
}

/** A failure of the command itself (exit 1), in words. */
export class RunCommandError extends Error {}

const ar = { group, version, plural: "analysisruns" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export async function createRun(ctx: RunCtx, req: RunRequest): Promise<number> {
  const template = (
    req.clusterTemplate
      ? await ctx.api.getClusterCustomObject({
          group,
          version,
          plural: "clusteranalysistemplates",
          name: req.template,
        })
      : await ctx.api.getNamespacedCustomObject({
          group,
          version,
          plural: "analysistemplates",
          namespace: ctx.namespace,
          name: req.template,
        })
  ) as AnalysisTemplate;
  const built = runFromTemplate(template.spec, req);
  if ("error" in built) throw new RunCommandError(built.error);
  const created = (await ctx.api.createNamespacedCustomObject({
    ...ar,
    namespace: ctx.namespace,
    body: built.run,
  })) as { metadata?: { name?: string } };
  process.stdout.write(`analysisrun.kestrel.dev/${created.metadata?.name ?? ""} created\n`);
  return 0;
}

export async function terminateRun(ctx: RunCtx, name: string): Promise<number> {
  await ctx.api.patchNamespacedCustomObject(
    { ...ar, namespace: ctx.namespace, name, body: { spec: { terminate: true } } },
    merge,
  );
  process.stdout.write(`analysisrun.kestrel.dev/${name} terminated\n`);
  return 0;
}
