import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl, kestrelPlugin as kestrel } from "../support/kubectl.js";
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

  it("set image starts a canary; promote finishes it; status (watching by default) follows it to exit 0", async function () {
    this.timeout(120_000);
    const set = await kestrel(["set", "image", "web", `app=${v(2)}`, "-n", ns()]);
    assert.equal(set.code, 0, set.stderr);
    await waitForSplit(ns(), "web", { [v(1)]: 2, [v(2)]: 2 });
    await waitForPhase(ns(), "web", "Paused");
    const watching = kestrel(["status", "web", "-n", ns(), "--timeout=60s"]);
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
    // Revision 2 (4 pods) above revision 1 (its pods may still be terminating): ├─ for all but the
    // last child at each level, │ under revision 2 (not last), spaces under revision 1 (last).
    const lines = tree.stdout.trimEnd().split("\n").slice(2);
    const one = lines.findIndex((l) => l.includes("revision 1 "));
    assert.match(lines[0]!, /^├─ revision 2 ReplicaSet web-\S+ \(stable\) 4\/4 available$/);
    assert.deepEqual(
      lines.slice(1, one).map((l) => l.replace(/pod web-\S+ \w+$/, "pod")),
      ["│  ├─ pod", "│  ├─ pod", "│  ├─ pod", "│  └─ pod"],
      tree.stdout,
    );
    assert.match(lines[one]!, /^└─ revision 1 ReplicaSet web-\S+ \(old\) 0\/0 available$/);
    const after = lines.slice(one + 1);
    if (after.length > 0) {
      for (const l of after.slice(0, -1)) assert.match(l, /^ {3}├─ pod /, tree.stdout);
      assert.match(after.at(-1)!, /^ {3}└─ pod /, tree.stdout);
    }
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
    assert.match(h.stdout, /REVISION\s+IMAGES\s+CONFIG\s+CHANGE-CAUSE\s+CREATED\s+OUTCOME/);
    assert.match(h.stdout, /1\s+example\.com\/app:1\s+<none>\s+first release\s+\S+\s+completed/);
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

  it("version prints the plugin's version from package.json and says exactly that no controller is installed", async () => {
    // The tests run their controllers as processes, not the chart's Deployment: none is found.
    const want = (
      JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }
    ).version;
    const text = await kestrel(["version"]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      `plugin: ${want}\ncontroller: not found (no Deployment labelled app.kubernetes.io/name=kestrel in any namespace)\n`,
    );
    const json = await kestrel(["version", "-o", "json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      plugin: { version: want },
      controllers: [],
      searched: "all namespaces",
      forbidden: false,
    });
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
      [["frobnicate"], /^error: unknown command "frobnicate"\nusage: /],
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

/**
 * Every value the annotation `key` takes on the Rollout while `act` runs, from a watch: a write
 * that something removed again at once is still seen. A marker annotation written after `act`
 * closes the window, since the watch delivers changes in order.
 */
async function annotationWrites(
  namespace: string,
  name: string,
  key: string,
  act: () => Promise<void>,
): Promise<string[]> {
  const kc = testCluster().kc;
  const seen: string[] = [];
  const marker = `e2e.kestrel.dev/marker-${Date.now()}`;
  let markerSeen = false;
  const from = (await getRollout(namespace, name)).metadata.resourceVersion;
  const request = await new k8s.Watch(kc).watch(
    `/apis/kestrel.dev/v1alpha1/namespaces/${namespace}/rollouts`,
    { resourceVersion: from, fieldSelector: `metadata.name=${name}` },
    (_type: string, obj: { metadata?: k8s.V1ObjectMeta }) => {
      const value = obj.metadata?.annotations?.[key];
      if (value !== undefined) seen.push(value);
      if (obj.metadata?.annotations?.[marker] !== undefined) markerSeen = true;
    },
    () => undefined,
  );
  try {
    await act();
    const res = await kubectl(["annotate", "rollout", name, "-n", namespace, `${marker}=done`]);
    assert.equal(res.code, 0, res.stderr);
    await waitFor("the watch to see the marker", async () => (markerSeen ? true : undefined));
  } finally {
    request.abort();
    await kubectl(["annotate", "rollout", name, "-n", namespace, `${marker}-`]);
  }
  return seen;
}

describe("kubectl kestrel: the kind word, and extra arguments refused", () => {
  const ns = useNamespace("plugin-args");
  useController(ns);

  before(async function () {
    await apply(ns(), rolloutManifest("web", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "web", "Healthy");
  });

  it("get takes the rollout as ro NAME, rollout NAME, rollouts NAME or ro/NAME", async () => {
    for (const words of [["ro", "web"], ["rollout", "web"], ["rollouts", "web"], ["ro/web"]]) {
      const res = await kestrel(["get", ...words, "-n", ns()]);
      assert.equal(res.code, 0, `get ${words.join(" ")}: ${res.stderr}`);
      assert.match(res.stdout, /^Rollout web\s+Healthy/, `get ${words.join(" ")}`);
    }
    const status = await kestrel(["status", "rollout", "web", "-n", ns()]);
    assert.equal(status.code, 0, status.stderr);
  });

  // Every verb's arity is in the unit table (test/unit/cli/args.test.ts); here, through kubectl,
  // that a refusal is exit 2 with the usage line and happens before anything is written.
  it("an extra argument is refused with the verb's usage line and exit 2, and changes nothing", async () => {
    const before = (await getRollout(ns(), "web")).metadata.generation;
    const cases: [string[], RegExp][] = [
      [["get", "web", "api"], /^error: get takes one rollout; unexpected "api"\nusage: kubectl kestrel get /],
      [
        ["pause", "ro", "web", "api"],
        /^error: pause takes one rollout; unexpected "api"\nusage: kubectl kestrel pause /,
      ],
      [["set", "image", "web", "app=example.com/app:9", "api"], /^error: "api" is not CONTAINER=IMAGE\n/],
    ];
    for (const [args, message] of cases) {
      const res = await kestrel([...args, "-n", ns()]);
      assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, message, args.join(" "));
    }
    const after = await getRollout(ns(), "web");
    assert.equal(after.metadata.generation, before, "no spec change");
    assert.equal(after.spec.paused, undefined);
  });
});

describe("kubectl kestrel status: watches by default, as Argo's plugin and kubectl rollout status do", () => {
  const ns = useNamespace("plugin-status");
  useController(ns);

  before(async function () {
    await apply(ns(), rolloutManifest("web", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "web", "Healthy");
    const set = await kestrel(["set", "image", "web", "app=example.com/app:2", "-n", ns()]);
    assert.equal(set.code, 0, set.stderr);
    await waitForPhase(ns(), "web", "Paused");
  });

  it("on a Paused rollout it waits, and exits 1 at --timeout saying it is paused", async () => {
    const res = await kestrel(["status", "web", "-n", ns(), "--timeout=2s"]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /^rollout "web" Paused: /);
    assert.match(
      res.stderr,
      /^error: timed out after 2s waiting for rollout "web": it is Paused \(.*\); `kubectl kestrel promote web` moves it on/,
    );
  });

  it("--watch=false looks once: Paused is an answer, exit 0", async () => {
    const res = await kestrel(["status", "web", "-n", ns(), "--watch=false"]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^rollout "web" Paused: /);
    const data = await kestrel(["status", "web", "-n", ns(), "--watch=false", "-o", "json"]);
    assert.equal((JSON.parse(data.stdout) as { phase: string }).phase, "Paused");
  });

  it("with -o json it follows on stderr and prints the final status as data", async function () {
    this.timeout(60_000);
    const watching = kestrel(["status", "web", "-n", ns(), "-o", "json", "--timeout=50s"]);
    const promote = await kestrel(["promote", "web", "-n", ns()]);
    assert.equal(promote.code, 0, promote.stderr);
    const res = await watching;
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as { phase: string }).phase, "Healthy");
    assert.match(res.stderr, /rollout "web" Healthy: /);
  });
});

describe("kubectl kestrel promote, abort, retry: refused where they mean nothing, leaving nothing behind", () => {
  const ns = useNamespace("plugin-triggers");
  useController(ns);

  before(async function () {
    await apply(ns(), rolloutManifest("web", { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "web", "Healthy");
  });

  const refused = async (args: string[], key: string, message: RegExp): Promise<void> => {
    let code: number | null = 0;
    const writes = await annotationWrites(ns(), "web", key, async () => {
      const res = await kestrel([...args, "-n", ns()]);
      code = res.code;
      assert.match(res.stderr, message, args.join(" "));
    });
    assert.equal(code, 1, args.join(" "));
    assert.deepEqual(writes, [], `${args.join(" ")} wrote ${key}`);
  };

  it("on a Healthy rollout: nothing to promote, abort or retry", async () => {
    await refused(
      ["promote", "web"],
      "kestrel.dev/promote",
      /^error: nothing to promote: rollout "web" is Healthy .*no canary in progress\n$/,
    );
    await refused(
      ["abort", "web"],
      "kestrel.dev/abort",
      /^error: nothing to abort: rollout "web" is Healthy/,
    );
    await refused(
      ["retry", "web"],
      "kestrel.dev/retry",
      /^error: nothing to retry: rollout "web" is Healthy/,
    );
  });

  it("retry before an abort, and abort or promote after one, are refused; the meaningful ones act", async function () {
    this.timeout(90_000);
    assert.equal((await kestrel(["set", "image", "web", "app=example.com/app:2", "-n", ns()])).code, 0);
    await waitForPhase(ns(), "web", "Paused");
    await refused(
      ["retry", "web"],
      "kestrel.dev/retry",
      /^error: nothing to retry: rollout "web" is Paused .*only an aborted canary/,
    );
    const abort = await kestrel(["abort", "web", "-n", ns()]);
    assert.equal(abort.code, 0, abort.stderr);
    await waitForPhase(ns(), "web", "Degraded");
    await refused(
      ["abort", "web"],
      "kestrel.dev/abort",
      /^error: nothing to abort: rollout "web" is Degraded \(aborted by user.*\) already/,
    );
    await refused(
      ["promote", "web"],
      "kestrel.dev/promote",
      /^error: nothing to promote: rollout "web" is Degraded .*`kubectl kestrel retry web`/,
    );
    const retry = await kestrel(["retry", "web", "-n", ns()]);
    assert.equal(retry.code, 0, retry.stderr);
    await waitForPhase(ns(), "web", "Paused");
  });
});
