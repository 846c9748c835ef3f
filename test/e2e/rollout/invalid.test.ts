import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  revisions,
  rolloutEvents,
  rolloutManifest,
  setImage,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

const fixturesDir = path.join(repoRoot, "test", "e2e", "fixtures", "invalid-rollouts");

/** Each fixture's first line says what must happen: `# expect: refused|InvalidSpec <regex>`. */
const fixtures = fs
  .readdirSync(fixturesDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((file) => {
    const text = fs.readFileSync(path.join(fixturesDir, file), "utf8");
    const m = /^# expect: (refused|InvalidSpec) (.+)$/m.exec(text);
    if (!m) throw new Error(`${file} has no "# expect:" line`);
    return {
      file,
      name: file.replace(/\.yaml$/, ""),
      text,
      outcome: m[1] as "refused" | "InvalidSpec",
      pattern: new RegExp(m[2]!),
    };
  });

describe("Rollout: malformed manifests are refused or marked InvalidSpec", () => {
  const ns = useNamespace("invalid");
  const controller = useController(ns);

  it(`has at least 15 malformed fixtures (${fixtures.length})`, () => {
    assert.ok(fixtures.length >= 15);
  });

  for (const f of fixtures.filter((x) => x.outcome === "refused")) {
    it(`refuses ${f.name} at apply, naming the field`, async () => {
      const res = await kubectl(["apply", "-n", ns(), "-f", "-"], { input: f.text });
      assert.notEqual(res.code, 0, `${f.file} was accepted`);
      assert.match(res.stderr, f.pattern);
      const stored = await kubectl(["get", "rollout", f.name, "-n", ns()]);
      assert.notEqual(stored.code, 0, "nothing was stored");
    });
  }

  for (const f of fixtures.filter((x) => x.outcome === "InvalidSpec")) {
    it(`accepts ${f.name}, then marks it InvalidSpec with a Warning Event and creates nothing`, async function () {
      this.timeout(60_000);
      const res = await kubectl(["apply", "-n", ns(), "-f", "-"], { input: f.text });
      assert.equal(res.code, 0, res.stderr);
      const ro = await waitFor(`${f.name} to be InvalidSpec`, async () => {
        const r = await getRollout(ns(), f.name);
        return r.status?.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True")
          ? r
          : undefined;
      });
      const condition = ro.status?.conditions?.find((c) => c.type === "InvalidSpec");
      assert.match(condition?.message ?? "", f.pattern);
      assert.equal(ro.status?.phase, "Degraded");
      const warning = await waitFor("the InvalidSpec Warning Event", async () =>
        (await rolloutEvents(ns(), f.name)).find((e) => e.type === "Warning" && e.reason === "InvalidSpec"),
      );
      assert.match(warning.message ?? "", f.pattern);
      assert.deepEqual(await revisions(ns(), f.name), [], "no ReplicaSet was created");
    });
  }

  it("stays healthy, logs one line per rejection, and keeps serving a valid Rollout", async function () {
    this.timeout(120_000);
    assert.ok(controller().alive(), "the controller did not crash");
    assert.ok(await controller().ready(), "/readyz is ok");
    await apply(ns(), rolloutManifest("valid", { replicas: 4, steps: [{ setWeight: 50 }, { pause: {} }] }));
    await waitForPhase(ns(), "valid", "Healthy");
    await setImage(ns(), "valid", "example.com/app:2");
    await waitForSplit(ns(), "valid", { "example.com/app:1": 2, "example.com/app:2": 2 });

    const invalid = fixtures.filter((x) => x.outcome === "InvalidSpec").map((x) => x.name);
    const rejections = controller()
      .logLines()
      .filter((l) => l.reason === "InvalidSpec" && l.level === "warn");
    for (const name of invalid) {
      assert.equal(rejections.filter((l) => l.rollout === name).length, 1, `one log line for ${name}`);
    }
    // The cluster-side truth agrees: nothing the invalid ones own exists.
    const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
    const rs = await apps.listNamespacedReplicaSet({ namespace: ns() });
    assert.ok(rs.items.every((r) => r.metadata?.ownerReferences?.[0]?.name === "valid"));
  });
});
