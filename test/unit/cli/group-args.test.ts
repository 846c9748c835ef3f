import assert from "node:assert/strict";
import { parseCommand, UsageError, type Command } from "../../../controller/cli/args.js";

function command(argv: string[]): Command {
  const parsed = parseCommand(argv);
  assert.ok("command" in parsed, `${argv.join(" ")} parses to a command`);
  return parsed.command;
}

describe("kubectl kestrel: the RolloutGroup forms of history, undo and release start", () => {
  type Want = Pick<Command, "verb" | "name" | "group" | "toRelease" | "release">;
  const forms: [string[], Want][] = [
    [
      ["history", "group/shop"],
      { verb: "history", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    [
      ["history", "rolloutgroup/shop"],
      { verb: "history", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    [
      ["history", "rolloutgroups/shop"],
      { verb: "history", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    [
      ["history", "rog", "shop", "--release=2"],
      { verb: "history", name: "shop", group: true, toRelease: undefined, release: 2 },
    ],
    [
      ["history", "-n", "prod", "rolloutgroups.kestrel.dev/shop", "--release", "10"],
      { verb: "history", name: "shop", group: true, toRelease: undefined, release: 10 },
    ],
    [
      ["undo", "group/shop"],
      { verb: "undo", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    [
      ["undo", "rolloutgroup", "shop", "--to-release=3"],
      { verb: "undo", name: "shop", group: true, toRelease: 3, release: undefined },
    ],
    [
      ["release", "start", "group/shop"],
      { verb: "release", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    // release start takes only groups, so the bare name is one.
    [
      ["release", "start", "shop"],
      { verb: "release", name: "shop", group: true, toRelease: undefined, release: undefined },
    ],
    [
      ["release", "start", "group", "group"],
      { verb: "release", name: "group", group: true, toRelease: undefined, release: undefined },
    ],
    // The rollout forms are untouched.
    [
      ["history", "web", "--revision=2"],
      { verb: "history", name: "web", group: false, toRelease: undefined, release: undefined },
    ],
    [
      ["undo", "rollout/web"],
      { verb: "undo", name: "web", group: false, toRelease: undefined, release: undefined },
    ],
  ];
  for (const [argv, want] of forms)
    it(`${argv.join(" ")} -> ${want.verb} ${want.group ? "group" : "rollout"} ${want.name}`, () => {
      const c = command(argv);
      assert.deepEqual(
        { verb: c.verb, name: c.name, group: c.group, toRelease: c.toRelease, release: c.release },
        want,
      );
    });

  const refusals: [string[], string][] = [
    [
      ["history", "group"],
      `a rolloutgroup name is needed after "group"\nusage: kubectl kestrel history group/NAME [--release=N] [-o json|yaml]`,
    ],
    [
      ["history", "group/"],
      `"group/" names no rolloutgroup\nusage: kubectl kestrel history group/NAME [--release=N] [-o json|yaml]`,
    ],
    [
      ["undo", "group/shop", "web"],
      `undo takes one rolloutgroup; unexpected "web"\nusage: kubectl kestrel undo group/NAME [--to-release=N]`,
    ],
    [
      ["undo", "group/shop", "--to-release=0"],
      `--to-release must be a release number (1 or more), not "0"\nusage: kubectl kestrel undo group/NAME [--to-release=N]`,
    ],
    [
      ["undo", "group/shop", "--to-release=two"],
      `--to-release must be a release number (1 or more), not "two"\nusage: kubectl kestrel undo group/NAME [--to-release=N]`,
    ],
    [
      ["history", "group/shop", "--release=-1"],
      `--release must be a release number (1 or more), not "-1"\nusage: kubectl kestrel history group/NAME [--release=N] [-o json|yaml]`,
    ],
    [
      ["undo", "group/shop", "--to-revision=2"],
      `undo does not take --to-revision for a rolloutgroup (it is for a rollout)\nusage: kubectl kestrel undo group/NAME [--to-release=N]`,
    ],
    [
      ["undo", "group/shop", "-o", "json"],
      `undo does not take --output\nusage: kubectl kestrel undo group/NAME [--to-release=N]`,
    ],
    [
      ["undo", "web", "--to-release=2"],
      `undo does not take --to-release for a rollout (it is for undo group/NAME)\nusage: kubectl kestrel undo [rollout] NAME [--to-revision=N | --to-last-good] [--dry-run=client] [-o json|yaml]`,
    ],
    [
      ["history", "web", "--release=2"],
      `history does not take --release for a rollout (it is for history group/NAME)\nusage: kubectl kestrel history [rollout] NAME [--revision=N] [-o json|yaml]`,
    ],
    [
      ["status", "group/shop"],
      `status works on rollouts; a RolloutGroup takes history, undo and release start\nusage: kubectl kestrel status [rollout] NAME [--watch=false] [--timeout=D] [-o json|yaml]`,
    ],
    [
      ["promote", "rog", "shop"],
      `promote works on rollouts; a RolloutGroup takes history, undo and release start\nusage: kubectl kestrel promote [rollout] NAME [--full]`,
    ],
    [
      ["release", "stop", "group/shop"],
      `release knows only "start"\nusage: kubectl kestrel release start group/NAME`,
    ],
    [["release"], `release knows only "start"\nusage: kubectl kestrel release start group/NAME`],
    [["release", "start"], `a rolloutgroup name is needed\nusage: kubectl kestrel release start group/NAME`],
    [
      ["release", "start", "rollout/web"],
      `"rollout" is not a RolloutGroup; release start takes group/NAME here\nusage: kubectl kestrel release start group/NAME`,
    ],
    [
      ["release", "start", "shop", "--to-release=2"],
      `release does not take --to-release\nusage: kubectl kestrel release start group/NAME`,
    ],
  ];
  for (const [argv, message] of refusals)
    it(`refuses ${argv.join(" ")}`, () => {
      assert.throws(
        () => parseCommand(argv),
        (err: unknown) => err instanceof UsageError && err.code === 2 && err.message === message,
      );
    });

  it("the help lists the three group forms, each after its verb's rollout form", () => {
    const parsed = parseCommand(["--help"]);
    assert.ok("help" in parsed);
    const lines = parsed.help.split("\n").map((l) => l.trim());
    const at = (l: string): number => lines.indexOf(l);
    assert.equal(
      at("history group/NAME [--release=N] [-o json|yaml]"),
      at("history [rollout] NAME [--revision=N] [-o json|yaml]") + 1,
    );
    assert.equal(
      at("undo group/NAME [--to-release=N]"),
      at("undo [rollout] NAME [--to-revision=N | --to-last-good] [--dry-run=client] [-o json|yaml]") + 1,
    );
    assert.ok(at("release start group/NAME") > 0);
  });
});
