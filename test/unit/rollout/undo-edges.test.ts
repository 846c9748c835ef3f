import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { podTemplateHash } from "../../../controller/rollout/hash.js";
import { pendingRecordOf } from "../../../controller/rollout/metadata.js";
import { planUndo, templateHash, templateOf } from "../../../controller/rollout/undo.js";
import { rollout } from "./world.js";

/** planUndo and templateHash on their own; the expected actions written from the undo rules. */

const template = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

function rs(
  revision: number,
  hash: string,
  image: string,
  annotations: Record<string, string> = {},
): V1ReplicaSet {
  const t = template(image);
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { app: "web", "rollouts-pod-template-hash": hash },
      annotations: { "kestrel.dev/revision": String(revision), ...annotations },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: { ...t, metadata: { labels: { ...t.metadata.labels, "rollouts-pod-template-hash": hash } } },
    },
  };
}

const kinds = (actions: { kind: string; reason?: string }[]): string[] =>
  actions.map((a) => (a.kind === "event" ? `event ${a.reason}` : a.kind));

describe("planUndo edges", () => {
  const sets = [rs(1, "aaa", "web:1"), rs(2, "bbb", "web:2")];

  it("no such revision: a Warning; spec.rollbackTo cleared only when a person asked", () => {
    const asked = planUndo(rollout(), sets, "bbb", [], 7, true);
    assert.deepEqual(asked.actions.at(-1), { kind: "updateRollout", clearRollbackTo: true });
    assert.deepEqual(kinds(asked.actions), ["event UndoFailed", "updateRollout"]);
    const automatic = planUndo(rollout(), sets, "bbb", [], 7, false);
    assert.deepEqual(kinds(automatic.actions), ["event UndoFailed"]);
    assert.equal(automatic.status, undefined);
  });

  it("already the current template: UndoSkipped; spec.rollbackTo cleared only when a person asked", () => {
    assert.deepEqual(kinds(planUndo(rollout(), sets, "aaa", [], 1, true).actions), [
      "event UndoSkipped",
      "updateRollout",
    ]);
    assert.deepEqual(kinds(planUndo(rollout(), sets, "aaa", [], 1, false).actions), ["event UndoSkipped"]);
  });

  it("with a workloadRef: the Deployment's template; the Rollout updated only to clear rollbackTo or a pin", () => {
    const ro = rollout();
    ro.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
    assert.deepEqual(kinds(planUndo(ro, sets, "bbb", [], 1, false).actions), [
      "event Undo",
      "updateWorkloadTemplate",
    ]);
    const asked = planUndo(ro, sets, "bbb", [], 1, true).actions;
    assert.deepEqual(asked.at(-1), { kind: "updateRollout", clearRollbackTo: true, annotations: {} });
    ro.metadata.annotations = { "kestrel.dev/config-pin": "[]" };
    assert.deepEqual(planUndo(ro, sets, "bbb", [], 1, false).actions.at(-1), {
      kind: "updateRollout",
      clearRollbackTo: false,
      annotations: { "kestrel.dev/config-pin": null },
    });
  });

  it("templateHash: a ReplicaSet labelled with the template's own hash wins over one whose template is equal", () => {
    const t = template("web:1");
    const own = podTemplateHash(t);
    const defaulted = rs(1, own, "web:1");
    defaulted.spec!.template!.spec!.containers[0]!.imagePullPolicy = "IfNotPresent";
    const equal = rs(2, "other", "web:1");
    equal.spec!.template!.metadata!.labels = { app: "web", "rollouts-pod-template-hash": "other" };
    assert.equal(templateHash(t, [equal, defaulted]), own);
    assert.equal(templateHash(t, [equal]), "other", "without it, the equal template's revision");
    assert.equal(templateHash(t, []), own);
  });

  it("templateHash: an undo's target stays its revision while its role metadata is being synced", () => {
    const record = "kestrel.dev/ephemeral-metadata";
    // The target as the API server keeps it: defaulted, so only its template's content names it.
    const target = rs(1, "a", "web:1");
    target.spec!.template!.spec!.containers[0]!.imagePullPolicy = "IfNotPresent";
    const undone = templateOf(target); // what the undo wrote into spec.template
    assert.equal(templateHash(undone, [target]), "a");

    // The sync's first write: canaryMetadata on the template, with the pending record beside it.
    const midSync = structuredClone(target);
    midSync.spec!.template!.metadata!.labels!.role = "canary";
    midSync.metadata!.annotations![record] = pendingRecordOf({}, { labels: { role: "canary" } });
    assert.equal(
      templateHash(undone, [midSync]),
      "a",
      "relabelled, with its pending record: still revision a",
    );
    // The same template beside no record is another template: a pass reading it made a new revision.
    delete midSync.metadata!.annotations![record];
    assert.notEqual(templateHash(undone, [midSync]), "a");

    // A role changing (canary to stable): the pending record names the keys leaving and arriving.
    const promoted = structuredClone(target);
    promoted.spec!.template!.metadata!.labels!.role = "stable";
    promoted.spec!.template!.metadata!.annotations = { "example.com/role": "stable" };
    promoted.metadata!.annotations![record] = pendingRecordOf(
      { labels: { role: "canary", track: "new" } },
      { labels: { role: "stable" }, annotations: { "example.com/role": "stable" } },
    );
    assert.equal(templateHash(undone, [promoted]), "a");
  });
});
