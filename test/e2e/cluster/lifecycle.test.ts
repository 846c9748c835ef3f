import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readClusterInfo, type ClusterInfo } from "../../cluster/cluster.js";
import { repoRoot } from "../../cluster/paths.js";
import { isOurs, listeningPorts } from "../../cluster/proc.js";
import { hostLeftovers } from "../../cluster/node/host.js";
import { gatewayEnabled } from "../../cluster/gateway-mode.js";
import { run } from "../support/kubectl.js";

const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx");
const cli = path.join(repoRoot, "test", "cluster", "cli.ts");

/** Runs the cluster CLI exactly as the npm scripts do, against a private state folder. */
function clusterCli(verb: string, state: string): ReturnType<typeof run> {
  return run(tsx, [cli, verb], { timeoutMs: 300_000, env: { ...process.env, KESTREL_CLUSTER_STATE: state } });
}

function assertNothingLeft(info: ClusterInfo, state: string): void {
  for (const p of info.processes) assert.equal(isOurs(p), false, `${p.name} (pid ${p.pid}) is still running`);
  const listening = listeningPorts();
  for (const [name, port] of Object.entries(info.ports)) {
    assert.equal(listening.has(port), false, `port ${port} (${name}) is still listening`);
  }
  assert.equal(fs.existsSync(state), false, "the state folder is removed");
  // Only when this cluster had the real node (the machine's one node may belong to another cluster).
  if (info.realNode) assert.deepEqual(hostLeftovers(), [], "the real node left nothing on the host");
}

/**
 * The processes a cluster runs: the control plane, kwok and Prometheus, the real node's when it
 * has it, and the gateway's unless KESTREL_GATEWAY=0.
 */
const expectedProcesses = (info: ClusterInfo): string[] =>
  [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "prometheus",
    ...(info.realNode ? ["containerd", "kubelet", "kube-proxy"] : []),
    ...(gatewayEnabled() ? ["traefik"] : []),
  ].sort();

describe("cluster lifecycle: cluster:up / cluster:down", () => {
  let state = "";
  before(() => {
    state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-lifecycle-")), "cluster");
  });
  after(async function () {
    this.timeout(120_000);
    await clusterCli("down", state);
    fs.rmSync(path.dirname(state), { recursive: true, force: true });
  });

  for (const round of [1, 2]) {
    it(`round ${round}: up starts every component, down leaves no process and no listening port`, async function () {
      this.timeout(300_000);
      const up = await clusterCli("up", state);
      assert.equal(up.code, 0, up.stderr);
      const info = readClusterInfo(state);
      assert.ok(info, "up records the cluster in its state folder");
      assert.deepEqual(info.processes.map((p) => p.name).sort(), expectedProcesses(info));
      for (const p of info.processes) assert.ok(isOurs(p), `${p.name} runs`);
      const status = await clusterCli("status", state);
      assert.equal(status.code, 0, status.stderr);
      if (gatewayEnabled()) {
        assert.match(status.stderr, /gateway http:\/\/127\.0\.0\.1:\d+ \(Gateway kestrel-gateway\/local/);
        assert.ok(listeningPorts().has(info.ports.gateway), "the gateway listens on its recorded port");
      }

      const again = await clusterCli("up", state);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /reusing the running cluster/);
      assert.equal(
        readClusterInfo(state)?.startedAt,
        info.startedAt,
        "a second up reuses the running cluster",
      );

      const down = await clusterCli("down", state);
      assert.equal(down.code, 0, down.stderr);
      assertNothingLeft(info, state);
      const after = await clusterCli("status", state);
      assert.notEqual(after.code, 0, "status reports no cluster after down");
    });
  }

  it("cleans up the state folder of a killed run and starts afresh", async function () {
    this.timeout(300_000);
    const up = await clusterCli("up", state);
    assert.equal(up.code, 0, up.stderr);
    const killed = readClusterInfo(state)!;
    // What a crashed machine or a `kill -9` leaves: a state folder whose processes are gone.
    for (const p of killed.processes) process.kill(p.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));

    const restarted = await clusterCli("up", state);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /cleaning up a stale state folder/);
    const fresh = readClusterInfo(state)!;
    assert.notEqual(fresh.startedAt, killed.startedAt);
    for (const p of fresh.processes) assert.ok(isOurs(p), `${p.name} runs after the restart`);

    const down = await clusterCli("down", state);
    assert.equal(down.code, 0, down.stderr);
    assertNothingLeft(fresh, state);
  });
});

describe("cluster lifecycle: a component that fails to start", () => {
  it("stops with the component, its command and the last lines of its log, and leaves nothing running", async function () {
    this.timeout(300_000);
    const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-broken-")), "cluster");
    try {
      const res = await run(tsx, [cli, "up"], {
        timeoutMs: 300_000,
        env: {
          ...process.env,
          KESTREL_CLUSTER_STATE: state,
          KESTREL_EXTRA_ARGS_KUBE_APISERVER: "--no-such-flag=1",
        },
      });
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /starting kube-apiserver failed: the process exited/);
      assert.match(res.stderr, /command: \S*kube-apiserver .*--no-such-flag=1/);
      assert.match(res.stderr, /last lines:[\s\S]*unknown flag: --no-such-flag/);
      const info = readClusterInfo(state);
      assert.ok(info, "the state folder is kept for the reader");
      for (const p of info.processes) assert.equal(isOurs(p), false, `${p.name} was stopped`);
    } finally {
      await clusterCli("down", state);
      fs.rmSync(path.dirname(state), { recursive: true, force: true });
    }
  });
});
