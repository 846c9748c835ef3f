import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { SupervisedInformer } from "../../../controller/kube/informer.js";
import { silentLogger } from "../../../controller/log.js";

type Obj = k8s.KubernetesObject;

describe("SupervisedInformer.start: synced means the first list is in the cache", () => {
  const original = k8s.Watch.prototype.watch;
  beforeEach(() => {
    // The watch that follows a list opens no connection here: an open watch with no events. The
    // list function is the part under test, so it is what fails.
    k8s.Watch.prototype.watch = async () => new AbortController();
  });
  afterEach(() => {
    k8s.Watch.prototype.watch = original;
  });

  function informer(list: () => Promise<k8s.KubernetesListObject<Obj>>): SupervisedInformer<Obj> {
    return new SupervisedInformer<Obj>({
      name: "things",
      kc: new k8s.KubeConfig(),
      path: "/apis/example.com/v1/things",
      list,
      onEvent: () => undefined,
      log: silentLogger,
      minBackoffMs: 5,
      maxBackoffMs: 20,
    });
  }
  const thing: Obj = { metadata: { name: "a", namespace: "ns", resourceVersion: "7" } };

  it("when the API server refuses the first lists, start() waits until one succeeds and the cache holds it", async () => {
    let calls = 0;
    const i = informer(async () => {
      calls++;
      if (calls <= 2) throw new Error("connect ECONNREFUSED");
      return { metadata: { resourceVersion: "7" }, items: [thing] };
    });
    try {
      await i.start();
      assert.equal(calls, 3, "listed until a list succeeded");
      assert.ok(i.hasSynced());
      assert.deepEqual(
        i.list("ns").map((o) => o.metadata?.name),
        ["a"],
        "the listed object is in the cache once start() resolves",
      );
    } finally {
      await i.stop();
    }
  });

  it("when the first list succeeds, start() resolves after that one list", async () => {
    let calls = 0;
    const i = informer(async () => {
      calls++;
      return { metadata: { resourceVersion: "7" }, items: [thing] };
    });
    try {
      await i.start();
      assert.equal(calls, 1);
      assert.ok(i.isHealthy());
    } finally {
      await i.stop();
    }
  });

  it("start() resolves once the list is cached, without waiting for the watch to be answered", async () => {
    // A watch whose answer never comes (an API server slow to open it).
    let watchAsked = false;
    k8s.Watch.prototype.watch = () => {
      watchAsked = true;
      return new Promise<AbortController>(() => undefined);
    };
    const i = informer(async () => ({ metadata: { resourceVersion: "7" }, items: [thing] }));
    try {
      await i.start();
      assert.ok(watchAsked, "the watch was asked for, from the list's resourceVersion");
      assert.ok(i.hasSynced());
      assert.deepEqual(
        i.list("ns").map((o) => o.metadata?.name),
        ["a"],
      );
    } finally {
      await i.stop();
    }
  });

  it("stop() releases a start() still waiting for its first list", async () => {
    const i = informer(async () => {
      throw new Error("connect ECONNREFUSED");
    });
    const started = i.start();
    await new Promise((r) => setTimeout(r, 30));
    await i.stop();
    await started;
    assert.equal(i.hasSynced(), false);
  });
});
