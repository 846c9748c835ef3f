import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { maxRolloutNameLength } from "../../../controller/api/crds.js";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, v1, v2, waitForPhase, waitForSplit } from "../support/rollouts.js";

/**
 * The CRD caps a Rollout's name at 63 characters because the name becomes a label value on its
 * AnalysisRuns (the 64-character refusal is a fixture of rollout/invalid.test.ts). This proves
 * the longest accepted name really delivers: ReplicaSets, pods and AnalysisRuns all get created.
 */
describe("Rollout: the longest name the CRD accepts delivers through analysis", () => {
  const ns = useNamespace("longname");
  useController(ns);
  const name = `long-${"n".repeat(maxRolloutNameLength - "long-".length - 1)}x`;

  it(`a ${maxRolloutNameLength}-character Rollout steps through an analysis to Healthy on the new version`, async function () {
    this.timeout(90_000);
    assert.equal(name.length, maxRolloutNameLength);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "always-ok" },
      spec: {
        metrics: [
          {
            name: "up",
            count: 1,
            successCondition: "result[0] == 1",
            provider: { prometheus: { address: testCluster().prometheusUrl, query: "vector(1)" } },
          },
        ],
      },
    });
    await apply(
      ns(),
      rolloutManifest(name, {
        replicas: 2,
        steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "always-ok" }] } }],
      }),
    );
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, v2);
    await waitForSplit(ns(), name, { [v2]: 2, [v1]: 0 });
    await waitForPhase(ns(), name, "Healthy");
    const runs = await testCluster()
      .kc.makeApiClient(k8s.CustomObjectsApi)
      .listNamespacedCustomObject({
        group: "kestrel.dev",
        version: "v1alpha1",
        plural: "analysisruns",
        namespace: ns(),
        labelSelector: `kestrel.dev/rollout=${name}`,
      });
    const items = (runs as { items: AnalysisRun[] }).items;
    assert.equal(items.length, 1, "one AnalysisRun, found by the Rollout's name");
    assert.equal(items[0]!.status?.phase, "Successful");
  });
});
