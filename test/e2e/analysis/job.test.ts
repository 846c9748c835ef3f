import assert from "node:assert/strict";
import type { Rollout } from "../../../controller/api/rollout.js";
import { useController } from "../support/controller.js";
import { allRuns, jobProvider, jobsOfRun, jobTemplate, measurementsOf } from "../support/jobs.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  rolloutManifest,
  runsOf,
  setImage,
  v1,
  v2,
  waitForPhase,
} from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/** A two-replica canary whose second step is the analysis `templates`. */
function canary(name: string, templates: object[], onFailure?: object): Rollout {
  const manifest = rolloutManifest(name, { replicas: 2 });
  manifest.spec.strategy.canary = {
    steps: [{ setWeight: 50 }, { analysis: { templates } }],
    ...(onFailure ? { onFailure } : {}),
  } as Rollout["spec"]["strategy"]["canary"];
  return manifest;
}

/** Delivers v2 and waits until the Rollout's one step analysis run has ended. */
async function deliverV2(namespace: string, name: string) {
  await waitForPhase(namespace, name, "Healthy");
  await setImage(namespace, name, v2);
  return waitFor(
    `${name}'s analysis run to end`,
    async () => {
      const run = (await runsOf(namespace, name))[0];
      return ["Successful", "Failed", "Error"].includes(run?.status?.phase ?? "") ? run : undefined;
    },
    { timeoutMs: 90_000 },
  );
}

describe("Analysis: Job metrics on the real node", () => {
  useRealNode();
  const ns = useNamespace("job-metric");
  useController(ns);

  it("a step analysis whose Job exits 0 promotes the canary", async function () {
    this.timeout(150_000);
    await apply(ns(), jobTemplate("pass", "echo checking; exit 0"));
    await apply(ns(), canary("good", [{ templateName: "pass" }]));
    const run = await deliverV2(ns(), "good");
    assert.equal(run.status?.phase, "Successful", run.status?.message);
    const [m] = measurementsOf(run);
    assert.equal(m?.phase, "Successful");
    assert.match(
      m?.message ?? "",
      /^Job \S+ completed: container "check" of pod \S+ exited with code 0 \(Completed\)$/,
    );
    const jobs = await jobsOfRun(ns(), run.metadata.uid!);
    assert.equal(jobs.length, 1, "one Job for one measurement");
    assert.equal(jobs[0]!.metadata?.ownerReferences?.[0]?.uid, run.metadata.uid);
    assert.equal(jobs[0]!.metadata?.labels?.purpose, "e2e-check", "the template's labels are on the Job");
    const promoted = await waitFor("good to be Healthy on v2", async () => {
      const r = await getRollout(ns(), "good");
      return r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash ? r : undefined;
    });
    assert.equal(promoted.spec.template.spec?.containers[0]?.image, v2);
  });

  it("a step analysis whose Job exits 1 fails with the exit code, and onFailure undo puts v1 back", async function () {
    this.timeout(150_000);
    await apply(ns(), jobTemplate("fail", "echo broken >&2; exit 1"));
    await apply(ns(), canary("bad", [{ templateName: "fail" }], { action: "undo" }));
    const run = await deliverV2(ns(), "bad");
    assert.equal(run.status?.phase, "Failed", run.status?.message);
    const [m] = measurementsOf(run);
    assert.equal(m?.phase, "Failed");
    assert.equal(m?.value, "1");
    assert.match(
      m?.message ?? "",
      /^Job \S+ failed \(BackoffLimitExceeded: Job has reached the specified backoff limit\): container "check" of pod \S+ exited with code 1 \(Error\)$/,
    );
    const undone = await waitFor("bad to be undone to v1 and Healthy", async () => {
      const r = await getRollout(ns(), "bad");
      const image = r.spec.template.spec?.containers[0]?.image;
      return r.status?.phase === "Healthy" && image === v1 ? r : undefined;
    });
    assert.equal(undone.status?.stableRS, undone.status?.currentPodHash);
  });

  it("a ClusterAnalysisTemplate's Job metric runs in the Rollout's namespace", async function () {
    this.timeout(150_000);
    const cat = `${ns()}-smoke`;
    await apply(ns(), jobTemplate(cat, "exit 0", {}, "ClusterAnalysisTemplate"));
    try {
      await apply(ns(), canary("shared", [{ templateName: cat, clusterScope: true }]));
      const run = await deliverV2(ns(), "shared");
      assert.equal(run.status?.phase, "Successful", run.status?.message);
      assert.equal((await jobsOfRun(ns(), run.metadata.uid!)).length, 1, "the Job is in the run's namespace");
      await waitFor("shared to be Healthy on v2", async () => {
        const r = await getRollout(ns(), "shared");
        return r.status?.phase === "Healthy" && r.spec.template.spec?.containers[0]?.image === v2
          ? r
          : undefined;
      });
    } finally {
      await kubectl(["delete", "clusteranalysistemplate", cat, "--ignore-not-found"]);
    }
  });

  it("terminating a run deletes its running Job", async function () {
    this.timeout(120_000);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "long" },
      spec: { metrics: [{ name: "soak", provider: jobProvider("sleep 300") }] },
    });
    const run = await waitFor("run long to have a running Job", async () => {
      const r = (await allRuns(ns())).find((x) => x.metadata.name === "long");
      if (!r?.metadata.uid) return undefined;
      const jobs = await jobsOfRun(ns(), r.metadata.uid);
      return jobs[0]?.status?.active === 1 ? r : undefined;
    });
    const res = await kubectl([
      "patch",
      "ar",
      "long",
      "-n",
      ns(),
      "--type",
      "merge",
      "-p",
      '{"spec":{"terminate":true}}',
    ]);
    assert.equal(res.code, 0, res.stderr);
    await waitFor("the Job to be deleted", async () =>
      (await jobsOfRun(ns(), run.metadata.uid!)).length === 0 ? true : undefined,
    );
    const ended = (await allRuns(ns())).find((x) => x.metadata.name === "long")!;
    assert.equal(ended.status?.phase, "Successful");
    assert.equal(measurementsOf(ended).length, 0, "the unfinished measurement is not recorded");
  });
});
