import assert from "node:assert/strict";
import type { V1Job, V1JobCondition, V1Pod } from "@kubernetes/client-node";
import { classifyJob } from "../../../controller/analysis/providers/job-result.js";

const job = (conditions: V1JobCondition[], counts: { active?: number; failed?: number } = {}): V1Job => ({
  metadata: { name: "smoke-1" },
  status: { conditions, ...counts },
});
const cond = (type: string, reason?: string, message?: string, status = "True"): V1JobCondition => ({
  type,
  status,
  reason,
  message,
});
const exited = (
  pod: string,
  exitCode: number,
  finishedAt: string,
  reason = exitCode ? "Error" : "Completed",
  container = "check",
): V1Pod => ({
  metadata: { name: pod },
  status: {
    containerStatuses: [
      {
        name: container,
        image: "busybox",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason, finishedAt: new Date(finishedAt) } },
      },
    ],
  },
});

describe("Job provider: result classification", () => {
  const cases: { name: string; job: V1Job; pods: V1Pod[]; want: Record<string, unknown> }[] = [
    {
      name: "a complete Job is Successful, with its exit code",
      job: job([cond("SuccessCriteriaMet"), cond("Complete")]),
      pods: [exited("smoke-1-abc", 0, "2026-01-01T00:00:05Z")],
      want: {
        phase: "Successful",
        value: "0",
        message: 'Job smoke-1 completed: container "check" of pod smoke-1-abc exited with code 0 (Completed)',
      },
    },
    {
      name: "a failed Job is Failed, naming the exit code and reason of the container that failed",
      job: job([
        cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
      ]),
      pods: [exited("smoke-1-abc", 1, "2026-01-01T00:00:05Z")],
      want: {
        phase: "Failed",
        value: "1",
        message:
          'Job smoke-1 failed (BackoffLimitExceeded: Job has reached the specified backoff limit): container "check" of pod smoke-1-abc exited with code 1 (Error)',
      },
    },
    {
      name: "of several failed pods, the last to finish decides",
      job: job([cond("Failed", "BackoffLimitExceeded")]),
      pods: [
        exited("smoke-1-new", 137, "2026-01-01T00:01:00Z", "OOMKilled"),
        exited("smoke-1-old", 2, "2026-01-01T00:00:05Z"),
      ],
      want: {
        phase: "Failed",
        value: "137",
        message:
          'Job smoke-1 failed (BackoffLimitExceeded): container "check" of pod smoke-1-new exited with code 137 (OOMKilled)',
      },
    },
    {
      name: "a container that exited 0 after the failing one does not hide the failure",
      job: job([cond("Failed", "BackoffLimitExceeded")]),
      pods: [
        exited("smoke-1-abc", 1, "2026-01-01T00:00:05Z"),
        exited("smoke-1-abc", 0, "2026-01-01T00:00:09Z", "Completed", "log-shipper"),
      ],
      want: {
        phase: "Failed",
        value: "1",
        message:
          'Job smoke-1 failed (BackoffLimitExceeded): container "check" of pod smoke-1-abc exited with code 1 (Error)',
      },
    },
    {
      name: "a failed Job whose pods are gone says what the Job says",
      job: job([cond("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")]),
      pods: [],
      want: {
        phase: "Failed",
        value: undefined,
        message: "Job smoke-1 failed (DeadlineExceeded: Job was active longer than specified deadline)",
      },
    },
    {
      name: "a Job without an ended condition is still running, looked at again in 2s",
      job: job([cond("Failed", "x", "y", "False")], { active: 1, failed: 1 }),
      pods: [exited("smoke-1-old", 1, "2026-01-01T00:00:05Z")],
      want: {
        phase: "Running",
        checkAgainMs: 2000,
        message: "Job smoke-1 is running (active 1, succeeded 0, failed 1)",
      },
    },
    {
      name: "a Job not yet seen by the Job controller is running",
      job: { metadata: { name: "smoke-1" } },
      pods: [],
      want: {
        phase: "Running",
        checkAgainMs: 2000,
        message: "Job smoke-1 is running (active 0, succeeded 0, failed 0)",
      },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(classifyJob(c.job, c.pods), c.want);
    });
});
