import assert from "node:assert/strict";
import { planInvalidSpec, planRefusedTemplate } from "../../../controller/rollout/plan.js";
import { rollout } from "./world.js";

/** The plan for a spec that cannot be acted on, with every problem named; written from its contract. */

const now = new Date("2026-01-01T00:00:00Z");

describe("planInvalidSpec", () => {
  it("names every field in one message, sets InvalidSpec and warns once per new message", () => {
    const ro = rollout();
    const errors = [
      { field: "spec.a", message: "is wrong" },
      { field: "spec.b", message: "is missing" },
    ];
    const plan = planInvalidSpec(ro, errors, now);
    assert.equal(plan.status?.phase, "Degraded");
    assert.equal(plan.status?.message, "invalid spec: spec.a: is wrong; spec.b: is missing");
    const c = plan.status?.conditions?.find((x) => x.type === "InvalidSpec");
    assert.deepEqual(
      { status: c?.status, reason: c?.reason, message: c?.message },
      { status: "True", reason: "InvalidSpec", message: "spec.a: is wrong; spec.b: is missing" },
    );
    assert.deepEqual(plan.actions, [
      {
        kind: "event",
        type: "Warning",
        reason: "InvalidSpec",
        message: "spec.a: is wrong; spec.b: is missing",
      },
    ]);
    const again = planInvalidSpec({ ...ro, status: plan.status }, errors, now);
    assert.deepEqual(again.actions, [], "the same problem: no second Warning");
  });

  it("a template the API server refused is InvalidSpec on spec.template with its words", () => {
    const plan = planRefusedTemplate(rollout(), 'Invalid value: "Web": a lowercase RFC 1123 label', now);
    assert.equal(
      plan.status?.message,
      'invalid spec: spec.template: Invalid value: "Web": a lowercase RFC 1123 label',
    );
  });
});
