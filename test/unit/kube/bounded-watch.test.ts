import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { BoundedWatch } from "../../../controller/kube/informer.js";

describe("BoundedWatch: every watch ends after a jittered timeout, with bookmarks", () => {
  it("asks for timeoutSeconds in [t, 2t] and allowWatchBookmarks, keeping the caller's parameters", async () => {
    const seen: Record<string, unknown>[] = [];
    const original = k8s.Watch.prototype.watch;
    // Capture what BoundedWatch hands to client-node's Watch, instead of opening a connection.
    k8s.Watch.prototype.watch = async function (_path, queryParams) {
      seen.push(queryParams);
      return new AbortController();
    };
    try {
      const watch = new BoundedWatch(new k8s.KubeConfig(), 60);
      for (let i = 0; i < 20; i++) {
        await watch.watch(
          "/apis/apps/v1/replicasets",
          { resourceVersion: "42", labelSelector: "a" },
          () => undefined,
          () => undefined,
        );
      }
    } finally {
      k8s.Watch.prototype.watch = original;
    }
    assert.equal(seen.length, 20);
    for (const q of seen) {
      const t = q.timeoutSeconds as number;
      assert.ok(t >= 60 && t <= 120, `timeoutSeconds ${t}`);
      assert.deepEqual(
        { ...q, timeoutSeconds: 0 },
        {
          resourceVersion: "42",
          labelSelector: "a",
          allowWatchBookmarks: true,
          timeoutSeconds: 0,
        },
      );
    }
    assert.ok(new Set(seen.map((q) => q.timeoutSeconds)).size > 1, "jittered");
  });
});
