import type { V1PodSpec } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { discoverRefs, forEachRef } from "../../../controller/config/refs.js";

/** One pod spec naming a ConfigMap or Secret in every place Kubernetes lets a pod use one. */
function everyPlace(): V1PodSpec {
  return {
    initContainers: [
      { name: "init", env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm-init", key: "a" } } }] },
    ],
    containers: [
      {
        name: "app",
        env: [
          { name: "PLAIN", value: "x" },
          { name: "B", valueFrom: { configMapKeyRef: { name: "cm-env", key: "b", optional: true } } },
          { name: "C", valueFrom: { secretKeyRef: { name: "sec-env", key: "c" } } },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
        envFrom: [{ configMapRef: { name: "cm-from" } }, { secretRef: { name: "sec-from", optional: true } }],
      },
    ],
    ephemeralContainers: [{ name: "debug", envFrom: [{ secretRef: { name: "sec-ephemeral" } }] }],
    volumes: [
      { name: "v1", configMap: { name: "cm-vol" } },
      { name: "v2", secret: { secretName: "sec-vol", optional: true } },
      {
        name: "v3",
        projected: {
          sources: [
            { configMap: { name: "cm-proj" } },
            { secret: { name: "sec-proj" } },
            { downwardAPI: { items: [] } },
          ],
        },
      },
      { name: "v4", emptyDir: {} },
    ],
    imagePullSecrets: [{ name: "registry" }],
  };
}

describe("config reference discovery: every place a pod spec names a ConfigMap or Secret", () => {
  const table: [string, "ConfigMap" | "Secret", boolean, string][] = [
    ["cm-init", "ConfigMap", false, "spec.initContainers[0].env[0].valueFrom.configMapKeyRef"],
    ["cm-env", "ConfigMap", true, "spec.containers[0].env[1].valueFrom.configMapKeyRef"],
    ["sec-env", "Secret", false, "spec.containers[0].env[2].valueFrom.secretKeyRef"],
    ["cm-from", "ConfigMap", false, "spec.containers[0].envFrom[0].configMapRef"],
    ["sec-from", "Secret", true, "spec.containers[0].envFrom[1].secretRef"],
    ["sec-ephemeral", "Secret", false, "spec.ephemeralContainers[0].envFrom[0].secretRef"],
    ["cm-vol", "ConfigMap", false, "spec.volumes[0].configMap"],
    ["sec-vol", "Secret", true, "spec.volumes[1].secret"],
    ["cm-proj", "ConfigMap", false, "spec.volumes[2].projected.sources[0].configMap"],
    ["sec-proj", "Secret", false, "spec.volumes[2].projected.sources[1].secret"],
  ];
  const found = discoverRefs(everyPlace());
  for (const [name, kind, optional, path] of table) {
    it(`finds ${kind} ${name} at ${path} (optional: ${optional})`, () => {
      const ref = found.find((r) => r.name === name);
      assert.deepEqual(ref, { kind, name, optional, paths: [path] });
    });
  }
  it("finds nothing else: not imagePullSecrets, fieldRef, downwardAPI or emptyDir", () => {
    assert.deepEqual(
      found.map((r) => r.name),
      table.map(([n]) => n),
    );
  });
  it("merges the places of one source; it is optional only when every place is", () => {
    const spec: V1PodSpec = {
      containers: [
        { name: "a", envFrom: [{ configMapRef: { name: "shared", optional: true } }] },
        { name: "b", envFrom: [{ configMapRef: { name: "shared" } }, { secretRef: { name: "shared" } }] },
      ],
    };
    assert.deepEqual(discoverRefs(spec), [
      {
        kind: "ConfigMap",
        name: "shared",
        optional: false,
        paths: ["spec.containers[0].envFrom[0].configMapRef", "spec.containers[1].envFrom[0].configMapRef"],
      },
      { kind: "Secret", name: "shared", optional: false, paths: ["spec.containers[1].envFrom[1].secretRef"] },
    ]);
  });
  it("renames each place in the spec it visits (a secret volume's field is secretName)", () => {
    const spec = everyPlace();
    forEachRef(spec, (s) => s.rename(`${s.name}-copy`));
    assert.equal(spec.volumes?.[1]?.secret?.secretName, "sec-vol-copy");
    assert.equal(spec.volumes?.[2]?.projected?.sources?.[1]?.secret?.name, "sec-proj-copy");
    assert.equal(spec.containers[0]?.env?.[1]?.valueFrom?.configMapKeyRef?.name, "cm-env-copy");
    assert.equal(spec.ephemeralContainers?.[0]?.envFrom?.[0]?.secretRef?.name, "sec-ephemeral-copy");
    assert.equal(spec.imagePullSecrets?.[0]?.name, "registry");
  });
  it("finds nothing in an absent spec", () => assert.deepEqual(discoverRefs(undefined), []));
});
