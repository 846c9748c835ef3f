import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectlBinary, run, type CommandResult } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, waitForPhase } from "../support/rollouts.js";

const pluginDir = path.join(repoRoot, "dist", "plugin");
const bundle = path.join(pluginDir, "kubectl-kestrel.cjs");
const executable = path.join(pluginDir, "kubectl-kestrel");

describe("kubectl kestrel as a standalone executable (Node single executable application)", () => {
  const ns = useNamespace("sea");
  useController(ns);
  /** A directory holding only the executable: PATH is set to it alone, so no node can be found. */
  let onlyPlugin = "";

  /** `kubectl kestrel ...` found by kubectl's plugin discovery with nothing else on PATH. */
  function kestrel(args: string[]): Promise<CommandResult> {
    return run(kubectlBinary(), ["kestrel", ...args], {
      timeoutMs: 60_000,
      env: { PATH: onlyPlugin, HOME: os.tmpdir(), KUBECONFIG: testCluster().kubeconfigPath },
    });
  }

  before(async function () {
    // Building the executable takes 6-15 s on a loaded machine (copying node and injecting the blob).
    this.timeout(180_000);
    const built = await run(process.execPath, [path.join(repoRoot, "scripts", "build-plugin.mjs"), "--sea"], {
      timeoutMs: 170_000,
    });
    assert.equal(built.code, 0, built.stderr);
    onlyPlugin = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-sea-"));
    fs.symlinkSync(executable, path.join(onlyPlugin, "kubectl-kestrel"));
    await apply(ns(), rolloutManifest("web", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "web", "Healthy");
  });

  after(() => {
    if (onlyPlugin) fs.rmSync(onlyPlugin, { recursive: true, force: true });
  });

  it("answers --help on stdout, exit 0, and nothing on stderr (no SEA warnings)", async () => {
    const help = await kestrel(["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^kubectl kestrel - progressive delivery/);
    assert.match(help.stdout, /status \[rollout\] NAME/);
    assert.equal(help.stderr, "");
  });

  it("version prints the version in package.json, built in", async () => {
    const want = (
      JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }
    ).version;
    const out = await kestrel(["version"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`^plugin: ${want.replaceAll(".", "\\.")}\n`));
  });

  it("get reads the rollout from the cluster and draws its tree", async () => {
    const tree = await kestrel(["get", "ro", "web", "-n", ns()]);
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, /Rollout web\s+Healthy/);
    assert.match(tree.stdout, /revision 1 ReplicaSet web-\S+ \(stable\) 2\/2 available/);
    assert.equal(tree.stderr, "");
  });

  it("an error from the cluster is explained, exit 1", async () => {
    const missing = await kestrel(["get", "ro", "no-such-rollout", "-n", ns()]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: not found: .*no-such-rollout/);
  });
});

describe("bin/kubectl-kestrel: the bundle it runs is rebuilt when missing or stale, and cached", () => {
  const bin = path.join(repoRoot, "bin", "kubectl-kestrel");

  it("builds a missing bundle, quietly, then runs it", async function () {
    this.timeout(120_000);
    fs.rmSync(bundle, { force: true });
    const help = await run(bin, ["--help"], { timeoutMs: 110_000 });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^kubectl kestrel - progressive delivery/);
    assert.equal(help.stderr, "");
    assert.ok(fs.existsSync(bundle), "the bundle was built");
    // launch.cjs saved V8's compiled code for the next start, newer than the bundle it is of.
    assert.ok(
      fs.statSync(`${bundle}.v8-cache`).mtimeMs >= fs.statSync(bundle).mtimeMs,
      "the code cache was saved",
    );
  });

  it("rebuilds a bundle older than a source", async function () {
    this.timeout(120_000);
    const longAgo = new Date("2001-01-01T00:00:00Z");
    fs.utimesSync(bundle, longAgo, longAgo);
    const help = await run(bin, ["--help"], { timeoutMs: 110_000 });
    assert.equal(help.code, 0, help.stderr);
    assert.ok(fs.statSync(bundle).mtimeMs > longAgo.getTime(), "the bundle was rebuilt");
  });

  it("leaves a fresh bundle alone", async () => {
    const before = fs.statSync(bundle).mtimeMs;
    const help = await run(bin, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(fs.statSync(bundle).mtimeMs, before);
  });
});
