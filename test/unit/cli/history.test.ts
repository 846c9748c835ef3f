import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  configChanges,
  configColumn,
  describeConfigChanges,
  historyRows,
} from "../../../controller/cli/history.js";
import type { SnapshotRecord } from "../../../controller/config/snapshot.js";

const cm = (source: string, digest: string, keys: Record<string, string>): SnapshotRecord => ({
  kind: "ConfigMap",
  source,
  name: `${source}-${digest}`,
  digest,
  keys,
});
const secret = (source: string, digest: string, keys: Record<string, string>): SnapshotRecord => ({
  ...cm(source, digest, keys),
  kind: "Secret",
});

function replicaSet(revision: number, hash: string, config?: SnapshotRecord[]): V1ReplicaSet {
  const annotations: Record<string, string> = { "kestrel.dev/revision": String(revision) };
  if (config) annotations["kestrel.dev/config-snapshots"] = JSON.stringify(config);
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { "rollouts-pod-template-hash": hash },
      annotations,
    },
    spec: {
      selector: {},
      template: { spec: { containers: [{ name: "app", image: `app:${revision}` }] } },
    },
  };
}

describe("history: config snapshots per revision", () => {
  it("reads each revision's copies from its ReplicaSet and shows them as kind/source@digest", () => {
    const rows = historyRows(
      [
        replicaSet(2, "h2", [cm("app-config", "bbbbbbbbbb", { a: "x" }), secret("creds", "ssssssssss", {})]),
        replicaSet(1, "h1"),
      ],
      [],
    );
    assert.deepEqual(
      rows.map((r) => [r.revision, configColumn(r.config)]),
      [
        [1, "<none>"],
        [2, "ConfigMap/app-config@bbbbbbbbbb,Secret/creds@ssssssssss"],
      ],
    );
  });

  it("a hand-edited, unparsable annotation reads as no snapshots rather than a crash", () => {
    const rs = replicaSet(1, "h1");
    rs.metadata!.annotations!["kestrel.dev/config-snapshots"] = "{not json";
    assert.deepEqual(historyRows([rs], [])[0]?.config, []);
  });

  const table: {
    name: string;
    previous: SnapshotRecord[];
    current: SnapshotRecord[];
    text: string;
  }[] = [
    {
      name: "keys added, removed and changed in one ConfigMap; an untouched Secret",
      previous: [
        cm("app-config", "d1d1d1d1d1", { setting: "k1", errorRate: "k2", old: "k3" }),
        secret("creds", "s1s1s1s1s1", { token: "t1" }),
      ],
      current: [
        cm("app-config", "d2d2d2d2d2", { setting: "k9", errorRate: "k2", fresh: "k4" }),
        secret("creds", "s1s1s1s1s1", { token: "t1" }),
      ],
      text: [
        "config changes against revision 3:",
        "  ConfigMap app-config changed: added fresh; removed old; changed setting",
        "  Secret creds unchanged",
      ].join("\n"),
    },
    {
      name: "a Secret whose token changed: the key is named, its value never",
      previous: [secret("creds", "s1s1s1s1s1", { token: "t1" })],
      current: [secret("creds", "s2s2s2s2s2", { token: "t2" })],
      text: ["config changes against revision 3:", "  Secret creds changed: changed token"].join("\n"),
    },
    {
      name: "a source newly referenced and one no longer referenced",
      previous: [cm("old-config", "o1o1o1o1o1", { a: "1" })],
      current: [cm("new-config", "n1n1n1n1n1", { b: "2", c: "3" })],
      text: [
        "config changes against revision 3:",
        "  ConfigMap new-config newly referenced: added b, c",
        "  ConfigMap old-config no longer referenced: removed a",
      ].join("\n"),
    },
    {
      name: "a Secret whose type alone changed",
      previous: [secret("tls", "t1t1t1t1t1", { "tls.crt": "c" })],
      current: [secret("tls", "t2t2t2t2t2", { "tls.crt": "c" })],
      text: [
        "config changes against revision 3:",
        "  Secret tls changed: changed (the Secret type), keys as before",
      ].join("\n"),
    },
    {
      name: "neither revision has snapshots",
      previous: [],
      current: [],
      text: "config: neither revision 3 nor 4 has config snapshots",
    },
  ];
  for (const t of table)
    it(`history --revision: ${t.name}`, () => {
      const text = describeConfigChanges(4, 3, configChanges(t.previous, t.current));
      assert.equal(text, t.text);
    });

  it("history --revision of the first revision says there is nothing to compare with", () => {
    assert.equal(
      describeConfigChanges(1, undefined, configChanges([], [cm("a", "x", { k: "1" })])),
      "config: revision 1 is the first revision",
    );
  });

  it("never prints a value: values that appear only in the records stay out of the text", () => {
    // Key digests stand in for values in records; the text must not contain them either.
    const text = describeConfigChanges(
      2,
      1,
      configChanges(
        [secret("creds", "aaaaaaaaaa", { token: "DIGEST-OLD" })],
        [secret("creds", "bbbbbbbbbb", { token: "DIGEST-NEW" })],
      ),
    );
    assert.doesNotMatch(text, /DIGEST-OLD|DIGEST-NEW/);
  });
});
