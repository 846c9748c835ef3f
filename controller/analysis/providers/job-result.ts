import type { V1ContainerStatus, V1Job, V1Pod } from "@kubernetes/client-node";
import type { MeasurementOutcome, MeasurementPending } from "../provider.js";

/** How often a running Job is looked at again (no Job informer: a poll per running measurement). */
export const jobPollMs = 2_000;

/** Whether the Job has ended, and how: its Complete or Failed condition. */
export function jobEnded(job: V1Job): "Complete" | "Failed" | undefined {
  const c = job.status?.conditions?.find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  return c?.type as "Complete" | "Failed" | undefined;
}

interface Exit {
  pod: string;
  container: string;
  exitCode: number;
  reason?: string;
  finishedAt: number;
}

function exitsOf(pod: V1Pod): Exit[] {
  const statuses: V1ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses.flatMap((s) => {
    const t = s.state?.terminated ?? s.lastState?.terminated;
    if (!t) return [];
    return [
      {
        pod: pod.metadata?.name ?? "",
        container: s.name,
        exitCode: t.exitCode,
        reason: t.reason,
        finishedAt: t.finishedAt ? new Date(t.finishedAt).getTime() : 0,
      },
    ];
  });
}

/** The exit that decided: the latest failing one for a failed Job, the latest for a complete one. */
function decidingExit(pods: V1Pod[], failed: boolean): Exit | undefined {
  const exits = pods.flatMap(exitsOf).filter((e) => (failed ? e.exitCode !== 0 : true));
  return exits.sort((a, b) => a.finishedAt - b.finishedAt).at(-1);
}

const describeExit = (e: Exit): string =>
  `container "${e.container}" of pod ${e.pod} exited with code ${e.exitCode}${e.reason ? ` (${e.reason})` : ""}`;

/**
 * A measurement from a Job and its pods. Pure. Complete is Successful, Failed is Failed with the
 * exit code and reason of the container that failed; anything else is still running.
 */
export function classifyJob(job: V1Job, pods: V1Pod[]): MeasurementOutcome | MeasurementPending {
  const name = job.metadata?.name ?? "";
  const ended = jobEnded(job);
  if (ended === "Complete") {
    const exit = decidingExit(pods, false);
    return {
      phase: "Successful",
      value: exit ? String(exit.exitCode) : undefined,
      message: `Job ${name} completed${exit ? `: ${describeExit(exit)}` : ""}`,
    };
  }
  if (ended === "Failed") {
    const condition = job.status!.conditions!.find((c) => c.type === "Failed" && c.status === "True")!;
    const why = [condition.reason, condition.message].filter(Boolean).join(": ");
    const exit = decidingExit(pods, true);
    return {
      phase: "Failed",
      value: exit ? String(exit.exitCode) : undefined,
      message: `Job ${name} failed${why ? ` (${why})` : ""}${exit ? `: ${describeExit(exit)}` : ""}`,
    };
  }
  const s = job.status ?? {};
  return {
    phase: "Running",
    checkAgainMs: jobPollMs,
    message: `Job ${name} is running (active ${s.active ?? 0}, succeeded ${s.succeeded ?? 0}, failed ${s.failed ?? 0})`,
  };
}
