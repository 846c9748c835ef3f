import assert from "node:assert/strict";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Rollout } from "../../../controller/api/rollout.js";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectlBinary, run } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { watchReplicaHistory } from "../support/replica-history.js";
import {
  apply,
  getRollout,
  rolloutManifest,
  setImage,
  split,
  v1,
  v2,
  waitForPhase,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * Regression (issue 12, item 1): a background analysis whose query has no data went Inconclusive
 * while the step loop kept walking, so within 10 s the canary had every replica and the stable
 * none while the phase said Paused. An undecided analysis must hold everything until a person
 * promotes or aborts.
 */
describe("Analysis: an Inconclusive background analysis holds the canary until promoted", () => {
  const ns = useNamespace("inconclusive-bg");
  useController(ns);

  it("no step, pause or scale-down moves after the verdict; kubectl kestrel promote moves it on", async function () {
    this.timeout(120_000);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "no-data" },
      spec: {
        metrics: [
          {
            name: "success-rate",
            interval: "5s",
            successCondition: "result[0] >= 0.95",
            provider: {
              prometheus: {
                address: testCluster().prometheusUrl,
                query: "sum(rate(no_such_metric_total[1m]))",
              },
            },
          },
        ],
      },
    });
    const manifest: Rollout = rolloutManifest("web", {
      replicas: 5,
      steps: [
        { setWeight: 20 },
        { pause: { duration: "5s" } },
        { setWeight: 60 },
        { pause: { duration: "5s" } },
      ],
    });
    manifest.spec.strategy.canary!.analysis = { templates: [{ templateName: "no-data" }] };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "web", "Healthy");
    await setImage(ns(), "web", v2);

    const held = await waitFor("the background analysis to be judged Inconclusive", async () => {
      const r = await getRollout(ns(), "web");
      if (!r.status?.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysis"))
        throw new Error(`phase ${r.status?.phase}: ${r.status?.message}`);
      return r;
    });
    assert.equal(held.status?.phase, "Paused");
    assert.match(held.status?.message ?? "", /inconclusive/);

    // Watch every ReplicaSet write for longer than both pauses together: none may happen.
    const history = watchReplicaHistory(ns());
    await history.synced;
    const before = await split(ns(), "web");
    assert.ok((before[v1] ?? 0) >= 4, `the stable keeps at least 4 of 5 replicas: ${JSON.stringify(before)}`);
    await sleep(15_000);
    const seen = history.stop();
    for (const [rs, values] of seen.replicas) {
      assert.equal(values.length, 1, `ReplicaSet ${rs} was scaled while undecided: ${values.join(" -> ")}`);
    }
    assert.deepEqual(await split(ns(), "web"), before);
    const still = await getRollout(ns(), "web");
    assert.equal(still.status?.currentStepIndex, held.status?.currentStepIndex, "no step was taken");

    const promote = await run(kubectlBinary(), ["kestrel", "promote", "web", "-n", ns()], {
      timeoutMs: 60_000,
      env: {
        ...process.env,
        PATH: `${path.join(repoRoot, "bin")}:${process.env.PATH}`,
        KUBECONFIG: testCluster().kubeconfigPath,
      },
    });
    assert.equal(promote.code, 0, promote.stderr);
    await waitForPhase(ns(), "web", "Healthy", 60_000);
    assert.deepEqual(await split(ns(), "web"), { [v1]: 0, [v2]: 5 });
  });
});
