import assert from "node:assert/strict";
import type { HTTPRoute } from "../../../controller/traffic/httproute.js";
import { weightPatch } from "../../../controller/traffic/route-patch.js";
import { classifyRoute } from "../../../controller/traffic/route-state.js";

const services = { stable: "web-stable", canary: "web-canary" };
const rv = { op: "test", path: "/metadata/resourceVersion", value: "41" };

/** A route as a user writes it: a header-match rule to a preview Service, then the weighted rule with an extra backend. */
function route(): HTTPRoute {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: "shop", resourceVersion: "41" },
    spec: {
      parentRefs: [{ name: "gw" }],
      rules: [
        {
          matches: [{ headers: [{ name: "x-preview", value: "1" }] }],
          filters: [
            { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-a", value: "b" }] } },
          ],
          backendRefs: [{ name: "web-preview", port: 80 }],
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { name: "web-stable", port: 80, weight: 100 },
            { name: "web-canary", port: 80, weight: 0 },
            { name: "web-legacy", port: 8080, weight: 5 },
          ],
        },
      ],
    },
  };
}

/** Applies ops the way the API server does for these three op kinds, to show what else is unchanged. */
function apply(obj: HTTPRoute, ops: ReturnType<typeof weightPatch>): HTTPRoute {
  const copy = structuredClone(obj) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split("/").slice(1);
    let node = copy as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
    const last = parts.at(-1)!;
    if (op.op === "test") assert.equal(node[last], op.value);
    else node[last] = op.value;
  }
  return copy as unknown as HTTPRoute;
}

describe("traffic: the weight patch of an HTTPRoute", () => {
  const cases: { name: string; route: () => HTTPRoute; weight: number; patch: unknown[] }[] = [
    {
      name: "canary 10: only the two managed weights of the rule naming both, after the resourceVersion test",
      route,
      weight: 10,
      patch: [
        rv,
        { op: "replace", path: "/spec/rules/1/backendRefs/0/weight", value: 90 },
        { op: "replace", path: "/spec/rules/1/backendRefs/1/weight", value: 10 },
      ],
    },
    {
      name: "weights already right: no patch at all (no write, no test)",
      route,
      weight: 0,
      patch: [],
    },
    {
      name: "absent weights (Gateway API's default 1) are added, not replaced",
      route: () => {
        const r = route();
        for (const ref of r.spec!.rules![1]!.backendRefs!) delete ref.weight;
        return r;
      },
      weight: 50,
      patch: [
        rv,
        { op: "add", path: "/spec/rules/1/backendRefs/0/weight", value: 50 },
        { op: "add", path: "/spec/rules/1/backendRefs/1/weight", value: 50 },
      ],
    },
    {
      name: "a rule naming only the stable Service is not managed (Argo's plugin would set it)",
      route: () => {
        const r = route();
        r.spec!.rules!.push({ backendRefs: [{ name: "web-stable", port: 80, weight: 7 }] });
        return r;
      },
      weight: 90,
      patch: [
        rv,
        { op: "replace", path: "/spec/rules/1/backendRefs/0/weight", value: 10 },
        { op: "replace", path: "/spec/rules/1/backendRefs/1/weight", value: 90 },
      ],
    },
    {
      name: "two managed rules, the canary listed first in the second",
      route: () => {
        const r = route();
        r.spec!.rules!.push({
          matches: [{ path: { type: "PathPrefix", value: "/api" } }],
          backendRefs: [
            { name: "web-canary", port: 80, weight: 30 },
            { name: "web-stable", port: 80, weight: 70 },
          ],
        });
        return r;
      },
      weight: 100,
      patch: [
        rv,
        { op: "replace", path: "/spec/rules/1/backendRefs/0/weight", value: 0 },
        { op: "replace", path: "/spec/rules/1/backendRefs/1/weight", value: 100 },
        { op: "replace", path: "/spec/rules/2/backendRefs/0/weight", value: 100 },
        { op: "replace", path: "/spec/rules/2/backendRefs/1/weight", value: 0 },
      ],
    },
    {
      name: "a backendRef of the same name in another namespace or of another kind is not the Service",
      route: () => {
        const r = route();
        r.spec!.rules![1]!.backendRefs!.push(
          { name: "web-canary", namespace: "other", port: 80, weight: 3 },
          { name: "web-canary", group: "example.com", kind: "Bucket", weight: 4 },
        );
        return r;
      },
      weight: 20,
      patch: [
        rv,
        { op: "replace", path: "/spec/rules/1/backendRefs/0/weight", value: 80 },
        { op: "replace", path: "/spec/rules/1/backendRefs/1/weight", value: 20 },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(weightPatch(c.route(), services, c.weight), c.patch));
  }

  it("leaves the header-match rule, its filters and the extra backend byte-for-byte as written", () => {
    const before = route();
    const after = apply(before, weightPatch(before, services, 50));
    assert.equal(JSON.stringify(after.spec!.rules![0]), JSON.stringify(before.spec!.rules![0]));
    assert.equal(
      JSON.stringify(after.spec!.rules![1]!.backendRefs![2]),
      '{"name":"web-legacy","port":8080,"weight":5}',
    );
    assert.equal(
      JSON.stringify(after.spec!.rules![1]!.matches),
      JSON.stringify(before.spec!.rules![1]!.matches),
    );
    assert.deepEqual(after.metadata, before.metadata);
    assert.deepEqual(after.spec!.parentRefs, before.spec!.parentRefs);
  });
});

describe("traffic: what a route's state means for the Rollout", () => {
  const accepted = {
    parents: [{ parentRef: { name: "gw" }, conditions: [{ type: "Accepted", status: "True" }] }],
  };
  const cases: { name: string; route: HTTPRoute | undefined; weight: number; expect: unknown }[] = [
    { name: "missing", route: undefined, weight: 10, expect: { kind: "missing", name: "web" } },
    {
      name: "no rule names both Services",
      route: {
        ...route(),
        spec: {
          rules: [{ backendRefs: [{ name: "web-stable" }] }, { backendRefs: [{ name: "web-canary" }] }],
        },
      },
      weight: 10,
      expect: { kind: "noMatchingBackends", name: "web" },
    },
    {
      name: "accepted and already at the weight: in sync, empty patch",
      route: { ...route(), status: accepted },
      weight: 0,
      expect: { kind: "present", name: "web", patch: [], inSync: true },
    },
    {
      name: "accepted, weights to change",
      route: { ...route(), status: accepted },
      weight: 90,
      expect: {
        kind: "present",
        name: "web",
        inSync: false,
        patch: [
          rv,
          { op: "replace", path: "/spec/rules/1/backendRefs/0/weight", value: 10 },
          { op: "replace", path: "/spec/rules/1/backendRefs/1/weight", value: 90 },
        ],
      },
    },
    {
      name: "not reported on by any Gateway",
      route: route(),
      weight: 0,
      expect: {
        kind: "present",
        name: "web",
        patch: [],
        inSync: true,
        notAccepted: "no Gateway has reported on it (status.parents is empty)",
      },
    },
    {
      name: "refused by its Gateway",
      route: {
        ...route(),
        status: {
          parents: [
            accepted.parents[0]!,
            {
              parentRef: { name: "gw2" },
              conditions: [
                {
                  type: "Accepted",
                  status: "False",
                  reason: "NotAllowedByListeners",
                  message: "no listener",
                },
              ],
            },
          ],
        },
      },
      weight: 0,
      expect: {
        kind: "present",
        name: "web",
        patch: [],
        inSync: true,
        notAccepted: "Gateway gw2 has not accepted it (NotAllowedByListeners: no listener)",
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(classifyRoute("web", c.route, services, c.weight), c.expect));
  }
});
