import type { AnalysisRun } from "../api/analysis.js";
import { isTerminalPhase } from "../api/phases.js";

/**
 * What the background analysis says right now about moving the canary on. Argo lets steps go on
 * while a background run measures; Kestrel also refuses to move on no evidence:
 * - `inconclusive`: the run ended Inconclusive and no person accepted it: everything holds until
 *   a promote (accepting it) or an abort;
 * - `undecided`: the latest measurement of a metric that counts (not dry-run) is not Successful
 *   (Error, Inconclusive or Failed within the metric's limits): everything holds until the next
 *   measurement passes, or the run fails (abort) or a person promotes;
 * - `unmeasured`: a metric has no measurement yet: steps go on, but the canary is not promoted
 *   to stable (nor the stable scaled away) before every metric has passed once;
 * - `clear`: no run, or every counting metric's latest measurement passed, or the run passed, or a
 *   person's promote accepted its doubt.
 */
export type BackgroundJudgement =
  { state: "clear" } | { state: "inconclusive" | "undecided" | "unmeasured"; why: string };

export function judgeBackground(run: AnalysisRun | undefined, accepted: boolean): BackgroundJudgement {
  // A person's promote accepted this run's doubt for the rest of the canary (Failed or Error
  // still abort: that is the verdict stage's decision, not this one's).
  if (!run || accepted) return { state: "clear" };
  const phase = run.status?.phase;
  if (phase === "Inconclusive") return { state: "inconclusive", why: run.status?.message ?? "no verdict" };
  if (isTerminalPhase(phase)) return { state: "clear" };
  const dryRun = new Set((run.spec.dryRun ?? []).map((d) => d.metricName));
  const results = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
  let unmeasured: string | undefined;
  for (const metric of run.spec.metrics) {
    if (dryRun.has(metric.name)) continue;
    const last = results.get(metric.name)?.measurements?.at(-1);
    if (!last) {
      unmeasured ??= `metric "${metric.name}" has no measurement yet`;
      continue;
    }
    if (last.phase !== "Successful") {
      const detail = last.message ? `: ${last.message}` : "";
      return { state: "undecided", why: `metric "${metric.name}" last measured ${last.phase}${detail}` };
    }
  }
  return unmeasured ? { state: "unmeasured", why: unmeasured } : { state: "clear" };
}
