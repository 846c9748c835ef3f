import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { GroupRelease } from "../../../controller/api/group.js";
import {
  describeRelease,
  describeReleases,
  detailsColumn,
  memberRevisions,
  membersColumn,
  pickRelease,
  releaseRows,
  type ReleaseRow,
} from "../../../controller/cli/group-history.js";

const rs = (owner: string, hash: string, revision?: number): V1ReplicaSet => ({
  metadata: {
    name: `rs-${hash}`,
    labels: { "rollouts-pod-template-hash": hash },
    annotations: revision === undefined ? {} : { "kestrel.dev/revision": String(revision) },
    ownerReferences: [{ apiVersion: "kestrel.dev/v1alpha1", kind: "Rollout", name: "x", uid: owner }],
  },
});

describe("history group/NAME: member revisions from the ReplicaSets each Rollout owns", () => {
  const cases: {
    name: string;
    rollouts: { name: string; uid: string }[];
    replicaSets: V1ReplicaSet[];
    want: Record<string, Record<string, number>>;
  }[] = [
    {
      name: "each member's hashes map to its own revisions",
      rollouts: [
        { name: "api", uid: "u-api" },
        { name: "db", uid: "u-db" },
      ],
      replicaSets: [rs("u-api", "a1", 1), rs("u-api", "a2", 2), rs("u-db", "d1", 4)],
      want: { api: { a1: 1, a2: 2 }, db: { d1: 4 } },
    },
    {
      name: "the same hash under two members stays each one's own",
      rollouts: [
        { name: "api", uid: "u-api" },
        { name: "web", uid: "u-web" },
      ],
      replicaSets: [rs("u-api", "same", 3), rs("u-web", "same", 7)],
      want: { api: { same: 3 }, web: { same: 7 } },
    },
    {
      name: "a ReplicaSet of another owner (an old Rollout of the same name) or without a revision is not used",
      rollouts: [{ name: "api", uid: "u-new" }],
      replicaSets: [rs("u-old", "a1", 5), rs("u-new", "a2"), rs("u-new", "a3", 1)],
      want: { api: { a3: 1 } },
    },
    { name: "no Rollouts, nothing", rollouts: [], replicaSets: [rs("u", "h", 1)], want: {} },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = memberRevisions(c.rollouts, c.replicaSets);
      assert.deepEqual(Object.fromEntries([...got].map(([k, v]) => [k, Object.fromEntries(v)])), c.want);
    });
});

const baseline: GroupRelease = {
  number: 1,
  outcome: "Succeeded",
  startedAt: "2025-01-01T10:00:00.000Z",
  finishedAt: "2025-01-01T10:00:00.000Z",
  members: [
    { name: "db-adapter", hash: "d1", state: "Unchanged" },
    { name: "api", hash: "a1", state: "Unchanged" },
  ],
};
const failed: GroupRelease = {
  number: 2,
  outcome: "RolledBack",
  startedAt: "2025-01-01T11:00:00.000Z",
  finishedAt: "2025-01-01T11:05:00.000Z",
  startedBy: "Change",
  failedMember: "api",
  failure: "error-rate 0.2 > 0.05",
  rollbackOrder: ["api", "db-adapter"],
  members: [
    { name: "db-adapter", hash: "d2", previousHash: "d1", state: "Undone" },
    { name: "api", hash: "a2", previousHash: "a1", state: "Undone" },
  ],
};
const undone: GroupRelease = {
  number: 3,
  outcome: "RollingBack",
  startedAt: "2025-01-01T12:00:00.000Z",
  startedBy: "Command",
  undoTo: 1,
  members: [
    { name: "db-adapter", hash: "d1", previousHash: "d3", state: "Undoing" },
    { name: "api", hash: "a1", state: "Unchanged" },
  ],
};
// a1 was reused by an undo, so it carries the newest revision (3); d3's ReplicaSet is gone.
const revisions = new Map([
  [
    "db-adapter",
    new Map([
      ["d1", 1],
      ["d2", 2],
    ]),
  ],
  [
    "api",
    new Map([
      ["a1", 3],
      ["a2", 2],
    ]),
  ],
]);
const rows = releaseRows([baseline, failed, undone], revisions);

describe("history group/NAME: the releases as rows and text", () => {
  it("each member gets the revision of its hash and of its previous hash; an unknown one stays undefined", () => {
    assert.deepEqual(
      rows.map((r) => r.members.map((m) => [m.name, m.revision, m.previousRevision])),
      [
        [
          ["db-adapter", 1, undefined],
          ["api", 3, undefined],
        ],
        [
          ["db-adapter", 2, 1],
          ["api", 2, 3],
        ],
        [
          ["db-adapter", 1, undefined],
          ["api", 3, undefined],
        ],
      ],
    );
  });

  const membersCases: [string, ReleaseRow, string][] = [
    ["the baseline", rows[0]!, "db-adapter=1 (Unchanged), api=3 (Unchanged)"],
    ["a rolled-back release", rows[1]!, "db-adapter=2 (Undone), api=2 (Undone)"],
    [
      "a member whose revision is unknown",
      { ...rows[0]!, members: [{ name: "web", hash: "gone", state: "Healthy" }] },
      "web=? (Healthy)",
    ],
  ];
  for (const [name, row, want] of membersCases)
    it(`MEMBERS: ${name}`, () => assert.equal(membersColumn(row.members), want));

  const detailsCases: [string, ReleaseRow, string][] = [
    ["nothing to add", rows[0]!, "<none>"],
    [
      "the failure and the rollback order",
      rows[1]!,
      "api failed: error-rate 0.2 > 0.05; undone in order: api, db-adapter",
    ],
    ["an undo asked by command", rows[2]!, "undo to release 1; started by release start"],
    ["a failed member without a message", { ...rows[0]!, failedMember: "web" }, "web failed"],
    ["an empty rollback order says nothing", { ...rows[0]!, rollbackOrder: [] }, "<none>"],
  ];
  for (const [name, row, want] of detailsCases)
    it(`DETAILS: ${name}`, () => assert.equal(detailsColumn(row), want));

  it("the table: one row per release, oldest first", () => {
    assert.equal(
      describeReleases(rows),
      [
        "RELEASE  OUTCOME      STARTED                   MEMBERS                                      DETAILS",
        "1        Succeeded    2025-01-01T10:00:00.000Z  db-adapter=1 (Unchanged), api=3 (Unchanged)  <none>",
        "2        RolledBack   2025-01-01T11:00:00.000Z  db-adapter=2 (Undone), api=2 (Undone)        api failed: error-rate 0.2 > 0.05; undone in order: api, db-adapter",
        "3        RollingBack  2025-01-01T12:00:00.000Z  db-adapter=1 (Undoing), api=3 (Unchanged)    undo to release 1; started by release start",
      ].join("\n"),
    );
  });

  it("--release=N: the release's facts, then each member's revision before and after", () => {
    assert.equal(
      describeRelease("shop", rows[1]!),
      [
        'rolloutgroup "shop" release 2: RolledBack',
        "Started:        2025-01-01T11:00:00.000Z",
        "Finished:       2025-01-01T11:05:00.000Z",
        "Started by:     Change",
        "Failed member:  api",
        "Failure:        error-rate 0.2 > 0.05",
        "Rollback order: api, db-adapter",
        "",
        "MEMBER      REVISION  PREVIOUS  STATE   HASH",
        "db-adapter  2         1         Undone  d2",
        "api         2         3         Undone  a2",
      ].join("\n"),
    );
    assert.equal(
      describeRelease("shop", rows[2]!),
      [
        'rolloutgroup "shop" release 3: RollingBack',
        "Started:        2025-01-01T12:00:00.000Z",
        "Started by:     Command",
        "Undo to:        release 1",
        "",
        "MEMBER      REVISION  PREVIOUS  STATE      HASH",
        "db-adapter  1         ?         Undoing    d1",
        "api         3         <none>    Unchanged  a1",
      ].join("\n"),
    );
  });

  const pickCases: [string, number, ReturnType<typeof pickRelease>][] = [
    ["a kept release", 2, { row: rows[1]! }],
    [
      "one not kept names the kept ones",
      42,
      { error: 'unable to find the specified release 42 of rolloutgroup "shop"; kept releases: 1, 2, 3' },
    ],
  ];
  for (const [name, n, want] of pickCases)
    it(`--release: ${name}`, () => assert.deepEqual(pickRelease("shop", rows, n), want));

  it("--release on a group with no releases says none are kept", () => {
    assert.deepEqual(pickRelease("shop", [], 1), {
      error: 'unable to find the specified release 1 of rolloutgroup "shop"; kept releases: none',
    });
  });
});
