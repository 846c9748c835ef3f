import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { testCluster } from "../support/cluster.js";
import { run } from "../support/kubectl.js";

describe("npm run demo", () => {
  it("on an existing cluster: walks v2 to 100% and lets the analysis roll v3 back by itself", async function () {
    this.timeout(300_000);
    const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-demo-")), "cluster");
    const env = {
      ...process.env,
      KESTREL_CLUSTER: "existing",
      KUBECONFIG: testCluster().kubeconfigPath,
      KESTREL_CLUSTER_STATE: state,
    };
    try {
      const res = await run("npm", ["run", "-s", "demo"], { timeoutMs: 280_000, env });
      assert.equal(res.code, 0, res.stderr.slice(-3000));
      assert.match(res.stderr, /Healthy: healthy: revision 2 (at full scale|promoted to stable)/);
      assert.match(
        res.stderr,
        /Degraded: aborted by analysis: .*metric "success-rate" failed 3 time\(s\), more than failureLimit 2/,
      );
      assert.match(res.stderr, /explore:/);
      assert.match(res.stderr, /kubectl kestrel get web -n kestrel-demo/);
      assert.match(res.stderr, /kubectl kestrel undo web -n kestrel-demo --to-last-good/);
      assert.match(res.stderr, /kubectl kestrel dashboard -n kestrel-demo\s/);
      assert.match(res.stderr, /http:\/\/127\.0\.0\.1:3100\/#\/kestrel-demo\/web\n*$/);
    } finally {
      await run("npm", ["run", "-s", "cluster:down"], {
        env: { ...env, KESTREL_CLUSTER_STATE: path.join(state, "..", "demo-existing") },
      });
      await run("kubectl", [
        "--kubeconfig",
        testCluster().kubeconfigPath,
        "delete",
        "namespace",
        "kestrel-demo",
        "--wait=false",
      ]);
    }
  });
});
