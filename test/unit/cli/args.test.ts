import assert from "node:assert/strict";
import { parseCommand, UsageError, type Command } from "../../../controller/cli/args.js";

function command(argv: string[]): Command {
  const parsed = parseCommand(argv);
  assert.ok("command" in parsed, `${argv.join(" ")} parses to a command`);
  return parsed.command;
}

function refused(argv: string[], problem: RegExp, usageLine?: RegExp): void {
  assert.throws(
    () => parseCommand(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `${argv.join(" ")}: ${String(err)}`);
      assert.equal(err.code, 2);
      assert.match(err.message, problem);
      if (usageLine) assert.match(err.message, usageLine);
      return true;
    },
    argv.join(" "),
  );
}

describe("kubectl kestrel: the command line", () => {
  describe("the rollout's name, with or without the kind word", () => {
    const forms: [string[], string][] = [
      [["get", "web"], "web"],
      [["get", "ro", "web"], "web"],
      [["get", "rollout", "web"], "web"],
      [["get", "rollouts", "web"], "web"],
      [["get", "rollouts.kestrel.dev", "web"], "web"],
      [["get", "ro/web"], "web"],
      [["get", "rollout/web"], "web"],
      [["get", "rollouts.kestrel.dev/web"], "web"],
      [["get", "rollout/rollout"], "rollout"],
      [["status", "rollout", "web"], "web"],
      [["promote", "ro/web", "--full"], "web"],
      [["retry", "rollout", "web"], "web"],
      [["undo", "ro", "web", "--to-revision=2"], "web"],
      [["history", "-n", "prod", "rollout/web"], "web"],
    ];
    for (const [argv, name] of forms) {
      it(`${argv.join(" ")} names "${name}"`, () => {
        assert.equal(command(argv).name, name);
      });
    }

    it("set image takes the kind word too, and every CONTAINER=IMAGE after the name", () => {
      const c = command(["set", "image", "rollout", "web", "app=example.com/a:2", "side=example.com/s:2"]);
      assert.equal(c.name, "web");
      assert.deepEqual(c.images, ["app=example.com/a:2", "side=example.com/s:2"]);
      assert.equal(command(["set", "image", "ro/web", "app=x:1"]).name, "web");
    });

    it("list takes an optional kind word and nothing else", () => {
      assert.equal(command(["list"]).verb, "list");
      assert.equal(command(["list", "rollouts", "-A"]).allNamespaces, true);
      refused(["list", "web"], /list takes no rollout name; unexpected "web"/, /usage: kubectl kestrel list/);
    });

    it("refuses a kind that is not a Rollout, a lone kind word and an empty name", () => {
      refused(["get", "deployment/web"], /"deployment" is not a Rollout/);
      refused(
        ["get", "ro"],
        /a rollout name is needed after "ro"/,
        /usage: kubectl kestrel get \[rollout\] NAME/,
      );
      refused(["get", "ro/"], /"ro\/" names no rollout/);
      refused(["status"], /a rollout name is needed/, /usage: kubectl kestrel status/);
    });
  });

  describe("extra arguments are refused, for every verb, with its usage line", () => {
    const extra: [string[], string][] = [
      [["get", "web", "api"], "get"],
      [["get", "ro", "web", "api"], "get"],
      [["get", "ro/web", "api"], "get"],
      [["status", "web", "api"], "status"],
      [["history", "web", "3"], "history"],
      [["undo", "web", "3"], "undo"],
      [["promote", "web", "api"], "promote"],
      [["abort", "web", "api"], "abort"],
      [["retry", "rollout", "web", "api"], "retry"],
      [["pause", "web", "api"], "pause"],
      [["resume", "web", "api"], "resume"],
      [["restart", "web", "api"], "restart"],
      [["status", "web", "--watch", "false"], "status"],
    ];
    for (const [argv, verb] of extra) {
      it(argv.join(" "), () => {
        refused(
          argv,
          new RegExp(`^${verb} takes one rollout; unexpected "${argv.at(-1)}"`),
          new RegExp(`\\nusage: kubectl kestrel ${verb} \\[rollout\\] NAME`),
        );
      });
    }

    it("set image refuses a word that is not CONTAINER=IMAGE, and needs at least one", () => {
      refused(
        ["set", "image", "web", "app=x:2", "oops"],
        /"oops" is not CONTAINER=IMAGE/,
        /usage: kubectl kestrel set image/,
      );
      refused(["set", "image", "web"], /at least one CONTAINER=IMAGE/);
      refused(["set", "env", "web", "A=1"], /set knows only "image"/);
    });

    it("refuses a flag the verb does not take", () => {
      refused(
        ["promote", "web", "--watch"],
        /promote does not take --watch/,
        /usage: kubectl kestrel promote/,
      );
      refused(["status", "web", "--full"], /status does not take --full/);
      refused(["get", "web", "-A"], /get does not take --all-namespaces/);
      refused(["abort", "web", "-o", "json"], /abort does not take --output/);
    });

    it("refuses an unknown verb and an unknown flag", () => {
      refused(["frobnicate"], /unknown command "frobnicate"/);
      refused(["status", "web", "--frobnicate"], /unknown flag: --frobnicate/);
    });

    it("asks for help without a verb (exit 2) and gives it with -h (exit 0)", () => {
      const none = parseCommand([]);
      assert.ok("help" in none && !none.asked);
      const asked = parseCommand(["status", "-h"]);
      assert.ok("help" in asked && asked.asked && /status \[rollout\] NAME/.test(asked.help));
    });

    it("says how to write a boolean's value when it comes as a separate word", () => {
      refused(["status", "web", "--watch", "false"], /unexpected "false"; write --watch=false\n/);
    });
  });

  describe("status watches by default", () => {
    const cases: [string[], boolean, number][] = [
      [["status", "web"], true, 0],
      [["status", "web", "--timeout=60s"], true, 60_000],
      [["status", "web", "--timeout", "2m"], true, 120_000],
      [["status", "web", "-t", "90s"], true, 90_000],
      [["status", "web", "--timeout=0"], true, 0],
      [["status", "web", "--watch"], true, 0],
      [["status", "web", "-w"], true, 0],
      [["status", "web", "--watch=true"], true, 0],
      [["status", "web", "--watch=false"], false, 0],
      [["status", "web", "--watch=0"], false, 0],
      [["get", "web"], false, 0],
      [["get", "web", "--watch", "--timeout=2s"], true, 2000],
    ];
    for (const [argv, watch, timeoutMs] of cases) {
      it(`${argv.join(" ")}: ${watch ? `watches${timeoutMs ? ` for ${timeoutMs} ms` : " with no limit"}` : "looks once"}`, () => {
        const c = command(argv);
        assert.equal(c.watch, watch);
        assert.equal(c.timeoutMs, timeoutMs);
      });
    }

    it("refuses a bad --timeout or --watch value, and --timeout with nothing to limit", () => {
      refused(
        ["status", "web", "--timeout=soon"],
        /--timeout must be a duration such as 30s, 5m or 0 \(no limit\), not "soon"/,
      );
      refused(["status", "web", "--watch=maybe"], /--watch must be true or false, not "maybe"/);
      refused(["status", "web", "--watch=false", "--timeout=60s"], /with --watch=false there is none/);
      refused(["get", "web", "--timeout=60s"], /get without --watch looks once/);
    });
  });

  describe("the other flags", () => {
    it("reads namespace, context, kubeconfig and output", () => {
      const c = command([
        "history",
        "web",
        "-n",
        "prod",
        "--context=k",
        "--kubeconfig",
        "/k",
        "-o",
        "yaml",
        "--revision=3",
      ]);
      assert.deepEqual(
        [c.namespace, c.context, c.kubeconfig, c.output, c.revision],
        ["prod", "k", "/k", "yaml", 3],
      );
      refused(["list", "-o", "wide"], /-o\/--output must be json or yaml, not "wide"/);
    });

    it("checks undo's revision, last-good and dry-run flags", () => {
      const c = command(["undo", "web", "--to-revision=3", "--dry-run=client"]);
      assert.deepEqual([c.toRevision, c.toLastGood, c.dryRun], [3, false, true]);
      assert.equal(command(["undo", "web"]).toRevision, 0);
      refused(["undo", "web", "--to-revision=-1"], /--to-revision must be a non-negative integer, not "-1"/);
      refused(
        ["undo", "web", "--to-revision=two"],
        /--to-revision must be a non-negative integer, not "two"/,
      );
      refused(["undo", "web", "--to-revision=2", "--to-last-good"], /not both/);
      refused(["undo", "web", "--dry-run=server"], /--dry-run must be "client" or "none", not "server"/);
      refused(["history", "web", "--revision=0"], /--revision must be a positive integer, not "0"/);
    });

    it("promote --full and --full=false", () => {
      assert.equal(command(["promote", "web", "--full"]).full, true);
      assert.equal(command(["promote", "web", "--full=false"]).full, false);
      assert.equal(command(["promote", "web"]).full, false);
    });
  });
});
