import type { V1Deployment } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { StoredRollout } from "../../../controller/api/rollout.js";
import { resolveWorkload } from "../../../controller/rollout/workload.js";
import { World, rollout } from "./world.js";

/** Edges of spec.workloadRef that workload.test.ts leaves out; expected values from the rules. */

function deployment(): V1Deployment {
  return {
    metadata: { name: "web", namespace: "ns", generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
    },
  };
}

function referencing(scaleDown?: "never" | "onsuccess" | "progressively"): StoredRollout {
  const ro: StoredRollout = rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] });
  delete ro.spec.template;
  delete ro.spec.selector;
  ro.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "web", scaleDown };
  return ro;
}

const images = (w: World): Record<string, string | undefined> =>
  Object.fromEntries(
    [...w.replicaSets.values()].map((rs) => [
      rs.spec?.template?.spec?.containers[0]?.image,
      String(rs.spec?.replicas),
    ]),
  );

describe("spec.workloadRef: edges", () => {
  it("a Deployment without spec.template or without spec.selector is an error naming spec.workloadRef.name", () => {
    for (const drop of ["template", "selector"] as const) {
      const d = deployment();
      delete (d.spec as Partial<NonNullable<V1Deployment["spec"]>>)[drop];
      assert.deepEqual(
        resolveWorkload(referencing(), d),
        {
          error: {
            field: "spec.workloadRef.name",
            message: 'Deployment "web" has no spec.template or spec.selector',
          },
        },
        drop,
      );
    }
  });

  it("never: no scaleWorkload action at all, in any pass", () => {
    const w = new World(referencing("never"));
    w.workload = deployment();
    for (let i = 0; i < 4; i++) {
      const plan = w.reconcile();
      assert.deepEqual(
        plan.actions.filter((a) => a.kind === "scaleWorkload"),
        [],
        `pass ${i + 1}`,
      );
    }
    assert.equal(w.rollout.status?.phase, "Healthy");
  });

  it("without a workloadRef, spec.template edited back to a completed revision walks the steps (only an undo skips them)", () => {
    const w = new World(rollout({ replicas: 4 }, { steps: [{ setWeight: 50 }, { pause: {} }] }));
    w.settle();
    w.setImage("web:2");
    w.settle();
    w.annotate("kestrel.dev/promote", "full");
    w.settle();
    assert.deepEqual(images(w), { "web:1": "0", "web:2": "4" });
    w.setImage("web:1");
    w.settle();
    assert.deepEqual(
      images(w),
      { "web:1": "2", "web:2": "2" },
      "paused at weight 50, as a new revision would be",
    );
    assert.equal(w.rollout.status?.phase, "Paused");
  });
});
