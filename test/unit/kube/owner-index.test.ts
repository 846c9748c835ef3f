import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { OwnerIndex } from "../../../controller/kube/owner-index.js";

const rs = (name: string, owner?: string, controller = true): k8s.KubernetesObject => ({
  metadata: {
    name,
    namespace: "ns",
    ownerReferences: owner
      ? [{ apiVersion: "kestrel.dev/v1alpha1", kind: "Rollout", name: "r", uid: owner, controller }]
      : [],
  },
});
const names = (objs: k8s.KubernetesObject[]): string[] => objs.map((o) => o.metadata!.name!).sort();

describe("OwnerIndex: cached objects by their controlling owner's uid", () => {
  it("lists what each owner controls, and nothing for an unknown or missing uid", () => {
    const idx = new OwnerIndex();
    idx.update("add", rs("a-1", "uid-a"));
    idx.update("add", rs("a-2", "uid-a"));
    idx.update("add", rs("b-1", "uid-b"));
    idx.update("add", rs("orphan"));
    idx.update("add", rs("referenced-only", "uid-a", false));
    assert.deepEqual(names(idx.ownedBy("uid-a")), ["a-1", "a-2"]);
    assert.deepEqual(names(idx.ownedBy("uid-b")), ["b-1"]);
    assert.deepEqual(idx.ownedBy("uid-c"), []);
    assert.deepEqual(idx.ownedBy(undefined), []);
  });

  it("holds the latest version of an object after an update", () => {
    const idx = new OwnerIndex();
    idx.update("add", rs("a-1", "uid-a"));
    const newer = rs("a-1", "uid-a");
    newer.metadata!.resourceVersion = "2";
    idx.update("update", newer);
    assert.equal(idx.ownedBy("uid-a")[0], newer);
  });

  it("moves an object whose controller changed, drops one orphaned, and forgets one deleted", () => {
    const idx = new OwnerIndex();
    idx.update("add", rs("x", "uid-a"));
    idx.update("add", rs("y", "uid-a"));
    idx.update("update", rs("x", "uid-b"));
    assert.deepEqual(names(idx.ownedBy("uid-a")), ["y"]);
    assert.deepEqual(names(idx.ownedBy("uid-b")), ["x"]);
    idx.update("update", rs("x"));
    assert.deepEqual(idx.ownedBy("uid-b"), []);
    idx.update("delete", rs("y", "uid-a"));
    assert.deepEqual(idx.ownedBy("uid-a"), []);
  });
});
