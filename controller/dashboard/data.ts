/** The dashboard's reads, made with the user's own kubeconfig: what the API server lets them see. */
import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import type { StoredRollout } from "../api/rollout.js";
import { readOwned, ro, type KubeCtx } from "../cli/actions.js";
import { listRow, rolloutDetail, type ListRow, type RolloutDetail } from "./view-rollout.js";

/** The namespaces in view: one, or all (-A). */
export interface Scope {
  namespace: string;
  allNamespaces: boolean;
}

export interface Clients {
  api: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
}

export function clientsOf(kc: k8s.KubeConfig): Clients {
  return {
    api: kc.makeApiClient(k8s.CustomObjectsApi),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
  };
}

/** Whether a namespace is in view; the page is refused others, as the plugin run with -n would be. */
export function inScope(scope: Scope, namespace: string): boolean {
  return scope.allNamespaces || scope.namespace === namespace;
}

export async function listRows(c: Clients, scope: Scope): Promise<ListRow[]> {
  const list = (plural: string): Promise<{ items: unknown[] }> =>
    (scope.allNamespaces
      ? c.api.listClusterCustomObject({ ...ro, plural })
      : c.api.listNamespacedCustomObject({ ...ro, plural, namespace: scope.namespace })) as Promise<{
      items: unknown[];
    }>;
  const [rollouts, runs] = await Promise.all([list("rollouts"), list("analysisruns")]);
  return (rollouts.items as StoredRollout[])
    .map((r) => listRow(r, runs.items as AnalysisRun[]))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export async function detail(c: Clients, namespace: string, name: string): Promise<RolloutDetail> {
  const ctx: KubeCtx = { namespace, api: c.api, apps: c.apps };
  const [{ r, replicaSets, runs }, events] = await Promise.all([
    readOwned(ctx, name),
    c.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=Rollout,involvedObject.name=${name}`,
    }),
  ]);
  return rolloutDetail(r, replicaSets, runs, events.items);
}
