import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  parsePin,
  parseRecords,
  pinAnnotation,
  snapshotsAnnotation,
} from "../../../controller/config/snapshot.js";
import { getCondition } from "../../../controller/rollout/conditions.js";
import { World, rollout } from "../rollout/world.js";

/** A Rollout with snapshots on whose app reads MODE from ConfigMap app and TOKEN from Secret creds. */
function configWorld(configSnapshots = true): World {
  const ro = rollout({ configSnapshots }, { steps: [{ setWeight: 50 }, { pause: {} }] });
  ro.spec.template.spec!.containers[0]!.env = [
    { name: "MODE", valueFrom: { configMapKeyRef: { name: "app", key: "mode" } } },
    { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
  ];
  const w = new World(ro);
  setConfig(w, "a");
  w.configSources.set("Secret/creds", { kind: "Secret", name: "creds", uid: "s-1", data: { token: "dA==" } });
  return w;
}

function setConfig(w: World, mode: string): void {
  w.configSources.set("ConfigMap/app", { kind: "ConfigMap", name: "app", data: { mode, other: "x" } });
}

const byRevision = (w: World, n: number): V1ReplicaSet =>
  [...w.replicaSets.values()].find((rs) => rs.metadata?.annotations?.["kestrel.dev/revision"] === String(n))!;
const envNames = (rs: V1ReplicaSet): (string | undefined)[] =>
  (rs.spec?.template?.spec?.containers[0]?.env ?? []).map(
    (e) => e.valueFrom?.configMapKeyRef?.name ?? e.valueFrom?.secretKeyRef?.name,
  );

describe("planRollout with spec.configSnapshots", () => {
  it("gives the ReplicaSet a template naming the copies, records them, and says so in a condition", () => {
    const w = configWorld();
    w.settle();
    const rs = byRevision(w, 1);
    const [cm, secret] = envNames(rs);
    assert.match(cm ?? "", /^app-[a-z2-9]{10}$/);
    assert.match(secret ?? "", /^creds-[a-z2-9]{10}$/);
    const records = parseRecords(rs.metadata?.annotations?.[snapshotsAnnotation]);
    assert.deepEqual(
      records.map((r) => [r.kind, r.source, r.name, Object.keys(r.keys)]),
      [
        ["ConfigMap", "app", cm, ["mode", "other"]],
        ["Secret", "creds", secret, ["token"]],
      ],
    );
    assert.equal(JSON.stringify(records).includes("dA=="), false, "no value in the annotation");
    assert.equal(
      w.rollout.spec.template!.spec?.containers[0]?.env?.[0]?.valueFrom?.configMapKeyRef?.name,
      "app",
    );
    const condition = getCondition(w.rollout.status?.conditions, "ConfigSnapshots");
    assert.equal(condition?.status, "True");
    assert.equal(condition?.message, `snapshots: ConfigMap app as ${cm}, Secret creds as ${secret}`);
  });

  it("makes a change of the ConfigMap alone a new revision that walks the canary steps", () => {
    const w = configWorld();
    w.settle();
    const before = w.rollout.status?.currentPodHash;
    setConfig(w, "b");
    w.settle();
    assert.notEqual(w.rollout.status?.currentPodHash, before);
    assert.deepEqual(w.split(), { r1: 5, r2: 5 }, "paused at the 50% step, like an image change");
    assert.notEqual(envNames(byRevision(w, 2))[0], envNames(byRevision(w, 1))[0]);
    assert.equal(
      envNames(byRevision(w, 2))[1],
      envNames(byRevision(w, 1))[1],
      "the unchanged Secret's copy is shared",
    );
  });

  it("undo to revision 1 writes the user's form and a pin; revision 1's ReplicaSet and copies serve again", () => {
    const w = configWorld();
    w.settle();
    const r1Hash = w.rollout.status?.currentPodHash;
    setConfig(w, "bad");
    w.settle();
    w.rollout.spec.rollbackTo = { revision: 1 };
    w.reconcile();
    const env = w.rollout.spec.template!.spec?.containers[0]?.env ?? [];
    assert.equal(
      env[0]?.valueFrom?.configMapKeyRef?.name,
      "app",
      "spec.template names the source, not a copy",
    );
    assert.equal(env[1]?.valueFrom?.secretKeyRef?.name, "creds");
    const pin = parsePin(w.rollout.metadata.annotations?.[pinAnnotation]);
    assert.equal(pin["ConfigMap/app"]?.name, envNames(byRevision(w, 1))[0]);
    w.settle();
    assert.equal(
      w.rollout.status?.currentPodHash,
      r1Hash,
      "the same revision, not a new one from the bad source",
    );
    assert.equal(w.replicaSets.size, 2, "no third ReplicaSet");
    assert.equal(
      byRevision(w, 3)?.metadata?.labels?.["rollouts-pod-template-hash"],
      r1Hash,
      "moved to max+1",
    );
  });

  it("editing the source after an undo ends the pin for it: a new revision with the new content", () => {
    const w = configWorld();
    w.settle();
    setConfig(w, "bad");
    w.settle();
    w.rollout.spec.rollbackTo = { revision: 1 };
    w.settle();
    const pinnedHash = w.rollout.status?.currentPodHash;
    setConfig(w, "fixed");
    w.settle();
    assert.notEqual(w.rollout.status?.currentPodHash, pinnedHash);
    assert.equal(w.replicaSets.size, 3);
  });

  it("a pinned copy deleted by hand: a False PinnedSnapshotDeleted condition naming it, no new revision", () => {
    const w = configWorld();
    w.settle();
    const r1Copy = envNames(byRevision(w, 1))[0]!;
    setConfig(w, "bad");
    w.settle();
    w.rollout.spec.rollbackTo = { revision: 1 };
    w.settle();
    const pinnedHash = w.rollout.status?.currentPodHash;
    assert.equal(getCondition(w.rollout.status?.conditions, "ConfigSnapshots")?.status, "True");
    w.configPinnedGone.add(`ConfigMap/${r1Copy}`);
    w.settle();
    const c = getCondition(w.rollout.status?.conditions, "ConfigSnapshots");
    assert.equal(c?.status, "False");
    assert.equal(c?.reason, "PinnedSnapshotDeleted");
    assert.match(c?.message ?? "", new RegExp(`deleted by hand: ConfigMap ${r1Copy} \\(the copy of app\\)`));
    assert.equal(w.rollout.status?.currentPodHash, pinnedHash, "still the undone revision");
    assert.equal(w.replicaSets.size, 2, "no new ReplicaSet");
  });

  it("leaves a missing required source as written and explains it in a False condition", () => {
    const w = configWorld();
    w.configSources.delete("ConfigMap/app");
    w.settle();
    assert.deepEqual(envNames(byRevision(w, 1)).slice(0, 1), ["app"]);
    const condition = getCondition(w.rollout.status?.conditions, "ConfigSnapshots");
    assert.equal(condition?.status, "False");
    assert.equal(condition?.reason, "SourceNotFound");
    assert.match(
      condition?.message ?? "",
      /not found: ConfigMap app \(spec\.containers\[0\]\.env\[0\]\.valueFrom\.configMapKeyRef\)/,
    );
  });

  it("a missing optional source: left as written, condition True naming it; its arrival is a new revision", () => {
    const w = configWorld();
    w.rollout.spec.template!.spec!.containers[0]!.env![0]!.valueFrom!.configMapKeyRef!.optional = true;
    w.configSources.delete("ConfigMap/app");
    w.settle();
    const condition = getCondition(w.rollout.status?.conditions, "ConfigSnapshots");
    assert.equal(condition?.status, "True");
    assert.match(condition?.message ?? "", /optional and absent, left as written .*ConfigMap app/);
    const before = w.rollout.status?.currentPodHash;
    setConfig(w, "a");
    w.settle();
    assert.notEqual(w.rollout.status?.currentPodHash, before);
  });

  it("off (the default): the template is untouched, no condition, a source edit is no revision", () => {
    const w = configWorld(false);
    w.settle();
    assert.deepEqual(envNames(byRevision(w, 1)), ["app", "creds"]);
    assert.equal(getCondition(w.rollout.status?.conditions, "ConfigSnapshots"), undefined);
    const before = w.rollout.status?.currentPodHash;
    setConfig(w, "b");
    w.settle();
    assert.equal(w.rollout.status?.currentPodHash, before);
  });
});
