import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  rolloutEvents,
  rolloutManifest,
  setImage,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

describe("Leader election: two controllers, one acts; the standby takes over", () => {
  const ns = useNamespace("leader");
  const controllers: ControllerProcess[] = [];
  after(async function () {
    this.timeout(30_000);
    await Promise.all(controllers.map((c) => c.stop()));
  });

  async function holder(): Promise<string | undefined> {
    const lease = await testCluster()
      .kc.makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: "kestrel-controller", namespace: ns() });
    return lease.spec?.holderIdentity;
  }

  it("only the lease holder acts, and after SIGKILL the other takes over within the lease duration", async function () {
    this.timeout(180_000);
    for (let i = 0; i < 2; i++) {
      const c = new ControllerProcess([ns()], ["--leader-elect", `--lease-namespace=${ns()}`]);
      controllers.push(c);
      await c.start();
    }
    const leaderId = await waitFor("a leader", holder);
    const [a, b] = controllers as [ControllerProcess, ControllerProcess];
    const identities = controllers.map((c) => c.identity);
    const leader = identities[0] === leaderId ? a : b;
    const standby = leader === a ? b : a;

    await apply(ns(), rolloutManifest("web", { replicas: 4, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "web", "Healthy");
    // Events name the replica that decided (reportingInstance): the API server's record of who acted.
    const reporters = async (): Promise<Set<string>> =>
      new Set((await rolloutEvents(ns(), "web")).map((e) => e.reportingInstance ?? ""));
    assert.deepEqual([...(await reporters())], [leader.identity], "only the leader acted");

    await leader.kill();
    const killedAt = Date.now();
    const newLeader = await waitFor(
      "the standby to take the lease",
      async () => {
        const h = await holder();
        return h && h !== leaderId ? h : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    assert.equal(newLeader, standby.identity);
    process.stdout.write(
      `      leader takeover: ${takeoverSeconds.toFixed(2)}s after SIGKILL (lease 15s, renew deadline 10s, retry 2s)\n`,
    );

    await setImage(ns(), "web", "example.com/app:2");
    await waitForSplit(ns(), "web", { "example.com/app:1": 2, "example.com/app:2": 2 });
    assert.ok((await reporters()).has(standby.identity), "the new leader carries the rollout on");

    // A leader frozen past its lease (a GC pause, a partition) must not act when it thaws.
    const third = new ControllerProcess([ns()], ["--leader-elect", `--lease-namespace=${ns()}`]);
    controllers.push(third);
    await third.start();
    standby.freeze(true);
    await waitFor(
      "the third replica to take the lease from the frozen one",
      async () => ((await holder()) === third.identity ? true : undefined),
      {
        timeoutMs: 40_000,
        intervalMs: 200,
      },
    );
    const exit = standby.exited();
    standby.freeze(false);
    assert.equal(await exit, 1, "the thawed replica exits instead of acting");
    await setImage(ns(), "web", "example.com/app:3");
    await waitForSplit(ns(), "web", { "example.com/app:1": 2, "example.com/app:3": 2 });
  });
});
