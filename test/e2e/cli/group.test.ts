import assert from "node:assert/strict";
import { useController } from "../support/controller.js";
import { getGroup, waitForGroupStatus } from "../support/groups.js";
import { kestrelPlugin as kestrel } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, v2, waitForPhase } from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

const undoKey = "kestrel.dev/undo-to-release";
const startKey = "kestrel.dev/release-start";

/** The group in `phase` with `releases` kept: the status the plugin reads. */
const waitForGroup = (namespace: string, phase: string, releases: number) =>
  waitForGroupStatus(namespace, "shop", `${phase} with ${releases} releases`, (s) => {
    if (s.phase !== phase || s.releases?.length !== releases)
      throw new Error(`phase ${s.phase}, ${s.releases?.length} releases: ${s.message}`);
    return true;
  });

describe("kubectl kestrel: a RolloutGroup's history, undo and release start", () => {
  const ns = useNamespace("plugin-group");
  useController(ns);

  before(async function () {
    this.timeout(120_000);
    // api stops at an indefinite pause when it moves, so release 2 stays in progress until promoted.
    await apply(ns(), rolloutManifest("db-adapter", { replicas: 2, steps: [{ setWeight: 50 }] }));
    await apply(ns(), rolloutManifest("api", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }));
    for (const name of ["db-adapter", "api"]) await waitForPhase(ns(), name, "Healthy");
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "RolloutGroup",
      metadata: { name: "shop" },
      spec: { members: [{ name: "api", dependsOn: ["db-adapter"] }, { name: "db-adapter" }] },
    });
    await waitForGroup(ns(), "Healthy", 1);
  });

  it("history shows release 1, the recorded baseline, each member at revision 1; an unknown group is NotFound", async () => {
    const h = await kestrel(["history", "group/shop", "-n", ns()]);
    assert.equal(h.code, 0, h.stderr);
    const lines = h.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^RELEASE\s+OUTCOME\s+STARTED\s+MEMBERS\s+DETAILS$/);
    assert.match(
      lines[1]!,
      /^1\s+Succeeded\s+\S+Z\s+db-adapter=1 \(Unchanged\), api=1 \(Unchanged\)\s+<none>$/,
    );
    assert.equal(lines.length, 2, h.stdout);

    for (const words of [["group/nope"], ["rolloutgroups/nope"], ["rog", "nope"]]) {
      const missing = await kestrel(["history", ...words, "-n", ns()]);
      assert.equal(missing.code, 1, words.join(" "));
      assert.equal(missing.stderr, 'error: not found: rolloutgroups.kestrel.dev "nope" not found\n');
    }
  });

  it("with release 2 in progress: history shows it with the new revisions; undo is refused naming it, and writes nothing", async function () {
    this.timeout(150_000);
    await setImage(ns(), "db-adapter", v2);
    await setImage(ns(), "api", v2);
    await waitFor(
      "api at its pause step, released by the group after db-adapter",
      async () => {
        const r = await waitForPhase(ns(), "api", "Paused", 1_000);
        return r.status?.message?.includes("held by") ? undefined : r;
      },
      { timeoutMs: 120_000 },
    );
    await waitFor(
      "release 2 with db-adapter Healthy and api Moving",
      async () => {
        const s = await waitForGroup(ns(), "Progressing", 2);
        const states = s.releases?.[1]?.members.map((m) => `${m.name} ${m.state}`).join(", ");
        if (states !== "db-adapter Healthy, api Moving") throw new Error(states);
        return s;
      },
      { timeoutMs: 30_000 },
    );

    const h = await kestrel(["history", "rolloutgroup/shop", "-n", ns()]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(
      h.stdout,
      /\n2\s+Progressing\s+\S+Z\s+db-adapter=2 \(Healthy\), api=2 \(Moving\)\s+<none>\n$/,
    );

    const one = await kestrel(["history", "group/shop", "--release=2", "-n", ns()]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^rolloutgroup "shop" release 2: Progressing\n/);
    assert.match(one.stdout, /\ndb-adapter\s+2\s+1\s+Healthy\s+\S+\n/);
    assert.match(one.stdout, /\napi\s+2\s+1\s+Moving\s+\S+\n?$/);

    const data = await kestrel(["history", "group/shop", "-n", ns(), "-o", "json"]);
    const rows = JSON.parse(data.stdout) as {
      number: number;
      members: { name: string; revision?: number }[];
    }[];
    assert.deepEqual(
      rows.map((r) => [r.number, r.members.map((m) => m.revision)]),
      [
        [1, [1, 1]],
        [2, [2, 2]],
      ],
    );

    const refusals: [string[], string][] = [
      [
        ["undo", "group/shop", "--to-release=1"],
        'error: rolloutgroup "shop" has release 2 in progress (Progressing); undo once it has ended\n',
      ],
      [
        ["undo", "group/shop"],
        'error: rolloutgroup "shop" has release 2 in progress (Progressing); undo once it has ended\n',
      ],
      [
        ["undo", "group/shop", "--to-release=99"],
        'error: unable to find the specified release 99 of rolloutgroup "shop"; kept releases: 1, 2\n',
      ],
      [
        ["history", "group/shop", "--release=99"],
        'error: unable to find the specified release 99 of rolloutgroup "shop"; kept releases: 1, 2\n',
      ],
    ];
    for (const [args, message] of refusals) {
      const res = await kestrel([...args, "-n", ns()]);
      assert.equal(res.code, 1, args.join(" "));
      assert.equal(res.stderr, message, args.join(" "));
    }
    assert.equal((await getGroup(ns(), "shop")).metadata.annotations?.[undoKey], undefined);
  });

  it("release start writes the release-start annotation with the time of the command", async () => {
    const before = Date.now();
    const res = await kestrel(["release", "start", "group/shop", "-n", ns()]);
    const after = Date.now();
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, "rolloutgroup.kestrel.dev/shop release start requested\n");
    const value = (await getGroup(ns(), "shop")).metadata.annotations?.[startKey] ?? "";
    assert.match(value, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(value) >= before && Date.parse(value) <= after, value);

    const missing = await kestrel(["release", "start", "group/nope", "-n", ns()]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'error: not found: rolloutgroups.kestrel.dev "nope" not found\n');
  });

  it("once release 2 succeeded: undo to it is refused (already there); undo asks for release 1", async function () {
    this.timeout(120_000);
    const promote = await kestrel(["promote", "api", "-n", ns()]);
    assert.equal(promote.code, 0, promote.stderr);
    await waitForGroup(ns(), "Healthy", 2);

    const here = await kestrel(["undo", "group/shop", "--to-release=2", "-n", ns()]);
    assert.equal(here.code, 1);
    assert.equal(
      here.stderr,
      'error: rolloutgroup "shop" is already at release 2: every member runs its revision from that release\n',
    );

    const before = Date.now();
    const undo = await kestrel(["undo", "group/shop", "-n", ns()]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(undo.stdout, "rolloutgroup.kestrel.dev/shop undo to release 1 requested\n");
    const value = (await getGroup(ns(), "shop")).metadata.annotations?.[undoKey] ?? "";
    const [release, at] = value.split("@");
    assert.equal(release, "1", value);
    assert.ok(Date.parse(at ?? "") >= before && Date.parse(at ?? "") <= Date.now(), value);
  });
});
