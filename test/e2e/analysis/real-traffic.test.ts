import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, getRollout, revisions, waitForPhase } from "../support/rollouts.js";
import { answeredBy, sampleRollout } from "../support/real-traffic.js";
import { createService, startLoadGenerator, useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

describe("Analysis on real traffic: the canary's own pods are judged, and traffic leaves them on rollback", () => {
  useRealNode();
  const ns = useNamespace("real-traffic");
  useController(ns);

  it("v3's pods serve 30% errors to the Service's requests; the run fails on their success rate; Kestrel rolls back and no request reaches a v3 pod afterwards", async function () {
    this.timeout(180_000);
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        // The first measurements come before the canary pod serves: no data, not judged.
        metric: { interval: "3s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
    await apply(ns(), sampleRollout("web", "v1", 0, ns()));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const clusterIp = await createService(ns(), "web", { app: "web" });
    const loadIp = await startLoadGenerator(ns(), "load", clusterIp, 40);

    await apply(ns(), sampleRollout("web", "v3", 0.3, ns()));
    const canaryHash = await waitFor("the v3 ReplicaSet", async () => {
      const revs = await revisions(ns(), "web");
      return revs.length === 2 ? revs[1]!.hash : undefined;
    });

    const ro = await waitForPhase(ns(), "web", "Degraded", 120_000);
    assert.match(ro.status?.message ?? "", /aborted by analysis/);
    assert.match(
      ro.status?.message ?? "",
      /metric "success-rate" failed 3 time\(s\), more than failureLimit 2: values /,
    );
    assert.match(ro.status?.message ?? "", /successCondition result\[0\] >= 0\.95/);
    const env = ro.spec.template.spec?.containers[0]?.env ?? [];
    assert.equal(
      env.find((e) => e.name === "VERSION")?.value,
      "v3",
      "abort leaves the spec as the user wrote it",
    );
    // Stable back at full, the canary at 0.
    await waitFor("stable 5/5 available and the canary at 0", async () => {
      const [stable, canary] = await revisions(ns(), "web");
      return stable?.replicas === 5 && stable.available === 5 && canary?.replicas === 0 ? true : undefined;
    });
    const runs = await kubectl([
      "get",
      "analysisruns",
      "-n",
      ns(),
      "-l",
      "kestrel.dev/rollout=web",
      "-o",
      "json",
    ]);
    const [run] = (JSON.parse(runs.stdout) as { items: AnalysisRun[] }).items;
    assert.equal(run?.status?.phase, "Failed");
    assert.equal(run?.status?.metricResults?.[0]?.failed, 3);
    const failed = (run?.status?.metricResults?.[0]?.measurements ?? []).filter((m) => m.phase === "Failed");
    assert.ok(failed.length >= 3, `three failed measurements, saw ${failed.length}`);
    // What the canary's pods served: about 70% successes (their own error rate, not the mix's).
    for (const m of failed) {
      const value = Number(m.value?.replace(/[[\]]/g, ""));
      assert.ok(Math.abs(value - 0.7) < 0.15, `measured ${m.value}`);
    }

    // The rollback: no pod of the v3 ReplicaSet is left...
    await waitFor(
      "the v3 pods to be gone",
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns(),
          labelSelector: `rollouts-pod-template-hash=${canaryHash}`,
        });
        return pods.items.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const atRollback = await answeredBy(loadIp);
    assert.ok((atRollback.byVersion.v3 ?? 0) > 0, "v3's pods served requests before the rollback");
    // ...and the next 200 requests through the Service are all served by v1.
    const after = await waitFor(
      "200 more answers",
      async () => {
        const now = await answeredBy(loadIp);
        return now.total >= atRollback.total + 200 ? now : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(
      after.byVersion.v3 ?? 0,
      atRollback.byVersion.v3,
      "no request was served by a v3 pod after the rollback",
    );
    assert.ok(after.byVersion.v1! > atRollback.byVersion.v1!, "v1 served the requests after the rollback");
  });

  it("a healthy v2 walks to 100% on its pods' own success rate, the run Successful, and serves the Service's requests", async function () {
    this.timeout(180_000);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
    const steps = [
      { setWeight: 20 },
      { pause: { duration: "10s" } },
      { setWeight: 50 },
      { pause: { duration: "10s" } },
    ];
    await apply(ns(), sampleRollout("good", "v1", 0, ns(), steps));
    await waitForPhase(ns(), "good", "Healthy", 90_000);
    const clusterIp = await createService(ns(), "good", { app: "good" });
    const loadIp = await startLoadGenerator(ns(), "load-good", clusterIp, 40);

    await apply(ns(), sampleRollout("good", "v2", 0, ns(), steps));
    await waitFor("the v2 ReplicaSet", async () =>
      (await revisions(ns(), "good")).length === 2 ? true : undefined,
    );
    const ro = await waitFor(
      "good to be Healthy with revision 2 at full scale",
      async () => {
        const [revs, r] = await Promise.all([revisions(ns(), "good"), getRollout(ns(), "good")]);
        const done = r.status?.phase === "Healthy" && revs[1]?.replicas === 5 && revs[0]?.replicas === 0;
        return done ? r : undefined;
      },
      { timeoutMs: 150_000 },
    );
    assert.equal(ro.status?.phase, "Healthy");
    const runs = await kubectl([
      "get",
      "analysisruns",
      "-n",
      ns(),
      "-l",
      "kestrel.dev/rollout=good",
      "-o",
      "json",
    ]);
    const [run] = (JSON.parse(runs.stdout) as { items: AnalysisRun[] }).items;
    assert.equal(run?.status?.phase, "Successful");
    const measured = (run?.status?.metricResults?.[0]?.measurements ?? []).filter(
      (m) => m.phase === "Successful",
    );
    assert.ok(measured.length > 0, "the canary's pods were measured");
    for (const m of measured) assert.equal(Number(m.value?.replace(/[[\]]/g, "")), 1, `measured ${m.value}`);
    const answered = await answeredBy(loadIp);
    assert.ok((answered.byVersion.v2 ?? 0) > 0, "v2's pods served the Service's requests");
  });
});
