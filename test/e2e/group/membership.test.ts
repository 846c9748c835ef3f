import assert from "node:assert/strict";
import { useController } from "../support/controller.js";
import {
  deleteGroup,
  getGroup,
  groupEventReasons,
  groupManifest,
  waitForGroupStatus,
} from "../support/groups.js";
import { kestrelPlugin as kestrel } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  rolloutManifest,
  setImage,
  v2,
  waitForPhase,
  type RolloutOptions,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

type Steps = RolloutOptions["steps"];
const quick: Steps = [{ setWeight: 50 }, { pause: { duration: "1s" } }];
const forever: Steps = [{ setWeight: 50 }, { pause: {} }];

/** A Rollout with two replicas and the given steps (and labels on the Rollout itself). */
async function member(ns: string, name: string, steps: Steps, labels: Record<string, string> = {}) {
  const m = rolloutManifest(name, { replicas: 2, steps });
  await apply(ns, { ...m, metadata: { name, labels } });
}

async function hashes(ns: string, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of names) out[n] = (await waitForPhase(ns, n, "Healthy")).status?.currentPodHash ?? "";
  return out;
}

const annotationsOf = async (ns: string, name: string) =>
  (await getRollout(ns, name)).metadata.annotations ?? {};

describe("RolloutGroup: members by label selector, release start, undo to a release", () => {
  const ns = useNamespace("group-select");
  useController(ns);

  it("the Rollouts a selector takes move after the member they depend on; `kestrel undo group/` takes them all back, in reverse order", async function () {
    this.timeout(240_000);
    await member(ns(), "api", quick);
    for (const n of ["web-a", "web-b"]) await member(ns(), n, quick, { tier: "web" });
    const v1 = await hashes(ns(), ["api", "web-a", "web-b"]);
    await apply(
      ns(),
      groupManifest("shop", {
        members: [
          { name: "frontends", selector: { matchLabels: { tier: "web" } }, dependsOn: ["api"] },
          { name: "api" },
        ],
      }),
    );
    await waitForGroupStatus(ns(), "shop", "release 1 recorded", (s) => s.phase === "Healthy");

    for (const n of ["web-b", "web-a", "api"]) await setImage(ns(), n, v2);
    await waitForGroupStatus(ns(), "shop", "release 2 in progress", (s) => s.releases?.at(-1)?.number === 2);
    const start = await kestrel(["release", "start", "group/shop", "-n", ns()]);
    assert.equal(start.code, 0, start.stderr);
    const done = await waitForGroupStatus(
      ns(),
      "shop",
      "release 2 succeeded",
      (s) => s.releases?.at(-1)?.number === 2 && s.phase === "Healthy",
      { timeoutMs: 120_000 },
    );
    const r2 = done.releases!.at(-1)!;
    assert.equal(r2.startedBy, "Command", "release start made the release move at once");
    assert.deepEqual(
      r2.members.map((m) => [m.name, m.state]),
      [
        ["api", "Healthy"],
        ["web-a", "Healthy"],
        ["web-b", "Healthy"],
      ],
    );
    const reasons = await groupEventReasons(ns(), "shop");
    assert.ok(reasons.includes("ReleaseStartRequested"), reasons.join(", "));

    const undo = await kestrel(["undo", "group/shop", "-n", ns()]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /undo to release 1 requested/);
    const back = await waitForGroupStatus(
      ns(),
      "shop",
      "release 3 (the undo) rolled back",
      (s) => s.releases?.at(-1)?.number === 3 && s.phase === "RolledBack",
      { timeoutMs: 120_000 },
    );
    assert.equal(back.releases?.at(-1)?.undoTo, 1);
    assert.deepEqual(back.releases?.at(-1)?.rollbackOrder, ["web-b", "web-a", "api"]);
    for (const n of ["api", "web-a", "web-b"])
      assert.equal((await waitForPhase(ns(), n, "Healthy")).status?.currentPodHash, v1[n], n);
  });
});

describe("RolloutGroup: members leaving", () => {
  const ns = useNamespace("group-leave");
  useController(ns);

  it("a held member taken out of the group is left paused where it is; a deleted group lets its held members move on", async function () {
    this.timeout(240_000);
    // db stops at an indefinite pause when it moves: api and web stay held behind it.
    await member(ns(), "db", forever);
    await member(ns(), "api", quick);
    await member(ns(), "web", quick);
    const v1 = await hashes(ns(), ["db", "api", "web"]);
    await apply(
      ns(),
      groupManifest("shop", {
        members: [{ name: "db" }, { name: "api", dependsOn: ["db"] }, { name: "web", dependsOn: ["db"] }],
      }),
    );
    await waitForGroupStatus(ns(), "shop", "release 1 recorded", (s) => s.phase === "Healthy");
    for (const n of ["db", "api", "web"]) await setImage(ns(), n, v2);
    await waitFor("db at its pause step, api held", async () => {
      const db = await getRollout(ns(), "db");
      const api = await getRollout(ns(), "api");
      return db.status?.phase === "Paused" &&
        !db.status.message?.includes("held by") &&
        api.status?.message?.includes("held by RolloutGroup shop")
        ? true
        : undefined;
    });

    await apply(
      ns(),
      groupManifest("shop", { members: [{ name: "db" }, { name: "web", dependsOn: ["db"] }] }),
    );
    const removed = await waitForGroupStatus(ns(), "shop", "a MemberRemoved condition", (s) =>
      Boolean(s.conditions?.some((c) => c.type === "MemberRemoved")),
    );
    assert.match(
      removed.conditions!.find((c) => c.type === "MemberRemoved")!.message ?? "",
      /api was removed from the group during release 2; left where it is \(paused between/,
    );
    const api = await waitFor("api let go", async () => {
      const ro = await getRollout(ns(), "api");
      return ro.metadata.annotations?.["kestrel.dev/group"] === undefined ? ro : undefined;
    });
    assert.equal(api.spec.paused, true);
    assert.equal(api.status?.stableRS, v1.api, "api did not move");
    assert.equal(removed.releases?.at(-1)?.members.find((m) => m.name === "api")?.state, "Removed");

    await deleteGroup(ns(), "shop");
    const web = await waitFor(
      "web, no longer held, delivered v2 on its own",
      async () => {
        const ro = await getRollout(ns(), "web");
        return ro.status?.phase === "Healthy" && ro.status.stableRS !== v1.web ? ro : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(web.status?.currentPodHash, web.status?.stableRS);
    // api stays where removal left it: paused, on v1.
    const apiNow = await getRollout(ns(), "api");
    assert.equal(apiNow.status?.stableRS, v1.api);
    assert.ok(!("kestrel.dev/group" in (await annotationsOf(ns(), "api"))));
    await assert.rejects(getGroup(ns(), "shop"));
  });
});
