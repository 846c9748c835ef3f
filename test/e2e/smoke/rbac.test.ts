import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { useNamespace } from "../support/namespace.js";

describe("smoke: RBAC is enforced", () => {
  const ns = useNamespace("smoke-rbac");

  it("forbids a ServiceAccount that has no RoleBinding", async () => {
    const { kc } = testCluster();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns(), body: { metadata: { name: "nobody" } } });
    // A real bound token from the TokenRequest API, signed by the API server's ServiceAccount key.
    const tr = await core.createNamespacedServiceAccountToken({
      name: "nobody",
      namespace: ns(),
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    assert.ok(token, "the API server issued a token");

    const asNobody = new k8s.KubeConfig();
    const cluster = kc.getCurrentCluster();
    assert.ok(cluster);
    asNobody.loadFromOptions({
      clusters: [cluster],
      users: [{ name: "nobody", token }],
      contexts: [{ name: "nobody", cluster: cluster.name, user: "nobody" }],
      currentContext: "nobody",
    });
    const denied = asNobody.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(denied.listNamespacedPod({ namespace: ns() }), (err: unknown) => {
      assert.ok(err instanceof k8s.ApiException, `expected an API error, got ${String(err)}`);
      assert.equal(err.code, 403);
      const status = JSON.parse(String(err.body)) as { reason?: string; message?: string };
      assert.equal(status.reason, "Forbidden");
      assert.match(
        status.message ?? "",
        new RegExp(`User "system:serviceaccount:${ns()}:nobody" cannot list resource "pods"`),
      );
      return true;
    });
    // The same identity is authenticated (not 401): only authorization said no.
    const review = await asNobody.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${ns()}:nobody`);
  });
});
