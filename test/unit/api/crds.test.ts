import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { allCrds } from "../../../controller/api/crds.js";
import { crdFileName, crdOutputDirs, renderCrd } from "../../../controller/api/generate-crds.js";

/** Walks a schema, calling `visit` on every node with its path. */
function walk(
  node: Record<string, unknown>,
  at: string,
  visit: (n: Record<string, unknown>, at: string) => void,
): void {
  visit(node, at);
  for (const [k, v] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {}))
    walk(v, `${at}.${k}`, visit);
  if (node.items && typeof node.items === "object")
    walk(node.items as Record<string, unknown>, `${at}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === "object") {
    walk(node.additionalProperties as Record<string, unknown>, `${at}{}`, visit);
  }
}

describe("CRD manifests", () => {
  for (const crd of allCrds()) {
    for (const dir of crdOutputDirs) {
      it(`${path.relative(path.resolve(dir, "..", ".."), dir)}/${crdFileName(crd)} is what the TypeBox definitions generate (run npm run crds)`, () => {
        const file = path.join(dir, crdFileName(crd));
        assert.equal(fs.readFileSync(file, "utf8"), renderCrd(crd));
      });
    }

    it(`${crd.metadata?.name} has a structural schema: every node typed or int-or-string, no patternProperties`, () => {
      const schema = crd.spec.versions[0]!.schema!.openAPIV3Schema as unknown as Record<string, unknown>;
      const problems: string[] = [];
      walk(schema, "", (n, at) => {
        const typed = "type" in n || n["x-kubernetes-int-or-string"] === true;
        if (!typed) problems.push(`${at || "root"} has no type`);
        if ("patternProperties" in n) problems.push(`${at} uses patternProperties`);
        if ("anyOf" in n && !n["x-kubernetes-int-or-string"]) problems.push(`${at} uses anyOf`);
      });
      assert.deepEqual(problems, []);
    });
  }
});
