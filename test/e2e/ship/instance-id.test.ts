import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { httpGet } from "../../cluster/net.js";
import { testCluster } from "../support/cluster.js";
import { ControllerProcess } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutEvents, rolloutManifest, waitForPhase } from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

const label = "kestrel.dev/controller-instance-id";

/** Every version of every Rollout in the namespace the API server sends, from start() to stop(). */
class RolloutHistory {
  readonly versions: Rollout[] = [];
  private abort: AbortController | undefined;

  async start(namespace: string): Promise<void> {
    this.abort = await new k8s.Watch(testCluster().kc).watch(
      `/apis/kestrel.dev/v1alpha1/namespaces/${namespace}/rollouts`,
      {},
      (_type, obj: Rollout) => this.versions.push(obj),
      () => undefined,
    );
  }

  stop(): void {
    this.abort?.abort();
  }

  /** The versions of `name` that carry any status: a controller wrote to it. */
  touched(name: string): Rollout[] {
    return this.versions.filter((r) => r.metadata.name === name && r.status !== undefined);
  }
}

/** kestrel_rollouts by phase, as the controller counts its own cache. */
async function cachedRollouts(c: ControllerProcess): Promise<Record<string, number>> {
  const body = (await httpGet(`http://127.0.0.1:${c.port}/metrics`)).body;
  const counts: Record<string, number> = {};
  for (const m of body.matchAll(/^kestrel_rollouts\{phase="(\w+)"\} (\d+)$/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

describe("--instance-id: controllers side by side in one namespace, each with only its own Rollouts", () => {
  const ns = useNamespace("instance");
  const controllers: ControllerProcess[] = [];
  const history = new RolloutHistory();
  after(async function () {
    this.timeout(30_000);
    history.stop();
    await Promise.all(controllers.map((c) => c.stop()));
  });
  afterEach(function () {
    if (this.currentTest?.state !== "failed") return;
    for (const c of controllers)
      process.stderr.write(`--- controller ${c.identity} (${c.logFile}) ---\n${c.tail(30)}\n`);
  });

  async function startController(id?: string): Promise<ControllerProcess> {
    // Leader election on, all in one namespace: were the leases shared, only one would ever act.
    const c = new ControllerProcess(
      [ns()],
      ["--leader-elect", `--lease-namespace=${ns()}`, ...(id ? [`--instance-id=${id}`] : [])],
    );
    controllers.push(c);
    await c.start();
    return c;
  }

  const manifest = (name: string, id?: string): Rollout => {
    const m = rolloutManifest(name, { replicas: 2, steps: [{ setWeight: 50 }] });
    if (id) m.metadata.labels = { [label]: id };
    return m;
  };

  async function reporters(name: string): Promise<string[]> {
    return [...new Set((await rolloutEvents(ns(), name)).map((e) => e.reportingInstance ?? ""))];
  }

  it("blue and green handle only their own; the unlabelled Rollout waits for a controller without an id", async function () {
    this.timeout(180_000);
    await history.start(ns());
    const blue = await startController("blue");

    await apply(ns(), manifest("web-blue", "blue"));
    await apply(ns(), manifest("web-green", "green"));
    await apply(ns(), manifest("web-none"));
    // The window: from the applies until blue's Rollout is Healthy, blue's controller at work.
    await waitForPhase(ns(), "web-blue", "Healthy");
    await waitFor("blue's cache count", async () =>
      (await cachedRollouts(blue)).Healthy === 1 ? true : undefined,
    );
    assert.deepEqual(await cachedRollouts(blue), { Healthy: 1 }, "blue caches only its own Rollout");
    assert.deepEqual(history.touched("web-green"), [], "blue never wrote green's Rollout");
    assert.deepEqual(history.touched("web-none"), [], "blue never wrote the unlabelled Rollout");

    const green = await startController("green");
    await waitForPhase(ns(), "web-green", "Healthy");
    assert.deepEqual(history.touched("web-none"), [], "neither id'd controller wrote the unlabelled Rollout");

    const plain = await startController();
    await waitForPhase(ns(), "web-none", "Healthy");
    await waitFor("the id-less controller's cache count", async () =>
      (await cachedRollouts(plain)).Healthy === 1 ? true : undefined,
    );
    assert.deepEqual(await cachedRollouts(plain), { Healthy: 1 }, "the id-less one caches only its own");
    assert.deepEqual(await cachedRollouts(green), { Healthy: 1 }, "green caches only its own");

    // Events name the replica that decided: each Rollout's whole history, one controller.
    assert.deepEqual(await reporters("web-blue"), [blue.identity]);
    assert.deepEqual(await reporters("web-green"), [green.identity]);
    assert.deepEqual(await reporters("web-none"), [plain.identity]);

    // Each instance elected itself on its own Lease.
    const leases = await testCluster()
      .kc.makeApiClient(k8s.CoordinationV1Api)
      .listNamespacedLease({ namespace: ns() });
    const holders = Object.fromEntries(leases.items.map((l) => [l.metadata?.name, l.spec?.holderIdentity]));
    assert.deepEqual(holders, {
      "kestrel-controller-blue": blue.identity,
      "kestrel-controller-green": green.identity,
      "kestrel-controller": plain.identity,
    });
  });
});
