import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../log.js";
import type { Action } from "../rollout/actions.js";

const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export type WorkloadAction = Extract<Action, { kind: "updateWorkloadTemplate" | "scaleWorkload" }>;

/**
 * Writes to the Deployment a Rollout's spec.workloadRef names. The template write carries the
 * resourceVersion the plan was made from: a Deployment someone edited since is re-read and
 * re-planned (409), never overwritten.
 */
export async function applyWorkload(
  apps: k8s.AppsV1Api,
  namespace: string,
  action: WorkloadAction,
  seen: k8s.V1Deployment | undefined,
  log: Logger,
): Promise<void> {
  if (action.kind === "scaleWorkload") {
    await apps.patchNamespacedDeployment(
      { name: action.name, namespace, body: { spec: { replicas: action.replicas } } },
      mergePatch,
    );
    log.info("scaled the referenced Deployment", {
      deployment: action.name,
      from: action.from,
      to: action.replicas,
    });
    return;
  }
  const resourceVersion = seen?.metadata?.resourceVersion;
  if (!resourceVersion)
    throw new Error(`Deployment ${action.name} is not in the cache: cannot write its template`);
  await apps.patchNamespacedDeployment(
    {
      name: action.name,
      namespace,
      body: [
        // A precondition the API server answers with 409, as for the Rollout (see rolloutPatch).
        { op: "replace", path: "/metadata/resourceVersion", value: resourceVersion },
        { op: "replace", path: "/spec/template", value: action.template },
      ],
    },
    jsonPatch,
  );
  log.info("wrote the undo's template to the referenced Deployment", { deployment: action.name });
}
