import type * as k8s from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";

export interface CustomKind {
  group: string;
  version: string;
  plural: string;
}

/**
 * Writes an object's status subresource, last, with the resourceVersion we planned from: if the
 * object changed since, the API server answers 409 and the key is requeued against the newer
 * object, so a newer spec or status is never overwritten. Unchanged status costs no call.
 */
export async function writeStatus(
  custom: k8s.CustomObjectsApi,
  kind: CustomKind,
  observed: k8s.KubernetesObject & { status?: unknown },
  status: unknown,
): Promise<(k8s.KubernetesObject & { status?: unknown }) | undefined> {
  if (isDeepStrictEqual(normalise(observed.status), normalise(status))) return undefined;
  const { namespace, name } = observed.metadata ?? {};
  if (!namespace || !name) throw new Error("writeStatus: the object has no namespace/name");
  return (await custom.replaceNamespacedCustomObjectStatus({
    ...kind,
    namespace,
    name,
    body: { apiVersion: observed.apiVersion, kind: observed.kind, metadata: observed.metadata, status },
  })) as k8s.KubernetesObject & { status?: unknown };
}

/** Dates and undefined fields compare as the JSON the API server stores. */
function normalise(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
