import assert from "node:assert/strict";
import {
  groupReleaseStartAnnotation,
  groupUndoToReleaseAnnotation,
} from "../../../controller/rollout/labels.js";
import { all, Group, healthy, moving, reasons, writes } from "./fixtures.js";

const v1 = () => all(healthy("w1"), healthy("a1"), healthy("d1"));
const v2 = () => all(healthy("w2"), healthy("a2"), healthy("d2"));

/** Release 1 at w1/a1/d1, release 2 succeeded at w2/a2/d2. */
function twoReleases(): Group {
  const g = new Group();
  g.plan(v1());
  g.plan(all(moving("w2", "w1"), moving("a2", "a1"), moving("d2", "d1")));
  g.plan(all(moving("w2", "w1"), moving("a2", "a1"), healthy("d2")));
  g.plan(all(moving("w2", "w1"), healthy("a2"), healthy("d2")));
  g.plan(v2());
  assert.equal(g.last?.outcome, "Succeeded");
  assert.equal(g.last?.number, 2);
  return g;
}

const warning = (g: Group, actions: ReturnType<Group["plan"]>): string =>
  actions.flatMap((a) => (a.kind === "event" && a.type === "Warning" ? [a.message] : [])).join("; ") +
  ` (phase ${g.g.status?.phase})`;

describe("RolloutGroup requests", () => {
  describe("undo to release N", () => {
    it("undoes web, then api, then db-adapter to release 1, each once the previous is back", () => {
      const g = twoReleases();
      g.annotations[groupUndoToReleaseAnnotation] = "1@t1";
      let actions = g.plan(v2());
      assert.deepEqual(reasons(actions), ["UndoToReleaseStarted", "MemberUndoing"]);
      assert.deepEqual(writes(actions), [
        { kind: "releaseMember", name: "web", released: "w1" },
        { kind: "undoMember", name: "web", toHash: "w1" },
      ]);
      assert.deepEqual(
        { number: g.last?.number, outcome: g.last?.outcome, undoTo: g.last?.undoTo },
        { number: 3, outcome: "RollingBack", undoTo: 1 },
      );
      assert.equal(g.g.status?.handledRequests?.undoToRelease, "1@t1");
      // web's undo written, not yet back: api waits.
      actions = g.plan(all(moving("w1", "w2", { undoAsked: true }), healthy("a2"), healthy("d2")));
      assert.deepEqual(writes(actions), []);
      actions = g.plan(all(healthy("w1"), healthy("a2"), healthy("d2")));
      assert.deepEqual(writes(actions), [
        { kind: "releaseMember", name: "api", released: "a1" },
        { kind: "undoMember", name: "api", toHash: "a1" },
      ]);
      actions = g.plan(all(healthy("w1"), healthy("a1"), healthy("d2")));
      assert.deepEqual(writes(actions), [
        { kind: "releaseMember", name: "db-adapter", released: "d1" },
        { kind: "undoMember", name: "db-adapter", toHash: "d1" },
      ]);
      actions = g.plan(v1());
      assert.deepEqual(
        actions.flatMap((a) => (a.kind === "event" && a.reason === "GroupRolledBack" ? [a.message] : [])),
        ["release 3 undid the group to release 1; undone in order: web, api, db-adapter"],
      );
      assert.deepEqual(g.last?.rollbackOrder, ["web", "api", "db-adapter"]);
      assert.equal(g.last?.outcome, "RolledBack");
      assert.match(g.g.status?.message ?? "", /undoes the group to release 1/);
      // Back at release 1's revisions: no new release starts, the request is not acted on twice.
      actions = g.plan(v1());
      assert.equal(g.last?.number, 3);
      assert.deepEqual(writes(actions), []);
    });

    it("a member already at its release-N revision is left alone", () => {
      const g = twoReleases();
      g.annotations[groupUndoToReleaseAnnotation] = "1@t1";
      // web alone went back by hand; api and db-adapter are still on release 2.
      const actions = g.plan(all(healthy("w1"), healthy("a2"), healthy("d2")));
      assert.deepEqual(
        g.last?.members.map((m) => [m.name, m.state]),
        [
          ["db-adapter", "Healthy"],
          ["api", "Undoing"],
          ["web", "Unchanged"],
        ],
      );
      assert.deepEqual(writes(actions), [
        { kind: "releaseMember", name: "api", released: "a1" },
        { kind: "undoMember", name: "api", toHash: "a1" },
      ]);
    });

    const refusals: [string, string, RegExp][] = [
      ["a release that is not kept", "9@t", /release 9 refused: no such release is kept \(kept: 1, 2\)/],
      [
        "a value that is not a release number",
        "latest",
        /"latest" refused: the request must be N or N@<time>/,
      ],
    ];
    for (const [name, value, want] of refusals)
      it(`refuses ${name}, once, with a Warning`, () => {
        const g = twoReleases();
        g.annotations[groupUndoToReleaseAnnotation] = value;
        const actions = g.plan(v2());
        assert.match(warning(g, actions), want);
        assert.deepEqual(writes(actions), []);
        assert.equal(g.last?.number, 2);
        assert.deepEqual(reasons(g.plan(v2())), [], "the same request is not refused again");
      });

    it("refuses while a release is in progress, naming it", () => {
      const g = twoReleases();
      g.plan(all(moving("w3", "w2"), healthy("a2"), healthy("d2")));
      assert.equal(g.last?.outcome, "Progressing");
      g.annotations[groupUndoToReleaseAnnotation] = "1@t";
      const actions = g.plan(all(moving("w3", "w2"), healthy("a2"), healthy("d2")));
      assert.match(warning(g, actions), /release 1 refused: release 3 is still Progressing/);
      assert.equal(g.last?.number, 3);
    });

    it("refuses a release that did not succeed", () => {
      const g = twoReleases();
      g.plan(all(moving("w3", "w2"), healthy("a2"), healthy("d2")));
      g.plan(
        all(
          moving("w3", "w2", { released: "w3", phase: "Degraded", aborted: true }),
          healthy("a2"),
          healthy("d2"),
        ),
      );
      g.plan(all(healthy("w2"), healthy("a2"), healthy("d2")));
      assert.equal(g.last?.outcome, "RolledBack");
      g.annotations[groupUndoToReleaseAnnotation] = "3@t";
      const actions = g.plan(v2());
      assert.match(
        warning(g, actions),
        /release 3 refused: release 3 ended RolledBack; undo goes only to a release that succeeded/,
      );
    });
  });

  describe("release start", () => {
    it("members move at once instead of after the settling time", () => {
      const g = twoReleases();
      const changed = () => all(moving("w3", "w2"), moving("a3", "a2"), healthy("d2"));
      let actions = g.plan(changed(), 1000);
      assert.deepEqual(writes(actions), [], "a change alone waits for the rest of its edits");
      g.annotations[groupReleaseStartAnnotation] = "t1";
      actions = g.plan(changed(), 1000);
      assert.deepEqual(reasons(actions).slice(0, 1), ["ReleaseStartRequested"]);
      assert.deepEqual(writes(actions), [{ kind: "releaseMember", name: "api", released: "a3" }]);
      assert.equal(g.last?.startedBy, "Command");
    });

    it("with nothing changed: a Warning, no release", () => {
      const g = twoReleases();
      g.annotations[groupReleaseStartAnnotation] = "t1";
      const actions = g.plan(v2());
      assert.match(warning(g, actions), /no member's template differs from release 2/);
      assert.equal(g.last?.number, 2);
      assert.deepEqual(reasons(g.plan(v2())), []);
    });
  });
});

describe("RolloutGroup: a member taken out of spec.members", () => {
  it("mid-release: left paused where it is, with a condition and a Warning; the rest of the release goes on", () => {
    const g = new Group();
    g.plan(all(healthy("w1"), healthy("a1"), healthy("d1")));
    g.plan(all(moving("w2", "w1"), moving("a2", "a1"), healthy("d1")));
    g.plan(all(moving("w2", "w1"), moving("a2", "a1"), healthy("d1")));
    assert.equal(g.last?.outcome, "Progressing");
    // web leaves the group while held at w2 (its stable revision is still w1).
    g.g = { ...g.g, spec: { members: [{ name: "api" }, { name: "db-adapter" }] } };
    const actions = g.plan({ api: moving("a2", "a1"), "db-adapter": healthy("d1") }, 10_000, {
      web: moving("w2", "w1"),
    });
    assert.deepEqual(
      writes(actions).filter((a) => a.kind === "leaveMember"),
      [{ kind: "leaveMember", name: "web", pause: true }],
    );
    assert.equal(g.last?.members.find((m) => m.name === "web")?.state, "Removed");
    const c = g.g.status?.conditions?.find((x) => x.type === "MemberRemoved");
    assert.match(
      c?.message ?? "",
      /web was removed from the group during release 2; left where it is \(paused between w1 and w2/,
    );
    assert.ok(reasons(actions).includes("MemberRemoved"));
    // api finishes: the release succeeds without web.
    g.plan({ api: healthy("a2"), "db-adapter": healthy("d1") });
    assert.equal(g.last?.outcome, "Succeeded");
  });

  it("between releases: its marks are dropped, nothing paused", () => {
    const g = new Group();
    g.plan(all(healthy("w1"), healthy("a1"), healthy("d1")));
    g.g = { ...g.g, spec: { members: [{ name: "api" }, { name: "db-adapter" }] } };
    const actions = g.plan({ api: healthy("a1"), "db-adapter": healthy("d1") }, 10_000, {
      web: healthy("w1"),
    });
    assert.deepEqual(
      writes(actions).filter((a) => a.kind === "leaveMember"),
      [{ kind: "leaveMember", name: "web", pause: false }],
    );
  });
});

describe("RolloutGroup: members it cannot hold", () => {
  it("a blue-green Rollout is refused by name, with a condition, and never touched", () => {
    const g = new Group();
    const actions = g.plan(all(healthy("w1", { blueGreen: true }), healthy("a1"), healthy("d1")));
    const c = g.g.status?.conditions?.find((x) => x.type === "UnsupportedMember");
    assert.match(
      c?.message ?? "",
      /Rollout web uses strategy.blueGreen: blue-green members are not supported yet/,
    );
    assert.ok(reasons(actions).includes("BlueGreenMember"));
    assert.deepEqual(
      writes(actions).filter((a) => "name" in a && a.name === "web"),
      [],
    );
    assert.deepEqual(
      reasons(g.plan(all(healthy("w1", { blueGreen: true }), healthy("a1"), healthy("d1")))),
      [],
    );
  });
});

describe("RolloutGroup: members by label selector", () => {
  it("the Rollouts a selector takes move together, after the members their entry depends on", () => {
    const spec = {
      members: [
        { name: "frontends", selector: { matchLabels: { tier: "web" } }, dependsOn: ["api"] },
        { name: "api" },
      ],
    };
    const g = new Group(spec);
    const selected = { frontends: ["web-a", "web-b"] };
    g.plan({ api: healthy("a1"), "web-a": healthy("x1"), "web-b": healthy("y1") }, 10_000, {}, selected);
    const changed = { api: moving("a2", "a1"), "web-a": moving("x2", "x1"), "web-b": moving("y2", "y1") };
    g.plan(changed, 10_000, {}, selected);
    let actions = g.plan(changed, 10_000, {}, selected);
    assert.deepEqual(writes(actions), [{ kind: "releaseMember", name: "api", released: "a2" }]);
    actions = g.plan({ ...changed, api: healthy("a2") }, 10_000, {}, selected);
    assert.deepEqual(writes(actions), [
      { kind: "releaseMember", name: "web-a", released: "x2" },
      { kind: "releaseMember", name: "web-b", released: "y2" },
    ]);
  });
});
