import assert from "node:assert/strict";
import { parseCommand, UsageError, type Command } from "../../../controller/cli/args.js";

const parse = (...argv: string[]): Command => {
  const p = parseCommand(argv);
  assert.ok("command" in p);
  return p.command;
};

describe("plugin args: dashboard", () => {
  it("defaults: port 3100, the current namespace, actions shown", () => {
    const c = parse("dashboard");
    assert.deepEqual(
      [c.verb, c.port, c.allNamespaces, c.readOnly, c.namespace],
      ["dashboard", 3100, false, false, undefined],
    );
  });
  it("--port, -A, --read-only, -n", () => {
    const c = parse("dashboard", "--port=8080", "-A", "--read-only");
    assert.deepEqual([c.port, c.allNamespaces, c.readOnly], [8080, true, true]);
    assert.equal(parse("dashboard", "-n", "shop", "--port", "0").namespace, "shop");
    assert.equal(parse("dashboard", "--port", "0").port, 0);
  });
  it("a bad port names the flag and what is allowed", () => {
    assert.throws(
      () => parse("dashboard", "--port=http"),
      (e: Error) =>
        e instanceof UsageError && /--port must be a port number from 0 to 65535, not "http"/.test(e.message),
    );
    assert.throws(() => parse("dashboard", "--port=70000"), /--port must be a port number/);
  });
  it("takes no rollout and no flags of other verbs", () => {
    assert.throws(() => parse("dashboard", "web"), /dashboard takes no arguments; unexpected "web"/);
    assert.throws(() => parse("dashboard", "--full"), /dashboard does not take --full/);
    assert.throws(() => parse("promote", "web", "--read-only"), /promote does not take --read-only/);
  });
});
