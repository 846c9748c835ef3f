import assert from "node:assert/strict";
import type { GroupRelease } from "../../../controller/api/group.js";
import {
  chooseUndoRelease,
  releaseStartRequest,
  undoRequest,
} from "../../../controller/cli/group-requests.js";

/** A release of members db and api: their hashes in it, e.g. at(2, "Succeeded", "d2", "a2"). */
const at = (number: number, outcome: string, db: string, api: string): GroupRelease => ({
  number,
  outcome,
  members: [
    { name: "db", hash: db, state: "Healthy" },
    { name: "api", hash: api, state: "Healthy" },
  ],
});
const running = (db: string, api: string) =>
  new Map<string, string | undefined>([
    ["db", db],
    ["api", api],
  ]);

describe("undo group/NAME: the release it goes to, or why not", () => {
  const cases: {
    name: string;
    releases: GroupRelease[];
    current: Map<string, string | undefined>;
    toRelease?: number;
    want: ReturnType<typeof chooseUndoRelease>;
  }[] = [
    {
      name: "by default, the release before the newest",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "Succeeded", "d2", "a2")],
      current: running("d2", "a2"),
      want: { release: 1 },
    },
    {
      name: "by default, skipping releases before the newest that did not succeed",
      releases: [
        at(1, "Succeeded", "d1", "a1"),
        at(2, "RolledBack", "d2", "a2"),
        at(3, "Aborted", "d3", "a3"),
        at(4, "Succeeded", "d4", "a4"),
      ],
      current: running("d4", "a4"),
      want: { release: 1 },
    },
    {
      name: "--to-release names an older kept release that succeeded",
      releases: [
        at(1, "Succeeded", "d1", "a1"),
        at(2, "Succeeded", "d2", "a2"),
        at(3, "Succeeded", "d3", "a3"),
      ],
      current: running("d3", "a3"),
      toRelease: 1,
      want: { release: 1 },
    },
    {
      name: "--to-release may name the newest when the members have left it (say, edited by hand)",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "Succeeded", "d2", "a2")],
      current: running("d2", "a9"),
      toRelease: 2,
      want: { release: 2 },
    },
    {
      name: "a member whose Rollout is gone is not at the release",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "Succeeded", "d2", "a2")],
      current: new Map([["db", "d2"]]),
      toRelease: 2,
      want: { release: 2 },
    },
    {
      name: "no release yet",
      releases: [],
      current: running("d1", "a1"),
      want: { error: 'rolloutgroup "shop" has no release yet to undo to' },
    },
    {
      name: "a release not kept names the kept ones",
      releases: [at(4, "Succeeded", "d4", "a4"), at(5, "Succeeded", "d5", "a5")],
      current: running("d5", "a5"),
      toRelease: 99,
      want: { error: 'unable to find the specified release 99 of rolloutgroup "shop"; kept releases: 4, 5' },
    },
    {
      name: "a release in progress is named",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "Progressing", "d2", "a2")],
      current: running("d2", "a1"),
      toRelease: 1,
      want: {
        error: 'rolloutgroup "shop" has release 2 in progress (Progressing); undo once it has ended',
      },
    },
    {
      name: "a rollback in progress is named too",
      releases: [
        at(1, "Succeeded", "d1", "a1"),
        at(2, "Succeeded", "d2", "a2"),
        at(3, "RollingBack", "d1", "a1"),
      ],
      current: running("d1", "a2"),
      want: {
        error: 'rolloutgroup "shop" has release 3 in progress (RollingBack); undo once it has ended',
      },
    },
    {
      name: "a release that did not succeed is no target",
      releases: [
        at(1, "Succeeded", "d1", "a1"),
        at(2, "RolledBack", "d2", "a2"),
        at(3, "Succeeded", "d3", "a3"),
      ],
      current: running("d3", "a3"),
      toRelease: 2,
      want: {
        error:
          'release 2 of rolloutgroup "shop" ended RolledBack; only a release that succeeded can be undone to',
      },
    },
    {
      name: "the newest release, where the members are, is already there",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "Succeeded", "d2", "a2")],
      current: running("d2", "a2"),
      toRelease: 2,
      want: {
        error:
          'rolloutgroup "shop" is already at release 2: every member runs its revision from that release',
      },
    },
    {
      name: "after an automatic rollback, the default target is where the members went back to",
      releases: [at(1, "Succeeded", "d1", "a1"), at(2, "RolledBack", "d2", "a2")],
      current: running("d1", "a1"),
      want: {
        error:
          'rolloutgroup "shop" is already at release 1: every member runs its revision from that release',
      },
    },
    {
      name: "by default, with only the baseline kept, there is nothing before it",
      releases: [at(1, "Succeeded", "d1", "a1")],
      current: running("d1", "a1"),
      want: { error: 'rolloutgroup "shop" has no release before release 1 that succeeded' },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(chooseUndoRelease("shop", c.releases, c.current, c.toRelease), c.want);
    });
});

describe("the request annotations' values", () => {
  const now = new Date("2025-03-04T05:06:07.089Z");
  it("undo: N@time", () => assert.equal(undoRequest(3, now), "3@2025-03-04T05:06:07.089Z"));
  it("release start: the time", () => assert.equal(releaseStartRequest(now), "2025-03-04T05:06:07.089Z"));
});
