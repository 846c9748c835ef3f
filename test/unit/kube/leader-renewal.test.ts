import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { LeaderElector } from "../../../controller/kube/leader.js";
import { defaultTiming } from "../../../controller/kube/lease-decision.js";
import type { Logger } from "../../../controller/log.js";

interface Stored {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: Record<string, unknown>;
}

/**
 * One Lease with optimistic concurrency, as the API server keeps it: enough to count which
 * requests a renewal makes. (The election against the real API server is the e2e ship/leader test.)
 */
class OneLease {
  lease: Stored | undefined;
  calls: string[] = [];
  private version = 0;
  private store(body: Stored): Stored {
    this.lease = {
      ...structuredClone(body),
      metadata: { ...body.metadata, resourceVersion: String(++this.version) },
    };
    return structuredClone(this.lease);
  }
  api = {
    getNamespacedCustomObject: async () => {
      this.calls.push("get");
      if (!this.lease) throw new k8s.ApiException(404, "not found", "{}", {});
      return structuredClone(this.lease);
    },
    createNamespacedCustomObject: async ({ body }: { body: Stored }) => {
      this.calls.push("create");
      return this.store(body);
    },
    replaceNamespacedCustomObject: async ({ body }: { body: Stored }) => {
      this.calls.push("replace");
      if (body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
        throw new k8s.ApiException(409, "conflict", "{}", {});
      return this.store(body);
    },
  };
  /** Someone else writes the Lease (a person, or a replica that thinks it expired). */
  takenBy(holder: string): void {
    this.store({
      ...this.lease!,
      spec: { ...this.lease!.spec, holderIdentity: holder, renewTime: new Date().toISOString() },
    });
  }
}

const quiet = { info() {}, warn() {}, debug() {}, error() {}, child: () => quiet } as unknown as Logger;

function elector(store: OneLease, events: string[], made: LeaderElector[]): LeaderElector {
  const e = new LeaderElector({
    api: store.api as unknown as k8s.CustomObjectsApi,
    namespace: "ns",
    name: "kestrel",
    identity: "me",
    timing: defaultTiming,
    log: quiet,
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
  });
  made.push(e);
  return e;
}

/** One election attempt, as the timer would run it. */
const attempt = (e: LeaderElector): Promise<void> => (e as unknown as { tick(): Promise<void> }).tick();

describe("leader election: renewals", () => {
  // Each attempt schedules the next: stopped after every test, pass or fail, so none outlives it.
  const made: LeaderElector[] = [];
  afterEach(() => Promise.all(made.splice(0).map((e) => e.stop())));

  it("the leader renews with one write per attempt, no read", async () => {
    const store = new OneLease();
    const events: string[] = [];
    const e = elector(store, events, made);
    await attempt(e);
    assert.deepEqual(store.calls, ["get", "create"]);
    store.calls = [];
    for (let i = 0; i < 3; i++) await attempt(e);
    assert.deepEqual(store.calls, ["replace", "replace", "replace"]);
    assert.deepEqual(events, ["started"]);
    assert.equal(e.isLeader(), true);
  });

  it("a Lease changed by someone else answers 409; the next attempt reads it and sees the other holder", async () => {
    const store = new OneLease();
    const events: string[] = [];
    const e = elector(store, events, made);
    await attempt(e);
    store.takenBy("other");
    store.calls = [];
    await attempt(e);
    assert.deepEqual(store.calls, ["replace"], "the write over our last version is refused");
    assert.equal(store.lease?.spec.holderIdentity, "other", "nothing overwritten");
    await attempt(e);
    assert.deepEqual(store.calls, ["replace", "get"]);
    assert.deepEqual(events, ["started", "stopped"], "the other holder's fresh lease is respected");
    assert.equal(e.isLeader(), false);
  });
});
