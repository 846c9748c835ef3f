import type { V1Service } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { missingServices, namedServices } from "../../../controller/rollout/services.js";
import { World, rollout, service } from "./world.js";

/** Services: each named field reported by its own path, and a first version's switch Events. */

const svc = (name: string): V1Service => ({ metadata: { name } });

describe("Services: fields and first switches", () => {
  it("every named Service is reported under its own field, in the default namespace when the Rollout has none", () => {
    const canary = rollout({}, { stableService: "s", canaryService: "c" });
    delete canary.metadata.namespace;
    assert.deepEqual(
      missingServices(canary, new Map()).map((e) => `${e.field}: ${e.message}`),
      [
        'spec.strategy.canary.stableService: Service "s" not found in namespace default; create it or name an existing Service',
        'spec.strategy.canary.canaryService: Service "c" not found in namespace default; create it or name an existing Service',
      ],
    );
    const bg = rollout();
    bg.spec.strategy = { blueGreen: { activeService: "a", previewService: "p" } };
    assert.deepEqual(
      namedServices(bg).map((n) => `${n.strategy}.${n.field}=${n.name}`),
      ["blueGreen.activeService=a", "blueGreen.previewService=p"],
    );
    assert.deepEqual(
      missingServices(bg, new Map([["a", svc("a")]])).map((e) => e.field),
      ["spec.strategy.blueGreen.previewService"],
    );
    assert.deepEqual(
      namedServices({ ...bg, spec: undefined } as never),
      [],
      "a Rollout with no spec names none",
    );
  });

  it("the first version: each Service switched from its own selector, one Event each", () => {
    const w = new World(
      rollout({ replicas: 2 }, { stableService: "web-stable", canaryService: "web-canary" }),
    );
    for (const name of ["web-stable", "web-canary"]) w.services.set(name, service(name));
    w.settle();
    const hash = w.rollout.status!.currentPodHash!;
    const rs = `web-${hash}`;
    assert.deepEqual(
      w.events.filter((e) => e.reason === "SwitchService").map((e) => `${e.type} ${e.message}`),
      [
        `Normal stableService web-stable now selects revision 1 (rollouts-pod-template-hash=${hash}), was its own selector`,
        `Normal canaryService web-canary now selects revision 1 (rollouts-pod-template-hash=${hash}), was its own selector`,
      ],
    );
    assert.ok(w.replicaSets.has(rs));
  });
});
