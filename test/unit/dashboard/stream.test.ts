import assert from "node:assert/strict";
import { changeOf, watchError, watchPath } from "../../../controller/dashboard/stream.js";

describe("dashboard: which Rollout a watched change concerns", () => {
  const owned = {
    metadata: {
      namespace: "shop",
      ownerReferences: [{ kind: "Rollout", name: "web", uid: "u", apiVersion: "v" }],
    },
  };
  it("a Rollout is itself; an owned ReplicaSet or AnalysisRun is its owner", () => {
    assert.deepEqual(changeOf("Rollout", { metadata: { namespace: "shop", name: "web" } }), {
      kind: "Rollout",
      namespace: "shop",
      rollout: "web",
    });
    assert.deepEqual(changeOf("ReplicaSet", owned), {
      kind: "ReplicaSet",
      namespace: "shop",
      rollout: "web",
    });
    assert.deepEqual(changeOf("AnalysisRun", owned), {
      kind: "AnalysisRun",
      namespace: "shop",
      rollout: "web",
    });
  });
  it("an Event about a Rollout is that Rollout; about anything else, nothing", () => {
    assert.deepEqual(
      changeOf("Event", {
        metadata: { namespace: "shop" },
        involvedObject: { kind: "Rollout", name: "web" },
      }),
      {
        kind: "Event",
        namespace: "shop",
        rollout: "web",
      },
    );
    assert.equal(
      changeOf("Event", { metadata: { namespace: "shop" }, involvedObject: { kind: "Pod", name: "web-1" } }),
      undefined,
    );
  });
  it("a ReplicaSet a Deployment owns is nobody's Rollout", () => {
    const rs = {
      metadata: {
        namespace: "shop",
        ownerReferences: [{ kind: "Deployment", name: "web", uid: "u", apiVersion: "v" }],
      },
    };
    assert.equal(changeOf("ReplicaSet", rs), undefined);
  });
});

describe("dashboard: watch paths and failures", () => {
  const w = { kind: "Rollout", prefix: "/apis/kestrel.dev/v1alpha1", plural: "rollouts" };
  it("one namespace or all", () => {
    assert.equal(
      watchPath(w, { namespace: "shop", allNamespaces: false }),
      "/apis/kestrel.dev/v1alpha1/namespaces/shop/rollouts",
    );
    assert.equal(
      watchPath(w, { namespace: "shop", allNamespaces: true }),
      "/apis/kestrel.dev/v1alpha1/rollouts",
    );
  });
  it("a 403 says the user may not watch, where, and what that means for the page", () => {
    const err = Object.assign(new Error("Forbidden"), { statusCode: 403 });
    assert.equal(
      watchError(w, { namespace: "shop", allNamespaces: false }, err),
      "cannot watch rollouts in namespace shop: forbidden (RBAC): your credentials may not watch them, so this page does not update by itself",
    );
    assert.equal(
      watchError(w, { namespace: "", allNamespaces: true }, new Error("socket hang up")),
      "cannot watch rollouts across all namespaces: socket hang up",
    );
  });
});
