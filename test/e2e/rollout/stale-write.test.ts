import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { jsonPatch, rolloutKinds, rolloutPatch } from "../../../controller/kube/rollout-reconciler.js";
import { testCluster } from "../support/cluster.js";
import { useNamespace } from "../support/namespace.js";
import { annotate, apply, getRollout, rolloutManifest } from "../support/rollouts.js";

/**
 * Regression (issue 12, item 5): right after acting on a promote, abort or retry annotation the
 * controller logged "reconcile failed" with HTTP 422. A pass planned from a cache that had not yet
 * seen our own previous write sent a Rollout patch guarded by a JSON Patch `test` of the
 * resourceVersion, and a failed `test` is a 422. The guard is now the resourceVersion itself, a
 * precondition the API server answers with 409, which the runner requeues quietly.
 */
describe("Rollout writes from a stale view are conflicts, not errors", () => {
  const ns = useNamespace("stale-write");

  it("the trigger-removal patch sent from an outdated Rollout is a 409; from the current one it applies", async () => {
    const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
    await apply(ns(), rolloutManifest("web", { replicas: 1 }));
    await annotate(ns(), "web", "kestrel.dev/promote=step");
    const stale = (await getRollout(ns(), "web")) as Rollout & k8s.KubernetesObject;
    await annotate(ns(), "web", "team=payments"); // someone else's write moves the resourceVersion on
    const removal = { kind: "updateRollout" as const, annotations: { "kestrel.dev/promote": null } };
    const patch = (ro: Rollout & k8s.KubernetesObject): Promise<unknown> =>
      custom.patchNamespacedCustomObject(
        { ...rolloutKinds.rollouts, namespace: ns(), name: "web", body: rolloutPatch(ro, removal) },
        jsonPatch,
      );

    await assert.rejects(patch(stale), (err: unknown) => {
      assert.ok(err instanceof k8s.ApiException, String(err));
      assert.equal(err.code, 409, String(err.body));
      return true;
    });
    assert.equal((await getRollout(ns(), "web")).metadata.annotations?.["kestrel.dev/promote"], "step");

    const current = (await getRollout(ns(), "web")) as Rollout & k8s.KubernetesObject;
    await patch(current);
    const after = await getRollout(ns(), "web");
    assert.equal(after.metadata.annotations?.["kestrel.dev/promote"], undefined, "the trigger is removed");
    assert.equal(after.metadata.annotations?.team, "payments", "the other annotation stays");
  });
});
