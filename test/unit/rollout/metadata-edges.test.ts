import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  recordOf,
  recordedMetadata,
  withMetadata,
  withoutMetadata,
} from "../../../controller/rollout/metadata.js";

/** The helpers of ephemeral metadata on their own; expected values written from their contracts. */

const recordKey = "kestrel.dev/ephemeral-metadata";
const rsWith = (record: string | undefined): V1ReplicaSet => ({
  metadata: { name: "web-1", annotations: record === undefined ? {} : { [recordKey]: record } },
});
const template = (metadata: V1PodTemplateSpec["metadata"]): V1PodTemplateSpec => ({
  metadata,
  spec: { containers: [{ name: "web", image: "web:1" }] },
});

describe("ephemeral metadata helpers", () => {
  it("recordOf: nothing to record for no metadata or empty maps; otherwise both maps, keys sorted", () => {
    assert.equal(recordOf(undefined), undefined);
    assert.equal(recordOf({ labels: {}, annotations: {} }), undefined);
    assert.equal(recordOf({ labels: { b: "2", a: "1" } }), '{"annotations":{},"labels":{"a":"1","b":"2"}}');
    assert.equal(recordOf({ annotations: { x: "y" } }), '{"annotations":{"x":"y"},"labels":{}}');
  });

  it("recordedMetadata: no record and an unreadable record read as nothing; a record reads back", () => {
    assert.deepEqual(recordedMetadata(rsWith(undefined)), {});
    assert.deepEqual(recordedMetadata({}), {});
    assert.deepEqual(recordedMetadata(rsWith("{not json")), {});
    assert.deepEqual(recordedMetadata(rsWith('{"labels":{"role":"canary"}}')), {
      labels: { role: "canary" },
    });
  });

  it("withMetadata: adds only the maps the metadata fills, keeping the template's own keys", () => {
    const t = template({ labels: { app: "web" } });
    assert.equal(withMetadata(t, undefined), t);
    assert.deepEqual(withMetadata(t, { labels: {}, annotations: {} }).metadata, { labels: { app: "web" } });
    assert.deepEqual(withMetadata(t, { labels: { role: "canary" } }).metadata, {
      labels: { app: "web", role: "canary" },
    });
    assert.deepEqual(withMetadata(t, { annotations: { note: "x" } }).metadata, {
      labels: { app: "web" },
      annotations: { note: "x" },
    });
    assert.deepEqual(withMetadata(template({}), { annotations: { note: "x" } }).metadata, {
      annotations: { note: "x" },
    });
    assert.deepEqual(t.metadata, { labels: { app: "web" } }, "the template given is not changed");
  });

  it("withoutMetadata: removes the recorded keys, drops a map left empty, keeps the user's keys", () => {
    const rs = rsWith('{"labels":{"role":"canary"},"annotations":{"note":"x"}}');
    const t = template({ labels: { app: "web", role: "canary" }, annotations: { note: "x" } });
    assert.deepEqual(withoutMetadata(rs, t).metadata, { labels: { app: "web" } });
    const noMaps = template({});
    assert.deepEqual(withoutMetadata(rs, noMaps).metadata, {}, "no maps to clean");
    const untouched = template({ labels: { app: "web" }, annotations: { keep: "1" } });
    assert.deepEqual(withoutMetadata(rsWith(undefined), untouched).metadata, {
      labels: { app: "web" },
      annotations: { keep: "1" },
    });
  });
});
