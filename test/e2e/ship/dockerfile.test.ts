import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
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
 * the controller from the layout `npm run build` produces.
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

  it("runs as a non-root user with the compiled JavaScript as entrypoint", () => {
    assert.ok(lines.includes("USER 65532:65532"));
    assert.ok(lines.includes('ENTRYPOINT ["node", "dist/controller/main.js"]'));
    assert.ok(
      lines.some((l) => l.startsWith("RUN npm run build && npm prune --omit=dev")),
      "production dependencies only",
    );
  });

  it("starts the controller from the built layout and becomes ready", async function () {
    this.timeout(180_000);
    const build = await run("npm", ["run", "-s", "build"], { timeoutMs: 170_000 });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    for (const copied of [
      "dist/controller/main.js",
      "package.json",
      "node_modules/@kubernetes/client-node",
    ]) {
      assert.ok(fs.existsSync(path.join(repoRoot, copied)), `${copied} exists for the final stage`);
    }
    const port = (await freePorts(1))[0]!;
    const child = spawn(
      "node",
      [
        "dist/controller/main.js",
        `--kubeconfig=${testCluster().kubeconfigPath}`,
        `--namespaces=${ns()}`,
        `--metrics-port=${port}`,
        "--bind-address=127.0.0.1",
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
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
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    assert.match(output, /"message":"shutting down"/, "it shuts down gracefully on SIGTERM");
  });
});
