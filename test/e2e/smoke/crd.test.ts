import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { waitFor } from "../support/wait.js";

const crdFile = path.join(repoRoot, "test", "e2e", "fixtures", "smoke-crd.yaml");
const widget = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({ apiVersion: "smoke.kestrel.dev/v1", kind: "Widget", metadata: { name }, spec });

describe("smoke: the API server validates custom resources", () => {
  const ns = useNamespace("smoke-crd");

  before(async function () {
    this.timeout(60_000);
    const applied = await kubectl(["apply", "-f", crdFile]);
    assert.equal(applied.code, 0, applied.stderr);
    const ext = testCluster().kc.makeApiClient(k8s.ApiextensionsV1Api);
    await waitFor("the Widget CRD to be Established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: "widgets.smoke.kestrel.dev" });
      return (
        crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") || undefined
      );
    });
  });

  after(async function () {
    this.timeout(60_000);
    await kubectl(["delete", "-f", crdFile, "--wait=false"]);
  });

  it("accepts a custom resource that matches the schema", async () => {
    const res = await kubectl(["apply", "-n", ns(), "-f", "-"], {
      input: widget("good", { size: 3, color: "red" }),
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /widget.smoke.kestrel.dev\/good created/);
  });

  it("refuses one that breaks the schema with the API server's own message", async () => {
    const res = await kubectl(["apply", "-n", ns(), "-f", "-"], {
      input: widget("bad", { size: 50, color: "pink" }),
    });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Widget.* "bad" is invalid/);
    assert.match(
      res.stderr,
      /spec\.size: Invalid value: 50: spec\.size in body should be less than or equal to 10/,
    );
    assert.match(
      res.stderr,
      /spec\.color: Unsupported value: "pink": supported values: "red", "green", "blue"/,
    );
    const list = await kubectl(["get", "widgets", "-n", ns(), "-o", "name"]);
    assert.doesNotMatch(list.stdout, /bad/, "the refused object was not stored");
  });
});
