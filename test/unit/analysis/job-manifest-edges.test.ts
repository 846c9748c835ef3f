import assert from "node:assert/strict";
import type { AnalysisRun, JobProvider } from "../../../controller/api/analysis.js";
import { jobManifest, jobName } from "../../../controller/analysis/providers/job-manifest.js";

/** Edges of the Job's name and manifest; expected pieces written by hand from the naming rule. */

const slot = "2026-01-01T00:00:00.000Z";
const bare = (metadata: AnalysisRun["metadata"]): AnalysisRun =>
  ({ metadata, spec: { metrics: [] } }) as unknown as AnalysisRun;
const spec: JobProvider["spec"] = { template: { spec: { restartPolicy: "Never", containers: [] } } };

describe("Job provider: name and manifest edges", () => {
  it("a run of characters a DNS label refuses becomes one dash; dashes at either end go", () => {
    const name = jobName(bare({ name: "Web__Run", uid: "u" }), "--Error  Rate--", slot);
    assert.match(name, /^web-run-error-rate-[0-9a-f]{10}$/);
  });

  it("a metric with no usable character leaves no empty piece between dashes", () => {
    assert.match(jobName(bare({ name: "web", uid: "u" }), "!!!", slot), /^web-[0-9a-f]{10}$/);
  });

  it("without a uid the run's name feeds the hash: same name, same Job; another name, another", () => {
    const a = jobName(bare({ name: "web" }), "m", slot);
    assert.equal(a, jobName(bare({ name: "web" }), "m", slot));
    assert.notEqual(a.slice(-10), jobName(bare({ name: "web2" }), "m", slot).slice(-10));
    assert.match(jobName(bare({}), "m", slot), /^run-m-[0-9a-f]{10}$/, "no name at all: 'run'");
  });

  it("a run without apiVersion, kind or uid still owns its Job as an AnalysisRun; no provider metadata needed", () => {
    const job = jobManifest(bare({ name: "web", namespace: "ns" }), "m", slot, { spec });
    assert.equal(job.apiVersion, "batch/v1");
    assert.equal(job.kind, "Job");
    assert.deepEqual(job.metadata?.labels, { "kestrel.dev/analysis-run-uid": "" });
    assert.deepEqual(job.metadata?.annotations, {
      "kestrel.dev/analysis-run": "web",
      "kestrel.dev/metric": "m",
      "kestrel.dev/scheduled-at": slot,
    });
    assert.deepEqual(job.metadata?.ownerReferences, [
      { apiVersion: "kestrel.dev/v1alpha1", kind: "AnalysisRun", name: "web", uid: "", controller: true },
    ]);
    const unnamed = jobManifest(bare({}), "m", slot, { spec });
    assert.equal(unnamed.metadata?.annotations?.["kestrel.dev/analysis-run"], "");
    assert.equal(unnamed.metadata?.ownerReferences?.[0]?.name, "");
  });
});
