import assert from "node:assert/strict";
import fs from "node:fs";
import type { Rollout } from "../../../controller/api/rollout.js";
import { ControllerProcess, useController } from "../support/controller.js";
import { allRuns, jobProvider, jobsOfRun, measurementsOf } from "../support/jobs.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  rolloutManifest,
  runsOf,
  setImage,
  v2,
  waitForPhase,
} from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

describe("Analysis: a background Job metric with failureLimit 1", () => {
  useRealNode();
  const ns = useNamespace("job-bg");
  useController(ns);
  // The real node is this machine: a host folder carries the toggle from one Job's pod to the next.
  const dir = (): string => `/tmp/kestrel-e2e-${ns()}`;
  after(() => fs.rmSync(dir(), { recursive: true, force: true }));

  it("tolerates one failed Job and fails the run at the second, as Argo counts (failed > failureLimit)", async function () {
    this.timeout(240_000);
    // Passes, fails, passes, fails...: each run of the script flips a file in the host folder.
    const flip =
      "if [ -e /state/passed-last ]; then rm /state/passed-last; exit 3; else touch /state/passed-last; exit 0; fi";
    const template = {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "every-other" },
      spec: {
        metrics: [
          {
            name: "smoke",
            interval: "2s",
            failureLimit: 1,
            provider: jobProvider(
              flip,
              { volumes: [{ name: "state", hostPath: { path: dir(), type: "DirectoryOrCreate" } }] },
              { volumeMounts: [{ name: "state", mountPath: "/state" }] },
            ),
          },
        ],
      },
    };
    await apply(ns(), template);
    const manifest: Rollout = rolloutManifest("web", {
      replicas: 2,
      steps: [{ setWeight: 50 }, { pause: {} }],
    });
    manifest.spec.strategy.canary!.analysis = { templates: [{ templateName: "every-other" }] };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "web", "Healthy");
    await setImage(ns(), "web", v2);
    const run = await waitFor(
      "the background run to end",
      async () => {
        const r = (await runsOf(ns(), "web"))[0];
        return ["Successful", "Failed", "Error"].includes(r?.status?.phase ?? "") ? r : undefined;
      },
      { timeoutMs: 180_000 },
    );
    assert.equal(run.status?.phase, "Failed", run.status?.message);
    assert.deepEqual(
      measurementsOf(run).map((m) => [m.phase, m.value]),
      [
        ["Successful", "0"],
        ["Failed", "3"],
        ["Successful", "0"],
        ["Failed", "3"],
      ],
      "the first failure is tolerated; the second exceeds failureLimit 1",
    );
    assert.equal(run.status?.metricResults?.[0]?.failed, 2);
    await waitFor("web to be aborted", async () => {
      const r = await getRollout(ns(), "web");
      return r.status?.abort ? r : undefined;
    });
  });
});

describe("Analysis: a SIGKILLed controller adopts the Job it started", () => {
  useRealNode();
  const ns = useNamespace("job-crash");
  let controller: ControllerProcess;
  after(async function () {
    this.timeout(30_000);
    await controller?.stop();
  });

  it("after a restart exactly one Job exists for the measurement, and it is recorded once", async function () {
    this.timeout(150_000);
    controller = new ControllerProcess([ns()]);
    await controller.start();
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "crash" },
      spec: { metrics: [{ name: "smoke", provider: jobProvider("sleep 10; exit 0") }] },
    });
    const uid = await waitFor("the run's Job to run", async () => {
      const r = (await allRuns(ns())).find((x) => x.metadata.name === "crash");
      if (!r?.metadata.uid) return undefined;
      return (await jobsOfRun(ns(), r.metadata.uid))[0]?.status?.active === 1 ? r.metadata.uid : undefined;
    });
    await controller.kill();
    controller = new ControllerProcess([ns()]);
    await controller.start();
    const run = await waitFor(
      "the run to end",
      async () => {
        const r = (await allRuns(ns())).find((x) => x.metadata.name === "crash");
        return r?.status?.phase === "Successful" || r?.status?.phase === "Failed" ? r : undefined;
      },
      { timeoutMs: 90_000 },
    );
    assert.equal(run.status?.phase, "Successful", run.status?.message);
    assert.equal(measurementsOf(run).length, 1);
    // Ended Jobs are kept until their run is deleted, so a second Job would still be listed.
    assert.equal((await jobsOfRun(ns(), uid)).length, 1);
  });
});
