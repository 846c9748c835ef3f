import type * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../api/analysis.js";
import { isTerminalPhase } from "../api/phases.js";

type Run = AnalysisRun & k8s.KubernetesObject;

/** Where a run's verdict goes: the run cache the Rollout reconciler reads, and its queue. */
export interface VerdictTargets {
  /** Shows the written run to readers of the cache before the watch delivers it. */
  assume: (over: Run, written: Run) => void;
  /** Queues the Rollout that controls the run. */
  enqueueOwner: (run: Run) => void;
}

/** Whether this write is the one that ended the run: its verdict is new. */
export const endedByWrite = (before: Run, written: Run): boolean =>
  isTerminalPhase(written.status?.phase) && !isTerminalPhase(before.status?.phase);

/**
 * Hands a verdict the analysis reconciler has just written to the owning Rollout in-process, so
 * the abort (or the next step) follows the verdict by the Rollout's own API write instead of a
 * watch round trip. The watch still delivers the change and enqueues the Rollout again; that
 * second reconcile finds nothing left to do.
 */
export function verdictHandoff(targets: VerdictTargets): (before: Run, written: Run) => void {
  return (before, written) => {
    if (!endedByWrite(before, written)) return;
    targets.assume(before, written);
    targets.enqueueOwner(written);
  };
}
