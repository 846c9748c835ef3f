import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { RolloutGroupStatus } from "../../../controller/api/group.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { annotate, apply, rolloutManifest, setImage, v2, waitForPhase } from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";
import { firstIndex, watchRollouts, type Sample } from "./timeline.js";

const members = ["db-adapter", "api", "web"] as const;
const quick = [{ setWeight: 50 }, { pause: { duration: "1s" } }];

async function groupStatus(namespace: string, name: string): Promise<RolloutGroupStatus> {
  const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
  const g = (await custom.getNamespacedCustomObject({
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "rolloutgroups",
    namespace,
    name,
  })) as { status?: RolloutGroupStatus };
  return g.status ?? {};
}

const waitForGroup = (namespace: string, name: string, phase: string, timeoutMs = 90_000) =>
  waitFor(
    `RolloutGroup ${name} to be ${phase}`,
    async () => {
      const s = await groupStatus(namespace, name);
      if (s.phase !== phase) throw new Error(`phase ${s.phase}: ${s.message}`);
      return s;
    },
    { timeoutMs },
  );

const chain = (name: string, onFailure: string) => ({
  apiVersion: "kestrel.dev/v1alpha1",
  kind: "RolloutGroup",
  metadata: { name },
  spec: {
    onFailure,
    members: [
      { name: "web", dependsOn: ["api"] },
      { name: "api", dependsOn: ["db-adapter"] },
      { name: "db-adapter" },
    ],
  },
});

/** Three Healthy members on v1 (web stops at an indefinite pause when it moves), their v1 hashes. */
async function threeMembers(ns: string): Promise<Record<string, string>> {
  for (const name of members)
    await apply(
      ns,
      rolloutManifest(name, {
        replicas: 2,
        steps: name === "web" ? [{ setWeight: 50 }, { pause: {} }] : quick,
      }),
    );
  const hashes: Record<string, string> = {};
  for (const name of members)
    hashes[name] = (await waitForPhase(ns, name, "Healthy")).status?.currentPodHash ?? "";
  return hashes;
}

/** The group has claimed its members, then every template changes at once. */
async function changeAll(ns: string, group: string): Promise<void> {
  await waitForGroup(ns, group, "Healthy");
  for (const name of [...members].reverse()) await setImage(ns, name, v2);
}

const healthyAt = (name: string, hash: (n: string) => string | undefined) => (s: Sample) =>
  s.name === name &&
  s.phase === "Healthy" &&
  s.stable === hash(name) &&
  s.current === hash(name) &&
  s.available === 2;

describe("RolloutGroup: db-adapter <- api <- web", () => {
  const ns = useNamespace("group");
  useController(ns);

  it("releases in dependency order; aborting web undoes web, then api, then db-adapter, each after the previous is back", async function () {
    this.timeout(240_000);
    const old = await threeMembers(ns());
    const timeline = watchRollouts(ns());
    await timeline.started;
    await apply(ns(), chain("shop", "undo"));
    await changeAll(ns(), "shop");
    // Held members are Paused too: wait for web's own pause step, after the group released it.
    const moved = await waitFor(
      "web at its pause step, released by the group",
      async () => {
        const r = await waitForPhase(ns(), "web", "Paused", 1_000);
        return r.status?.message?.includes("held by") ? undefined : r;
      },
      { timeoutMs: 120_000 },
    );
    const fresh: Record<string, string> = {};
    for (const name of members)
      fresh[name] = await waitFor(`${name} hash`, async () => {
        const s = timeline.samples.findLast(
          (x) => x.rsReplicas === undefined && x.name === name && x.current !== old[name],
        );
        return s?.current;
      });
    assert.equal(moved.status?.currentPodHash, fresh.web);
    const s = timeline.samples;
    const dbNew = firstIndex(
      s,
      healthyAt("db-adapter", (n) => fresh[n]),
    );
    const apiNew = firstIndex(
      s,
      healthyAt("api", (n) => fresh[n]),
    );
    const starts = (n: string) =>
      firstIndex(s, (x) => x.name === n && x.current === fresh[n] && (x.rsReplicas ?? 0) > 0);
    const apiStarts = starts("api");
    const webStarts = starts("web");
    assert.ok(dbNew >= 0 && apiNew >= 0 && apiStarts >= 0 && webStarts >= 0, JSON.stringify(s));
    assert.ok(
      dbNew < apiStarts,
      `api moved (sample ${apiStarts}) before db-adapter was Healthy at v2 (${dbNew})`,
    );
    assert.ok(apiNew < webStarts, `web moved (sample ${webStarts}) before api was Healthy at v2 (${apiNew})`);

    const failedAt = s.length;
    await annotate(ns(), "web", "kestrel.dev/abort=true");
    const done = await waitForGroup(ns(), "shop", "RolledBack", 120_000);
    timeline.stop();
    const release = done.releases?.at(-1);
    assert.equal(release?.failedMember, "web");
    assert.deepEqual(release?.rollbackOrder, ["web", "api", "db-adapter"]);
    const back = (n: string) =>
      firstIndex(
        s,
        healthyAt(n, (m) => old[m]),
        failedAt,
      );
    const undoStarts = (n: string) =>
      firstIndex(s, (x) => x.rsReplicas === undefined && x.name === n && x.current === old[n], failedAt);
    assert.ok(
      back("web") >= 0 && back("web") < undoStarts("api"),
      `api undone before web was back: ${JSON.stringify(s.slice(failedAt))}`,
    );
    assert.ok(
      back("api") >= 0 && back("api") < undoStarts("db-adapter"),
      "db-adapter undone before api was back",
    );
    for (const name of members)
      assert.equal((await waitForPhase(ns(), name, "Healthy")).status?.currentPodHash, old[name]);
  });
});

describe("RolloutGroup: onFailure freeze", () => {
  const ns = useNamespace("group-freeze");
  useController(ns);

  it("stops the release without undoing any member", async function () {
    this.timeout(240_000);
    const old = await threeMembers(ns());
    await apply(ns(), chain("shop", "freeze"));
    await changeAll(ns(), "shop");
    await waitForPhase(ns(), "web", "Paused", 90_000);
    const timeline = watchRollouts(ns());
    await timeline.started;
    await annotate(ns(), "web", "kestrel.dev/abort=true");
    const frozen = await waitForGroup(ns(), "shop", "Frozen");
    assert.equal(frozen.releases?.at(-1)?.failedMember, "web");
    // Watched for the whole window: no member's template goes back to its old revision.
    await new Promise((r) => setTimeout(r, 8_000));
    timeline.stop();
    const undone = timeline.samples.filter((x) => x.rsReplicas === undefined && x.current === old[x.name]);
    assert.deepEqual(undone, [], "a member was undone under freeze");
    assert.equal((await groupStatus(ns(), "shop")).phase, "Frozen");
  });
});

describe("RolloutGroup: a Rollout in two groups", () => {
  const ns = useNamespace("group-two");
  useController(ns);

  it("the second group is refused for that member, with a condition naming it", async function () {
    this.timeout(120_000);
    await threeMembers(ns());
    await apply(ns(), chain("shop", "undo"));
    await waitForGroup(ns(), "shop", "Healthy");
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "RolloutGroup",
      metadata: { name: "other" },
      spec: { members: [{ name: "web" }] },
    });
    const c = await waitFor("a MemberConflict condition on other", async () =>
      (await groupStatus(ns(), "other")).conditions?.find((x) => x.type === "MemberConflict"),
    );
    assert.match(c.message ?? "", /Rollout web already belongs to RolloutGroup shop/);
  });

  it("the API server refuses an unknown dependsOn target, naming the field", async function () {
    await assert.rejects(
      apply(ns(), { ...chain("bad", "undo"), spec: { members: [{ name: "web", dependsOn: ["nope"] }] } }),
      /dependsOn: every name must be a member of this group/,
    );
  });
});
