import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectlBinary, run, type CommandResult } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { waitFor } from "../support/wait.js";
import {
  apply,
  getRollout,
  revisions,
  rolloutManifest,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";

/** `kubectl kestrel ...` through kubectl's own plugin discovery: bin/ on PATH, as plugin:install arranges. */
function kestrel(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return run(kubectlBinary(), ["kestrel", ...args], {
    timeoutMs: 120_000,
    env: {
      ...process.env,
      PATH: `${path.join(repoRoot, "bin")}:${process.env.PATH}`,
      KUBECONFIG: testCluster().kubeconfigPath,
      ...env,
    },
  });
}

describe("kubectl kestrel: the plugin, driven through kubectl", () => {
  const ns = useNamespace("plugin");
  useController(ns);
  const v = (n: number): string => `example.com/app:${n}`;

  before(async function () {
    this.timeout(120_000);
    const m = rolloutManifest("web", { replicas: 4, steps: [{ setWeight: 50 }, { pause: {} }] });
    m.metadata.annotations = { "kubernetes.io/change-cause": "first release" };
    await apply(ns(), m);
    await waitForPhase(ns(), "web", "Healthy");
  });

  it("set image starts a canary; promote finishes it; status --watch follows it to exit 0", async function () {
    this.timeout(120_000);
    const set = await kestrel(["set", "image", "web", `app=${v(2)}`, "-n", ns()]);
    assert.equal(set.code, 0, set.stderr);
    await waitForSplit(ns(), "web", { [v(1)]: 2, [v(2)]: 2 });
    const watching = kestrel(["status", "web", "-n", ns(), "--watch", "--timeout=60s"]);
    const promote = await kestrel(["promote", "web", "-n", ns()]);
    assert.equal(promote.code, 0, promote.stderr);
    const watched = await watching;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /rollout "web" Healthy: healthy: revision 2/);
  });

  it("list and get show the rollout, its revisions and pods; -o json gives data", async () => {
    const listed = await kestrel(["list", "-n", ns()]);
    assert.match(listed.stdout, /NAMESPACE\s+NAME\s+PHASE[\s\S]*web\s+Healthy/);
    const all = await kestrel(["list", "-A", "-o", "json"]);
    assert.ok(
      (JSON.parse(all.stdout) as { metadata: { name: string } }[]).some((r) => r.metadata.name === "web"),
    );
    const tree = await kestrel(["get", "web", "-n", ns()]);
    assert.match(tree.stdout, /Rollout web\s+Healthy/);
    assert.match(tree.stdout, /revision 2 ReplicaSet web-\S+ \(stable\) 4\/4 available/);
    assert.match(tree.stdout, /└─ pod web-/);
    const watched = await kestrel(["get", "web", "-n", ns(), "--watch", "--timeout=2s"]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /Rollout web\s+Healthy/);
  });

  it("abort returns to stable and status exits non-zero; retry starts again", async function () {
    this.timeout(120_000);
    await kestrel(["set", "image", "web", `app=${v(3)}`, "-n", ns()]);
    await waitForSplit(ns(), "web", { [v(2)]: 2, [v(3)]: 2 });
    const abort = await kestrel(["abort", "web", "-n", ns()]);
    assert.equal(abort.code, 0, abort.stderr);
    const st = await kestrel(["status", "web", "-n", ns(), "--watch", "--timeout=60s"]);
    assert.equal(st.code, 1);
    assert.match(st.stdout, /Degraded: aborted by user/);
    const retry = await kestrel(["retry", "web", "-n", ns()]);
    assert.equal(retry.code, 0, retry.stderr);
    await waitForSplit(ns(), "web", { [v(2)]: 2, [v(3)]: 2 });
    await kestrel(["promote", "web", "-n", ns(), "--full"]);
    await waitForSplit(ns(), "web", { [v(3)]: 4 });
    await waitForPhase(ns(), "web", "Healthy");
  });

  it("pause and resume flip spec.paused", async () => {
    assert.equal((await kestrel(["pause", "web", "-n", ns()])).code, 0);
    assert.equal((await getRollout(ns(), "web")).spec.paused, true);
    assert.equal((await kestrel(["resume", "web", "-n", ns()])).code, 0);
    assert.equal((await getRollout(ns(), "web")).spec.paused, false);
  });

  it("restart replaces every pod without changing the revision", async function () {
    this.timeout(120_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    const before = (await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" })).items.map(
      (p) => p.metadata?.name,
    );
    const res = await kestrel(["restart", "web", "-n", ns()]);
    assert.equal(res.code, 0, res.stderr);
    await waitFor(
      "every pod to be replaced",
      async () => {
        const ro = await getRollout(ns(), "web");
        const pods = (await core.listNamespacedPod({ namespace: ns(), labelSelector: "app=web" })).items;
        const fresh = pods.filter(
          (p) => !before.includes(p.metadata?.name) && !p.metadata?.deletionTimestamp,
        );
        return ro.status?.restartedAt === ro.spec.restartAt && fresh.length === 4 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    assert.equal((await revisions(ns(), "web")).length, 3, "no new revision");
  });

  it("history lists rollback targets with images, change-cause and outcome", async () => {
    const h = await kestrel(["history", "web", "-n", ns()]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /REVISION\s+IMAGES\s+CHANGE-CAUSE\s+CREATED\s+OUTCOME/);
    assert.match(h.stdout, /1\s+example\.com\/app:1\s+first release\s+\S+\s+completed/);
    const one = await kestrel(["history", "web", "-n", ns(), "--revision=1", "-o", "yaml"]);
    assert.match(one.stdout, /revision: 1/);
  });

  it("undo --to-revision, --dry-run=client and --to-last-good land on the right templates", async function () {
    this.timeout(120_000);
    const dry = await kestrel(["undo", "web", "-n", ns(), "--to-revision=1", "--dry-run=client"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /image: example\.com\/app:1/);
    assert.equal(
      (await getRollout(ns(), "web")).spec.template.spec?.containers[0]?.image,
      v(3),
      "a dry run changes nothing",
    );

    const undo = await kestrel(["undo", "web", "-n", ns(), "--to-revision=1"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /rolled back \(to revision 1\)/);
    await waitForSplit(ns(), "web", { [v(1)]: 4 });
    await waitForPhase(ns(), "web", "Healthy");
    assert.equal((await getRollout(ns(), "web")).spec.template.spec?.containers[0]?.image, v(1));

    const good = await kestrel(["undo", "web", "-n", ns(), "--to-last-good"]);
    assert.equal(good.code, 0, good.stderr);
    await waitForSplit(ns(), "web", { [v(3)]: 4 });
    const revs = await revisions(ns(), "web");
    assert.equal(revs.at(-1)?.image, v(3), "the newest completed revision other than the current one");
  });

  it("errors are one line and a non-zero exit", async () => {
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [["status", "nope", "-n", ns()], /^error: not found: rollouts.kestrel.dev "nope" not found\n$/],
      [
        ["undo", "web", "-n", ns(), "--to-revision=99"],
        /^error: unable to find the specified revision 99\n$/,
      ],
      [
        ["history", "web", "-n", ns(), "--revision=42"],
        /^error: unable to find the specified revision 42\n$/,
      ],
      [["frobnicate"], /^error: unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const res = await kestrel(args);
      assert.notEqual(res.code, 0, args.join(" "));
      assert.match(res.stderr, message);
    }
  });

  it("says when there is no earlier revision, when RBAC denies, and when no cluster is reachable", async function () {
    this.timeout(60_000);
    const m = rolloutManifest("single", { replicas: 1 });
    await apply(ns(), m);
    await waitForPhase(ns(), "single", "Healthy");
    const none = await kestrel(["undo", "single", "-n", ns()]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /error: rollout "single" has no earlier revision to undo to/);

    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns(), body: { metadata: { name: "viewer" } } });
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: "viewer",
        namespace: ns(),
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    const cluster = testCluster().kc.getCurrentCluster()!;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: "v", token }],
      contexts: [{ name: "v", cluster: cluster.name, user: "v" }],
      currentContext: "v",
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-cli-"));
    fs.writeFileSync(path.join(dir, "viewer"), kc.exportConfig());
    const denied = await kestrel(["status", "web", "-n", ns(), "--kubeconfig", path.join(dir, "viewer")]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /^error: forbidden \(RBAC\): .*cannot get resource "rollouts"/);

    const unreachable = new k8s.KubeConfig();
    unreachable.loadFromOptions({
      clusters: [{ name: "gone", server: "https://127.0.0.1:1", skipTLSVerify: true }],
      users: [{ name: "u", token: "x" }],
      contexts: [{ name: "gone", cluster: "gone", user: "u" }],
      currentContext: "gone",
    });
    fs.writeFileSync(path.join(dir, "gone"), unreachable.exportConfig());
    const offline = await kestrel(["list", "--kubeconfig", path.join(dir, "gone")]);
    assert.notEqual(offline.code, 0);
    assert.match(offline.stderr, /^error: no cluster reachable/);
  });
});
