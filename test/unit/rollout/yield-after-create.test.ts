import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { addWebRouteAndServices, checkTemplates, rollout, service, World } from "./world.js";

/**
 * A pass that yields after creating the new ReplicaSet (the shell's pass while other people's
 * changes wait) must leave the next pass to do what the rest of the whole pass would have. Either
 * way the shell runs a second pass (the new ReplicaSet's watch event brings it), so two passes
 * are compared: the same ReplicaSets, Services, routes, status and Events, the creation announced
 * once. Pods stay unavailable throughout, so both see the same cluster.
 */

type Shape = { name: string; world: () => World };

const shapes: Shape[] = [
  { name: "a canary with steps", world: () => new World(rollout({ replicas: 4 })) },
  {
    name: "a canary behind an HTTPRoute",
    world: () => {
      const w = new World(
        rollout(
          {},
          {
            stableService: "web-stable",
            canaryService: "web-canary",
            trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } },
            steps: [{ setWeight: 10 }, { pause: {} }],
          },
        ),
      );
      addWebRouteAndServices(w);
      return w;
    },
  },
  {
    name: "blue-green",
    world: () => {
      const ro: Rollout = rollout({ replicas: 3 });
      ro.spec.strategy = { blueGreen: { activeService: "web-active", previewService: "web-preview" } };
      const w = new World(ro);
      for (const name of ["web-active", "web-preview"]) w.services.set(name, service(name));
      w.templates = checkTemplates();
      return w;
    },
  },
];

/** Everything a pass leaves behind, for comparing two worlds. */
const state = (w: World) => ({
  status: w.rollout.status,
  replicaSets: [...w.replicaSets.values()],
  services: [...w.services.values()],
  routes: [...w.routes.values()],
  trace: w.trace,
});
const eventTexts = (w: World): string[] => w.events.map((e) => `${e.reason}: ${e.message}`).sort();

describe("a pass that yields after the new ReplicaSet's create", () => {
  for (const shape of shapes) {
    it(`${shape.name}: the create and its Event only, then the next pass ends where two whole passes do`, () => {
      const whole = shape.world();
      const split = shape.world();
      for (const w of [whole, split]) {
        w.settle();
        w.events = [];
        w.trace = [];
        // Pods become available only when told: the second pass must see what the first left.
        w.slow = true;
        w.setImage("web:2");
      }
      const statusBefore = structuredClone(split.rollout.status);
      const replicaSetsBefore = split.replicaSets.size;

      whole.reconcile();
      split.reconcile({ yieldAfterCreate: true });
      // The first pass created the ReplicaSet, announced it, and wrote nothing else.
      assert.equal(split.replicaSets.size, replicaSetsBefore + 1, "the new ReplicaSet exists");
      assert.deepEqual(split.rollout.status, statusBefore, "the status is left to the next pass");
      assert.deepEqual(
        split.events.map((e) => e.reason),
        ["NewReplicaSetCreated"],
      );
      assert.deepEqual(split.trace, [], "no other ReplicaSet scaled, no route patched");

      whole.reconcile();
      split.reconcile();
      assert.deepEqual(state(split), state(whole));
      assert.deepEqual(eventTexts(split), eventTexts(whole), "the same Events, the creation once");
    });
  }

  it("a pass with nothing to create is whole even when asked to yield", () => {
    const w = new World(rollout({ replicas: 4 }));
    w.settle();
    w.annotate("kestrel.dev/promote", "true");
    const whole = structuredClone(w.rollout);
    w.reconcile({ yieldAfterCreate: true });
    assert.notDeepEqual(w.rollout.status, whole.status, "the status was written in the same pass");
  });
});
