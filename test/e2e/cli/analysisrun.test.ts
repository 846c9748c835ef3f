import assert from "node:assert/strict";
import { useController } from "../support/controller.js";
import { allRuns, jobProvider, jobsOfRun, measurementsOf } from "../support/jobs.js";
import { kestrelPlugin as kestrel } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply } from "../support/rollouts.js";
import { useRealNode } from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

const runNamed = async (namespace: string, name: string) =>
  (await allRuns(namespace)).find((r) => r.metadata.name === name);

describe("kubectl kestrel create / terminate analysisrun", () => {
  useRealNode();
  const ns = useNamespace("plugin-ar");
  useController(ns);

  before(async () => {
    // The argument reaches the Job's env; the script exits with it, so the exit code shows it arrived.
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "exit-with" },
      spec: {
        args: [{ name: "code" }],
        metrics: [
          {
            name: "smoke",
            provider: jobProvider(
              'sleep "$PAUSE"; exit "$CODE"',
              {},
              {
                env: [
                  { name: "CODE", value: "{{args.code}}" },
                  { name: "PAUSE", value: "1" },
                ],
              },
            ),
          },
        ],
      },
    });
  });

  it("create analysisrun --from with -a starts a one-off run of the template with that argument", async function () {
    this.timeout(120_000);
    const created = await kestrel([
      "create",
      "analysisrun",
      "--from",
      "exit-with",
      "--name",
      "once",
      "-a",
      "code=0",
      "-n",
      ns(),
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), "analysisrun.kestrel.dev/once created");
    const ended = await waitFor("run once to end", async () => {
      const r = await runNamed(ns(), "once");
      return ["Successful", "Failed", "Error"].includes(r?.status?.phase ?? "") ? r : undefined;
    });
    assert.equal(ended.status?.phase, "Successful", ended.status?.message);
    assert.deepEqual(ended.spec.args, [{ name: "code", value: "0" }]);
    assert.equal(measurementsOf(ended)[0]?.value, "0");
  });

  it("create refuses a template argument left without a value, naming it, and creates nothing", async function () {
    this.timeout(60_000);
    const before = (await allRuns(ns())).length;
    const res = await kestrel(["create", "analysisrun", "--from", "exit-with", "-n", ns()]);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr.trim(),
      'error: AnalysisTemplate exit-with needs a value for "code": give -a code=VALUE',
    );
    assert.equal((await allRuns(ns())).length, before);
  });

  it("terminate analysisrun stops a running run and its Job", async function () {
    this.timeout(120_000);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "soak" },
      spec: { metrics: [{ name: "soak", provider: jobProvider("sleep 300") }] },
    });
    const created = await kestrel(["create", "ar", "--from", "soak", "--name", "long", "-n", ns()]);
    assert.equal(created.code, 0, created.stderr);
    const uid = await waitFor("run long's Job to run", async () => {
      const r = await runNamed(ns(), "long");
      if (!r?.metadata.uid) return undefined;
      return (await jobsOfRun(ns(), r.metadata.uid))[0]?.status?.active === 1 ? r.metadata.uid : undefined;
    });
    const stopped = await kestrel(["terminate", "analysisrun", "long", "-n", ns()]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout.trim(), "analysisrun.kestrel.dev/long terminated");
    await waitFor("run long to end and its Job to be deleted", async () => {
      const r = await runNamed(ns(), "long");
      const jobs = await jobsOfRun(ns(), uid);
      return r?.status?.phase === "Successful" && jobs.length === 0 ? true : undefined;
    });
  });

  it("terminate of a run that does not exist fails, saying so", async function () {
    this.timeout(60_000);
    const res = await kestrel(["terminate", "ar/nope", "-n", ns()]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error: not found: .*"nope" not found/);
  });
});
