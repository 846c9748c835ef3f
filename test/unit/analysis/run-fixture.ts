import type { AnalysisRun, Metric } from "../../../controller/api/analysis.js";

/** The AnalysisRun planner tests' clock and their one-metric run, started at t0. */
export const t0 = Date.parse("2026-01-01T00:00:00Z");
export const at = (ms: number): string => new Date(t0 + ms).toISOString();

export function run(m: Partial<Metric> = {}, extra: Partial<AnalysisRun["spec"]> = {}): AnalysisRun {
  return {
    metadata: { name: "r" },
    spec: {
      metrics: [
        {
          name: "m",
          interval: "2s",
          successCondition: "result[0] >= 0.95",
          provider: { prometheus: { address: "http://p", query: "q" } },
          ...m,
        },
      ],
      ...extra,
    },
    status: { startedAt: at(0) },
  };
}
