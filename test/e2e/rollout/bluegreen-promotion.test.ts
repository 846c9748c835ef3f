import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, revisions, rolloutEvents, waitForPhase } from "../support/rollouts.js";
import { createService, sampleAppTemplate, useRealNode } from "../support/sample-app.js";
import { waitFor, waitForReasons } from "../support/wait.js";
import { watchReplicaSets, watchServices, type Seen } from "../support/watch-log.js";

/**
 * Blue-green promotion by itself (autoPromotionSeconds) with a smaller preview
 * (previewReplicaCount), on real pods of the real node, whose start takes long enough that a
 * switch made too early would be seen. The Services and ReplicaSets are watched from before the
 * release, so every selector and every replica count they take is recorded, and their
 * resourceVersions (etcd's revision on this cluster) order the changes of both kinds.
 */

const hashLabel = "rollouts-pod-template-hash";
const autoPromotionSeconds = 5;

function rollout(version: string): object {
  const labels = { app: "web" };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version, errorRate: 0 }),
      strategy: {
        blueGreen: {
          activeService: "web-active",
          previewService: "web-preview",
          previewReplicaCount: 1,
          autoPromotionSeconds,
          scaleDownDelaySeconds: 3,
        },
      },
    },
  };
}

const selectorOf = (s: Seen<k8s.V1Service>): string | undefined => s.obj.spec?.selector?.[hashLabel];

/** The distinct values a sequence takes, in order. */
const changes = <T>(values: T[]): T[] => values.filter((v, i) => i === 0 || v !== values[i - 1]);

describe("blue-green on the real node: autoPromotionSeconds and previewReplicaCount", () => {
  useRealNode();
  const ns = useNamespace("bluegreen-auto");
  useController(ns);

  it(`one preview pod, paused ${autoPromotionSeconds}s, then both pods and the switch by itself once both are available, never before`, async function () {
    this.timeout(300_000);
    await createService(ns(), "web-active", { app: "web" });
    await createService(ns(), "web-preview", { app: "web" });
    await apply(ns(), rollout("v1"));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const v1 = (await revisions(ns(), "web"))[0]!.hash;
    const services = watchServices(ns());
    const replicaSets = watchReplicaSets(ns());
    try {
      await Promise.all([services.synced, replicaSets.synced]);
      await apply(ns(), rollout("v2"));

      const paused = await waitForPhase(ns(), "web", "Paused", 90_000);
      const pause = paused.status?.pauseConditions?.find((p) => p.reason === "BlueGreenPause");
      assert.ok(pause, `a BlueGreenPause condition (saw ${JSON.stringify(paused.status?.pauseConditions)})`);
      const pausedAt = Date.parse(pause.startTime);
      const r2 = (await revisions(ns(), "web"))[1]!;
      assert.equal(r2.replicas, 1, "previewReplicaCount: one v2 pod while paused");

      const active = (): Seen<k8s.V1Service>[] =>
        services.seen.filter((s) => s.obj.metadata?.name === "web-active");
      const switched = await waitFor(
        "activeService to select v2",
        async () => active().find((s) => selectorOf(s) === r2.hash),
        { timeoutMs: 90_000 },
      );
      // Every selector activeService had, from before the release: v1, then v2 once.
      assert.deepEqual(
        changes(active().map(selectorOf)),
        [v1, r2.hash],
        "activeService switched once, v1 -> v2",
      );
      // The watch delivers a change after it was made, so a switch made early arrives early.
      const early = switched.at - (pausedAt + autoPromotionSeconds * 1000);
      assert.ok(early >= 0, `the switch came ${-early} ms before autoPromotionSeconds had elapsed`);

      const v2Versions = replicaSets.seen.filter((s) => s.obj.metadata?.labels?.[hashLabel] === r2.hash);
      assert.deepEqual(
        changes(v2Versions.map((s) => s.obj.spec?.replicas)),
        [1, 2],
        "v2 scaled to previewReplicaCount, then to spec.replicas",
      );
      const full = v2Versions.find((s) => s.obj.spec?.replicas === 2)!;
      assert.ok(full.at >= pausedAt + autoPromotionSeconds * 1000, "scaled to full only after the pause");
      const available = v2Versions.find(
        (s) => s.obj.spec?.replicas === 2 && (s.obj.status?.availableReplicas ?? 0) >= 2,
      );
      assert.ok(available, "v2 became fully available");
      assert.ok(
        available.rv < switched.rv,
        `activeService switched (resourceVersion ${switched.rv}) only after v2 was 2/2 available (${available.rv})`,
      );

      const events = await waitForReasons("the promotion's Event", () => rolloutEvents(ns(), "web"), [
        "RolloutPromoted",
      ]);
      assert.ok(
        events.some(
          (e) =>
            e.reason === "RolloutPromoted" && /autoPromotionSeconds \(5s\) elapsed/.test(e.message ?? ""),
        ),
        `a RolloutPromoted Event for autoPromotionSeconds (saw ${events.map((e) => e.reason).join(", ")})`,
      );
      const healthy = await waitForPhase(ns(), "web", "Healthy", 60_000);
      assert.equal(healthy.status?.stableRS, r2.hash);
    } finally {
      services.stop();
      replicaSets.stop();
    }
  });
});
