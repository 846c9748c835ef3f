import assert from "node:assert/strict";
import { contentDigest, keyDigests, snapshotName } from "../../../controller/config/naming.js";

const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("config snapshot naming", () => {
  const cm = { kind: "ConfigMap" as const, name: "app", data: { a: "1", b: "2" } };
  it("names a copy <source>-<10-character digest> in Kubernetes' name alphabet", () => {
    const name = snapshotName("app", contentDigest(cm));
    assert.match(name, /^app-[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
  it("gives equal content the same digest whatever the key order, and other content another", () => {
    assert.equal(contentDigest(cm), contentDigest({ ...cm, data: { b: "2", a: "1" } }));
    assert.notEqual(contentDigest(cm), contentDigest({ ...cm, data: { a: "1", b: "3" } }));
    assert.notEqual(contentDigest(cm), contentDigest({ ...cm, binaryData: { c: "AA==" } }));
    assert.notEqual(contentDigest(cm), contentDigest({ ...cm, name: "other" }));
  });
  it("keys a Secret's digest with its uid (a short value cannot be guessed from a name), a ConfigMap's not", () => {
    const secret = { kind: "Secret" as const, name: "s", data: { t: "dHJ1ZQ==" } };
    assert.notEqual(contentDigest({ ...secret, uid: "u1" }), contentDigest({ ...secret, uid: "u2" }));
    assert.equal(contentDigest({ ...cm, uid: "u1" }), contentDigest({ ...cm, uid: "u2" }));
    assert.notEqual(contentDigest({ ...secret, type: "kubernetes.io/tls" }), contentDigest(secret));
  });
  it("digests each key, so a changed key shows without its value", () => {
    const before = keyDigests(cm);
    const after = keyDigests({ ...cm, data: { a: "1", b: "9" } });
    assert.deepEqual(Object.keys(before), ["a", "b"]);
    assert.equal(before.a, after.a);
    assert.notEqual(before.b, after.b);
  });
  const table: [string, string, number][] = [
    ["a 253-character source is cut to fit", "a".repeat(253), 253],
    ["a cut never ends the prefix in a dash", `${"a".repeat(241)}--b${"c".repeat(20)}`, 241 + 11],
    ["a cut never ends the prefix in a dot", `${"a".repeat(240)}.b${"c".repeat(20)}`, 253],
    ["a short name is kept whole", "settings.v2", 22],
  ];
  for (const [what, source, length] of table) {
    it(`${what}: ${length} characters, a valid DNS subdomain`, () => {
      const name = snapshotName(source, "bcdfghjklm");
      assert.equal(name.length, length);
      assert.match(name, dns);
      assert.ok(name.endsWith("-bcdfghjklm"));
    });
  }
});
