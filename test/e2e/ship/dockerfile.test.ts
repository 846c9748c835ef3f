import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePorts, httpGet } from "../../cluster/net.js";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { run } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest } from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * No image can be built on these machines (no Docker engine), so this proves the next best thing:
 * every path the Dockerfile copies exists and survives .dockerignore, and the entrypoint starts
 * the controller from the final stage's files alone (the bundle, its code cache, the launcher).
 */
describe("Dockerfile: what it copies exists, and its entrypoint starts the controller", () => {
  const ns = useNamespace("image");
  const dockerfile = fs.readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
  const lines = dockerfile.split("\n").map((l) => l.trim());

  it("copies only files that exist and that .dockerignore lets through", () => {
    const allowed = fs
      .readFileSync(path.join(repoRoot, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("!"))
      .map((l) => l.slice(1).replace(/\/$/, ""));
    const sources = lines
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    assert.ok(sources.length >= 4, `found COPY sources: ${sources.join(", ")}`);
    for (const src of sources) {
      assert.ok(fs.existsSync(path.join(repoRoot, src)), `${src} exists`);
      assert.ok(allowed.includes(src.replace(/\/$/, "")), `${src} is not excluded by .dockerignore`);
    }
  });

  it("runs as a non-root user with the bundle's launcher as entrypoint, and no node_modules", () => {
    assert.ok(lines.includes("USER 65532:65532"));
    assert.ok(lines.includes('ENTRYPOINT ["node", "bin/kestrel-controller.cjs"]'));
    const final = lines.slice(lines.lastIndexOf(lines.filter((l) => l.startsWith("FROM ")).at(-1)!));
    const instructions = final.filter((l) => !l.startsWith("#"));
    assert.ok(
      !instructions.some((l) => l.includes("node_modules")),
      "the final stage copies no node_modules",
    );
  });

  it("starts the final stage's files alone (no node_modules), from the code cache the build wrote, and becomes ready", async function () {
    this.timeout(180_000);
    // The build stage's steps, as the Dockerfile runs them.
    const bundled = await run("node", ["scripts/build-controller.mjs"], { timeoutMs: 170_000 });
    assert.equal(bundled.code, 0, bundled.stdout + bundled.stderr);
    const cache = path.join(repoRoot, "dist", "bundle", "kestrel-controller.cjs.v8-cache");
    assert.ok(!fs.existsSync(cache), "a new bundle drops the old bundle's code cache");
    const warm = await run("node", ["bin/kestrel-controller.cjs", "--kubeconfig=/nonexistent/kubeconfig"]);
    assert.notEqual(warm.code, 0, "the warm-up start fails at once, as intended");
    assert.ok(fs.statSync(cache).size > 0, "the warm-up start wrote the code cache");
    // The final stage: what COPY --from=build takes, in a directory of its own.
    const image = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-image-"));
    for (const f of ["bin/run-cached.cjs", "bin/kestrel-controller.cjs", "dist/bundle"])
      fs.cpSync(path.join(repoRoot, f), path.join(image, f), { recursive: true });
    const port = (await freePorts(1))[0]!;
    const child = spawn(
      "node",
      [
        "bin/kestrel-controller.cjs",
        `--kubeconfig=${testCluster().kubeconfigPath}`,
        `--namespaces=${ns()}`,
        `--metrics-port=${port}`,
        "--bind-address=127.0.0.1",
      ],
      { cwd: image, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      await waitFor(`the built controller's /readyz (output: ${output.slice(-500)})`, async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output.slice(-800)}`);
        return (await httpGet(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
      });
      await apply(ns(), rolloutManifest("tiny", { replicas: 1 }));
      const metrics = await waitFor("the rollout to be counted on /metrics", async () => {
        const m = await httpGet(`http://127.0.0.1:${port}/metrics`);
        return /kestrel_rollouts\{phase="Healthy"\} 1/.test(m.body) ? m : undefined;
      });
      assert.match(metrics.body, /kestrel_leader 1/);
      assert.match(metrics.body, /kestrel_reconciles_total\{kind="Rollout",result="success"\} \d+/);
      assert.match(metrics.body, /kestrel_reconcile_duration_seconds_bucket\{le="0.1",kind="Rollout"\}/);
      assert.match(metrics.body, /kestrel_workqueue_depth\{kind="Rollout"\}/);
      assert.match(metrics.body, /^kestrel_nodejs_eventloop_lag_max_seconds \d/m);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    assert.match(output, /"message":"shutting down"/, "it shuts down gracefully on SIGTERM");
    fs.rmSync(image, { recursive: true, force: true });
  });
});
