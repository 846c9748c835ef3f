import assert from "node:assert/strict";
import type { RolloutSelector } from "../../../controller/api/group.js";
import { lists, matches, membersOf } from "../../../controller/group/selector.js";

describe("RolloutGroup selectors", () => {
  const labels = { tier: "web", team: "shop" };
  const cases: [string, RolloutSelector, boolean][] = [
    ["matchLabels all present", { matchLabels: { tier: "web", team: "shop" } }, true],
    ["matchLabels one differs", { matchLabels: { tier: "api" } }, false],
    ["matchLabels key missing", { matchLabels: { zone: "a" } }, false],
    [
      "In with the value",
      { matchExpressions: [{ key: "tier", operator: "In", values: ["api", "web"] }] },
      true,
    ],
    ["In without it", { matchExpressions: [{ key: "tier", operator: "In", values: ["api"] }] }, false],
    ["In on a missing key", { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, false],
    [
      "NotIn without the value",
      { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["api"] }] },
      true,
    ],
    ["NotIn with it", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, false],
    [
      "NotIn on a missing key",
      { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] },
      true,
    ],
    ["Exists", { matchExpressions: [{ key: "team", operator: "Exists" }] }, true],
    ["Exists missing", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    ["DoesNotExist", { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
    ["DoesNotExist present", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, false],
    [
      "labels and expressions both must hold",
      { matchLabels: { team: "shop" }, matchExpressions: [{ key: "tier", operator: "In", values: ["api"] }] },
      false,
    ],
  ];
  for (const [name, selector, want] of cases) it(name, () => assert.equal(matches(selector, labels), want));

  const rollouts = [
    { name: "web-b", labels: { tier: "web" } },
    { name: "web-a", labels: { tier: "web" } },
    { name: "api", labels: { tier: "api" } },
  ];

  it("each entry's Rollouts: by name, or those its selector matches in name order; the first entry keeps a Rollout two take", () => {
    const spec = {
      members: [
        { name: "api" },
        { name: "frontends", selector: { matchLabels: { tier: "web" } }, dependsOn: ["api"] },
        {
          name: "everything",
          selector: { matchExpressions: [{ key: "tier", operator: "Exists" as const }] },
        },
      ],
    };
    assert.deepEqual(
      [...membersOf(spec, rollouts)],
      [
        ["api", ["api"]],
        ["frontends", ["web-a", "web-b"]],
        ["everything", []],
      ],
    );
  });

  it("a group lists a Rollout by its name, or by a selector (a selector entry's own name is not a Rollout)", () => {
    const spec = { members: [{ name: "web-a", selector: { matchLabels: { tier: "api" } } }, { name: "db" }] };
    assert.equal(lists(spec, rollouts[1]!), false);
    assert.equal(lists(spec, rollouts[2]!), true);
    assert.equal(lists(spec, { name: "db", labels: {} }), true);
  });
});
