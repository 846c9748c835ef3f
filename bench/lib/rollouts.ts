import * as k8s from "@kubernetes/client-node";
import type { Rollout } from "../../controller/api/rollout.js";
import { rolloutManifest, type RolloutOptions } from "../../test/e2e/support/rollouts.js";
import { mapLimit } from "./pool.js";
import { progress, sleep } from "./log.js";

export type { Rollout };
export type RolloutObject = Rollout & k8s.KubernetesObject;

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };
const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

export const image = (version: number | string): string => `example.com/bench:${version}`;

/** The same manifest the e2e tests apply (Argo field names), with the benchmark's image. */
export function manifest(name: string, o: RolloutOptions): Rollout {
  return rolloutManifest(name, { image: image(1), ...o });
}

/** Retries what a loaded API server may refuse for a moment (429, 5xx, timeouts), never a 4xx verdict. */
async function retrying<T>(what: string, call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      const code = err instanceof k8s.ApiException ? err.code : 0;
      const transient = code === 0 || code === 429 || code >= 500;
      if (!transient || i >= attempts)
        throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      await sleep(200 * 2 ** i);
    }
  }
}

/** Creates the Rollouts with at most `concurrency` requests in flight, printing progress. */
export async function createRollouts(
  kc: k8s.KubeConfig,
  namespace: string,
  manifests: readonly Rollout[],
  concurrency = 16,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tick = progress("created rollouts", manifests.length);
  await mapLimit(
    manifests,
    concurrency,
    (body) =>
      retrying(`creating ${body.metadata.name}`, () =>
        custom.createNamespacedCustomObject({ ...ro, namespace, body }).catch((err: unknown) => {
          // A retry of a create that did land the first time.
          if (err instanceof k8s.ApiException && err.code === 409) return undefined;
          throw err;
        }),
      ),
    tick,
  );
}

/** `kubectl kestrel set image`: one JSON patch of the first container's image; resolves on the API's answer. */
export async function setImage(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  to: string,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await retrying(`patching ${name}`, () =>
    custom.patchNamespacedCustomObject(
      {
        ...ro,
        namespace,
        name,
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: to }],
      },
      jsonPatch,
    ),
  );
}

export const imageOf = (r: Rollout): string | undefined => r.spec.template.spec?.containers[0]?.image;

/** Healthy on its current spec: the controller has seen this generation and every replica is available. */
export function isSettled(r: Rollout): boolean {
  return (
    r.status?.observedGeneration === r.metadata.generation &&
    r.status?.phase === "Healthy" &&
    (r.status?.availableReplicas ?? 0) >= (r.spec.replicas ?? 1)
  );
}
