import type { V1Deployment } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { StoredRollout } from "../../../controller/api/rollout.js";
import { resolveWorkload } from "../../../controller/rollout/workload.js";
import { World, checkRef, checkTemplates, rollout } from "./world.js";

/** The Deployment a team keeps: app=web, image web:1, 3 pods of its own. */
function deployment(replicas = 3): V1Deployment {
  return {
    metadata: { name: "web", namespace: "ns", generation: 1, resourceVersion: "7" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
    },
  };
}

/** A Rollout of 4 replicas whose template is that Deployment's. */
function referencing(
  scaleDown?: "never" | "onsuccess" | "progressively",
  canary: Parameters<typeof rollout>[1] = { steps: [{ setWeight: 50 }, { pause: {} }] },
): StoredRollout {
  const ro: StoredRollout = rollout({ replicas: 4 }, canary);
  delete ro.spec.template;
  delete ro.spec.selector;
  ro.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "web", scaleDown };
  return ro;
}

function world(scaleDown?: "never" | "onsuccess" | "progressively", replicas = 3): World {
  const w = new World(referencing(scaleDown));
  w.workload = deployment(replicas);
  return w;
}

const images = (w: World): Record<string, string | undefined> =>
  Object.fromEntries(
    [...w.replicaSets.values()].map((rs) => [
      rs.spec?.template?.spec?.containers[0]?.image,
      String(rs.spec?.replicas),
    ]),
  );

describe("spec.workloadRef: the pod template comes from a Deployment", () => {
  it("resolves spec.template and spec.selector from the Deployment, leaving the stored Rollout as it was", () => {
    const ro = referencing();
    const r = resolveWorkload(ro, deployment());
    assert.ok("rollout" in r);
    assert.deepEqual(r.rollout.spec.selector, { matchLabels: { app: "web" } });
    assert.equal(r.rollout.spec.template.spec?.containers[0]?.image, "web:1");
    assert.equal(ro.spec.template, undefined, "the stored Rollout is not changed");
  });

  it("a missing Deployment is InvalidSpec naming spec.workloadRef.name and the Deployment, and nothing is created", () => {
    const w = new World(referencing());
    const plan = w.reconcile();
    assert.equal(plan.status?.phase, "Degraded");
    assert.match(
      plan.status?.message ?? "",
      /spec\.workloadRef\.name: Deployment "web" not found in namespace ns/,
    );
    assert.equal(plan.actions.filter((a) => a.kind === "createReplicaSet").length, 0);
    w.workload = deployment();
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy", "the Deployment appearing makes it valid");
  });

  it("a new image in the Deployment is a canary: steps, then full promotion", () => {
    const w = world();
    w.settle();
    assert.deepEqual(images(w), { "web:1": "4" });
    w.setImage("web:2");
    w.settle();
    assert.deepEqual(images(w), { "web:1": "2", "web:2": "2" }, "paused at setWeight 50");
    assert.equal(w.rollout.status?.phase, "Paused");
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    assert.deepEqual(images(w), { "web:1": "0", "web:2": "4" });
  });

  it("the Deployment going back to a revision that once completed is the emergency path: full at once, no steps", () => {
    const w = world();
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    w.setImage("web:3");
    w.settle();
    assert.deepEqual(images(w), { "web:1": "0", "web:2": "2", "web:3": "2" }, "web:3 paused at 50");
    // kubectl rollout undo deployment/web --to-revision=1 writes web:1's template back.
    w.setImage("web:1");
    const plan = w.reconcile();
    assert.ok(
      plan.actions.some((a) => a.kind === "scaleReplicaSet" && a.replicas === 4),
      "revision 1 is scaled to full in one pass",
    );
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(images(w), { "web:1": "4", "web:2": "0", "web:3": "0" });
  });

  it("a revision that never completed walks the steps even with a workloadRef", () => {
    const w = world();
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.setImage("web:3");
    w.settle();
    w.setImage("web:2");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Paused", "web:2 never completed: back to its steps");
  });

  it("onFailure undo writes the earlier template to the Deployment, not to the Rollout", () => {
    const w = new World(
      referencing(undefined, {
        steps: [{ setWeight: 50 }, { analysis: checkRef }],
        onFailure: { action: "undo" },
      }),
    );
    w.workload = deployment();
    w.templates = checkTemplates();
    w.settle();
    w.setImage("web:2");
    w.settle();
    const run = [...w.analysisRuns.keys()][0]!;
    w.setRunPhase(run, "Failed");
    const plan = w.reconcile();
    const write = plan.actions.find((a) => a.kind === "updateWorkloadTemplate");
    assert.ok(write && write.kind === "updateWorkloadTemplate", "the undo is a write to the Deployment");
    assert.equal(write.name, "web");
    assert.equal(write.template.spec?.containers[0]?.image, "web:1");
    assert.equal(write.template.metadata?.labels?.["rollouts-pod-template-hash"], undefined);
    assert.equal(
      plan.actions.some((a) => a.kind === "updateRollout" && a.template),
      false,
      "spec.template of a workloadRef Rollout stays unset",
    );
    assert.equal(w.workload.spec?.template.spec?.containers[0]?.image, "web:1");
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.deepEqual(images(w), { "web:1": "4", "web:2": "0" });
  });
});

describe("spec.workloadRef.scaleDown: the Deployment's own pods", () => {
  const scaled = (w: World): number | undefined => w.workload?.spec?.replicas;

  it("never (and unset): the Deployment keeps its 3 pods", () => {
    for (const mode of [undefined, "never"] as const) {
      const w = world(mode);
      w.settle();
      assert.equal(scaled(w), 3, String(mode));
    }
  });

  it("onsuccess: untouched while the first revision comes up, 0 once the Rollout is Healthy", () => {
    const w = world("onsuccess");
    w.slow = true;
    w.reconcile();
    assert.equal(scaled(w), 3, "not Healthy yet");
    w.makeAvailable();
    w.settle();
    assert.equal(w.rollout.status?.phase, "Healthy");
    assert.equal(scaled(w), 0);
  });

  it("progressively: one Deployment pod fewer for each available Rollout pod, never back up", () => {
    const w = world("progressively", 4);
    w.slow = true;
    w.reconcile();
    assert.equal(scaled(w), 4, "no Rollout pod available yet");
    const rs = [...w.replicaSets.values()][0]!;
    rs.status!.availableReplicas = 1;
    w.reconcile();
    assert.equal(scaled(w), 3);
    rs.status!.availableReplicas = 3;
    w.reconcile();
    assert.equal(scaled(w), 1);
    rs.status!.availableReplicas = 2;
    w.reconcile();
    assert.equal(scaled(w), 1, "a Rollout pod lost does not scale the Deployment up again");
    w.makeAvailable();
    w.reconcile();
    assert.equal(scaled(w), 0);
  });
});
