import assert from "node:assert/strict";
import type { AnalysisRun, JobProvider } from "../../../controller/api/analysis.js";
import { jobManifest, jobName } from "../../../controller/analysis/providers/job-manifest.js";

const run = (name: string, uid = "0c9e1d3a-uid"): AnalysisRun => ({
  apiVersion: "kestrel.dev/v1alpha1",
  kind: "AnalysisRun",
  metadata: { name, namespace: "shop", uid },
  spec: { metrics: [] },
});
const slot = "2026-01-01T00:00:00.000Z";
const provider: JobProvider = {
  metadata: { labels: { team: "web" }, annotations: { note: "smoke" } },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [] } } },
};

describe("Job provider: the Job of one measurement", () => {
  it("derives the same name for the same run, metric and slot (so a restart adopts it)", () => {
    assert.equal(jobName(run("web-7d9f-2"), "smoke", slot), jobName(run("web-7d9f-2"), "smoke", slot));
    // The same instant written another way is the same slot.
    assert.equal(
      jobName(run("web-7d9f-2"), "smoke", slot),
      jobName(run("web-7d9f-2"), "smoke", "2026-01-01T00:00:00Z"),
    );
  });

  it("derives another name for another slot, metric or run uid", () => {
    const names = new Set([
      jobName(run("web-7d9f-2"), "smoke", slot),
      jobName(run("web-7d9f-2"), "smoke", "2026-01-01T00:00:10Z"),
      jobName(run("web-7d9f-2"), "load", slot),
      jobName(run("web-7d9f-2", "another-uid"), "smoke", slot),
    ]);
    assert.equal(names.size, 4);
  });

  it("reads as run-metric-hash, and fits a label value (63) whatever the names' length and case", () => {
    assert.match(jobName(run("web-7d9f-2"), "smoke", slot), /^web-7d9f-2-smoke-[0-9a-f]{10}$/);
    const long = jobName(run("a".repeat(200)), "Error_Rate.P99".repeat(5), slot);
    assert.ok(long.length <= 63, long);
    assert.match(long, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    assert.match(long, /^a+-error-rate-p99/);
  });

  it("is labelled with the run's uid, annotated with its names and owned by the run", () => {
    const job = jobManifest(run("web-7d9f-2"), "smoke", slot, provider);
    assert.deepEqual(job.metadata?.labels, { team: "web", "kestrel.dev/analysis-run-uid": "0c9e1d3a-uid" });
    assert.deepEqual(job.metadata?.annotations, {
      note: "smoke",
      "kestrel.dev/analysis-run": "web-7d9f-2",
      "kestrel.dev/metric": "smoke",
      "kestrel.dev/scheduled-at": slot,
    });
    assert.deepEqual(job.metadata?.ownerReferences, [
      {
        apiVersion: "kestrel.dev/v1alpha1",
        kind: "AnalysisRun",
        name: "web-7d9f-2",
        uid: "0c9e1d3a-uid",
        controller: true,
      },
    ]);
    assert.equal(job.metadata?.namespace, "shop");
    assert.deepEqual(job.spec, provider.spec);
  });

  it("a template's label cannot unlink the Job from its run", () => {
    const job = jobManifest(run("r"), "smoke", slot, {
      ...provider,
      metadata: { labels: { "kestrel.dev/analysis-run-uid": "forged" } },
    });
    assert.equal(job.metadata?.labels?.["kestrel.dev/analysis-run-uid"], "0c9e1d3a-uid");
  });
});
