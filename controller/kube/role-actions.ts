import * as k8s from "@kubernetes/client-node";
import type { Action } from "../rollout/actions.js";
import { ephemeralMetadataAnnotation, podTemplateHashLabel } from "../rollout/labels.js";
import type { ActionContext } from "./rollout-actions.js";

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/**
 * Adds (or changes) the one selector key; a merge patch leaves the user's other keys as they are.
 * metadata.resourceVersion in the patch is a precondition: a Service edited since the planner read
 * it gets a 409, and the next pass plans from the newer Service instead of overwriting it.
 */
export async function patchServiceSelector(
  { core, namespace, log }: ActionContext,
  a: Extract<Action, { kind: "patchServiceSelector" }>,
): Promise<void> {
  const body = {
    metadata: { resourceVersion: a.resourceVersion },
    spec: { selector: { [podTemplateHashLabel]: a.hash } },
  };
  await core.patchNamespacedService({ name: a.service, namespace, body }, mergePatch);
  log.info("switched Service selector", { service: a.service, hash: a.hash });
}

/**
 * Ephemeral metadata for one ReplicaSet: its template first (pods it creates from now on carry
 * it), then its running pods in place (no restart), then the record, last, so that a crash
 * anywhere before leaves the record unfinished and the next pass does it all again. The template
 * goes with the pending record in one patch: a template carrying keys its record does not name
 * would read as a different template (an undo's target would look like a new revision).
 */
export async function syncPodMetadata(
  { apps, core, namespace, log }: ActionContext,
  a: Extract<Action, { kind: "syncPodMetadata" }>,
): Promise<void> {
  const metadata = { labels: a.labels, annotations: a.annotations };
  const template = {
    metadata: { annotations: { [ephemeralMetadataAnnotation]: a.pendingRecord } },
    spec: { template: { metadata } },
  };
  await apps.patchNamespacedReplicaSet({ name: a.replicaSet, namespace, body: template }, mergePatch);
  let pods = 0;
  if (a.pods) {
    const list = await core.listNamespacedPod({
      namespace,
      labelSelector: `${podTemplateHashLabel}=${a.hash}`,
    });
    const owned = list.items.filter((p) =>
      p.metadata?.ownerReferences?.some(
        (o) => o.controller && o.kind === "ReplicaSet" && o.name === a.replicaSet,
      ),
    );
    for (const pod of owned) {
      const name = pod.metadata?.name ?? "";
      await core
        .patchNamespacedPod({ name, namespace, body: { metadata } }, mergePatch)
        .catch((err: unknown) => {
          if (!(err instanceof k8s.ApiException && err.code === 404)) throw err; // gone: nothing to relabel
        });
      pods++;
    }
  }
  const record = { metadata: { annotations: { [ephemeralMetadataAnnotation]: a.record } } };
  await apps.patchNamespacedReplicaSet({ name: a.replicaSet, namespace, body: record }, mergePatch);
  log.info("synced ephemeral metadata", {
    replicaSet: a.replicaSet,
    labels: a.labels,
    annotations: a.annotations,
    pods,
  });
}
