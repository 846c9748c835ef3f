import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { controllerMetric } from "../support/drills.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  revisions,
  rolloutEvents,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const isConflict = (err: unknown): boolean => err instanceof k8s.ApiException && err.code === 409;

/**
 * Fault drill (issue 7): a user edits the Rollout while the controller writes its status. Both
 * sides write with optimistic concurrency, so both get real 409s; neither may lose an update.
 *
 * - The user's side is a read-modify-write loop, as `kubectl edit` or any client-go user does:
 *   GET, change, PUT with the resourceVersion read, and on 409 read again and redo the change.
 *   Some PUTs are made deliberately stale (sent only after the controller has written status
 *   since the GET), so the user surely meets 409s. A second user merge-patches annotations
 *   without a resourceVersion, many times a second, racing the controller's status writes.
 * - The controller plans from its cache and writes status with the resourceVersion it planned
 *   from; a 409 requeues it against the newer object.
 *
 * Judged on the outcome: every acknowledged user edit is in the final object (labels, spec
 * fields, annotations), the one promote was acted on exactly once and its annotation removed,
 * the status caught up with the last spec (observedGeneration) and the canary completed with the
 * user's new replica count.
 */
describe("Drill: user edits race the controller's status writes (409s on both sides)", () => {
  const ns = useNamespace("drill-conflicts");
  const controller = useController(ns);

  it("loses no update on either side", async function () {
    this.timeout(180_000);
    const name = "web";
    const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
    const get = async (): Promise<Rollout> =>
      (await custom.getNamespacedCustomObject({ ...ro, namespace: ns(), name })) as Rollout;
    const put = async (body: Rollout): Promise<Rollout> =>
      (await custom.replaceNamespacedCustomObject({ ...ro, namespace: ns(), name, body })) as Rollout;

    await apply(
      ns(),
      rolloutManifest(name, {
        replicas: 4,
        // Two indefinite pauses in a row: a promote applied twice would pass both.
        steps: [
          { setWeight: 25 },
          { pause: { duration: "1s" } },
          { setWeight: 50 },
          { pause: {} },
          { pause: {} },
          { setWeight: 75 },
          { pause: { duration: "1s" } },
        ],
      }),
    );
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, v2);

    let userConflicts = 0;
    /** True while the scenario runs: the controller and the patcher write the Rollout meanwhile. */
    let editing = true;
    /** Read-modify-write until the API server takes it; `stale` waits for a newer object first. */
    const edit = async (change: (r: Rollout) => void, stale = false): Promise<Rollout> => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const read = await get();
        if (stale && attempt === 0) {
          // Hold the object until someone else (the controller, the patcher) has written it.
          // Once the scenario is over nobody else writes, so the wait ends with it (an edit that
          // began just before the end would otherwise wait out the timeout).
          await waitFor(
            "someone else to write the Rollout",
            async () =>
              !editing ||
              (await get()).metadata.resourceVersion !== read.metadata.resourceVersion ||
              undefined,
            { timeoutMs: 30_000, intervalMs: 20 },
          );
        }
        change(read);
        try {
          return await put(read);
        } catch (err) {
          if (!isConflict(err)) throw err;
          userConflicts++;
        }
      }
      throw new Error("100 conflicts in a row: the Rollout never settled");
    };

    // User A: numbered edits of labels, an annotation and spec fields, half of them stale.
    const acknowledged: number[] = [];
    const editor = (async () => {
      for (let i = 0; editing || i < 10; i++) {
        await edit(
          (r) => {
            r.metadata.labels = { ...r.metadata.labels, [`drill-edit-${i}`]: String(i) };
            r.metadata.annotations = { ...r.metadata.annotations, "drill.kestrel.dev/last-edit": String(i) };
            r.spec.progressDeadlineSeconds = 600 + i;
            // Mid-canary the user also scales it, as `kubectl scale` would: the weight is kept.
            if (i === 5) r.spec.replicas = 6;
          },
          // Once the scenario is over (or has failed) nobody else writes: no edit may wait for one,
          // or its timeout would hide the scenario's own error.
          i % 2 === 0 && editing,
        );
        acknowledged.push(i);
        await sleep(Math.floor(Math.random() * 100));
      }
    })();

    // User B: annotations by merge patch, no resourceVersion: they never conflict, the controller's writes do.
    const patched: number[] = [];
    const patcher = (async () => {
      for (let j = 0; editing; j++) {
        await custom.patchNamespacedCustomObject(
          {
            ...ro,
            namespace: ns(),
            name,
            body: { metadata: { annotations: { [`drill.kestrel.dev/patch-${j}`]: String(j) } } },
          },
          mergePatch,
        );
        patched.push(j);
        await sleep(75);
      }
    })();

    try {
      // The canary reaches the indefinite pause; the user promotes it by a (conflicting) edit.
      await waitFor(
        "the indefinite pause at step 4",
        async () => {
          const r = await get();
          return r.status?.phase === "Paused" && r.status.currentStepIndex === 3 ? r : undefined;
        },
        { timeoutMs: 90_000 },
      );
      const promote = (): Promise<Rollout> =>
        edit((r) => {
          r.metadata.annotations = { ...r.metadata.annotations, "kestrel.dev/promote": "step" };
        }, true);
      await promote();
      // Acted on exactly once: past the first pause, held by the second, the trigger removed.
      await waitFor(
        "the promote to be handled",
        async () => {
          const r = await get();
          if (r.metadata.annotations?.["kestrel.dev/promote"] !== undefined)
            throw new Error("not yet removed");
          return r.status?.currentStepIndex === 4 && r.status.phase === "Paused" ? r : undefined;
        },
        { timeoutMs: 60_000 },
      );
      await sleep(3_000); // while the users keep writing, nothing moves it further
      const held = await get();
      assert.equal(held.status?.currentStepIndex, 4, `one promote moved one step: ${held.status?.message}`);
      assert.equal(held.status?.phase, "Paused");
      await promote();
      await waitForSplit(ns(), name, { [v2]: 6 }, { timeoutMs: 90_000 });
      await waitForPhase(ns(), name, "Healthy", 60_000);
    } finally {
      editing = false;
      await Promise.all([editor, patcher]);
    }

    // The controller catches up with the last edit of the spec.
    const final = await waitFor(
      "observedGeneration to catch up with the last edit",
      async () => {
        const r = await getRollout(ns(), name);
        if (r.status?.observedGeneration !== r.metadata.generation)
          throw new Error(`observedGeneration ${r.status?.observedGeneration} of ${r.metadata.generation}`);
        return r;
      },
      { timeoutMs: 30_000 },
    );
    const promotedCount = (await rolloutEvents(ns(), name))
      .filter((e) => e.reason === "RolloutPromoted")
      .reduce((n, e) => n + (e.count ?? 1), 0);
    const conflicts = await controllerMetric(controller(), "kestrel_reconciles_total", {
      kind: "Rollout",
      result: "conflict",
    });
    process.stdout.write(
      `      user edits: ${acknowledged.length} PUTs (${userConflicts} answered 409 and redone), ${patched.length} merge patches; controller reconciles that met 409: ${conflicts}; RolloutPromoted Events recorded ${promotedCount} times\n`,
    );

    // The user's side: every acknowledged edit is there.
    assert.ok(userConflicts > 0, "stale PUTs were refused with 409 (the user's side of the race)");
    for (const i of acknowledged) assert.equal(final.metadata.labels?.[`drill-edit-${i}`], String(i));
    const last = Math.max(...acknowledged);
    assert.equal(final.metadata.annotations?.["drill.kestrel.dev/last-edit"], String(last));
    assert.equal(final.spec.progressDeadlineSeconds, 600 + last);
    assert.equal(final.spec.replicas, 6, "the user's scale survived");
    for (const j of patched)
      assert.equal(final.metadata.annotations?.[`drill.kestrel.dev/patch-${j}`], String(j));

    // The controller's side: status consistent with the final spec, the promote acted on once.
    assert.equal(final.status?.phase, "Healthy", final.status?.message);
    assert.equal(final.status?.currentStepIndex, 7);
    assert.equal(final.status?.stableRS, final.status?.currentPodHash);
    assert.equal(final.status?.availableReplicas, 6);
    assert.equal(final.metadata.annotations?.["kestrel.dev/promote"], undefined, "the promote was removed");
    const promoted = (await rolloutEvents(ns(), name)).filter((e) => e.reason === "RolloutPromoted");
    assert.deepEqual(
      promoted.map((e) => [e.message, e.count ?? 1]).sort(),
      [
        ["promoted past step 4/7", 1],
        ["promoted past step 5/7", 1],
      ],
      "one Event for each promote, announced once however many of the controller's writes met a 409",
    );
    const revs = await revisions(ns(), name);
    assert.deepEqual(
      revs.map((r) => [r.image, r.replicas]),
      [
        [v1, 0],
        [v2, 6],
      ],
      "exactly two ReplicaSets",
    );
    assert.ok(controller().alive(), "the controller is still running");
  });
});
