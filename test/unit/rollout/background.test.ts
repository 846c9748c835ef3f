import assert from "node:assert/strict";
import type { AnalysisRun, Measurement } from "../../../controller/api/analysis.js";
import { judgeBackground } from "../../../controller/rollout/background.js";

/** A background run with metrics "a" and "b"; each gets the measurements given (phases, oldest first). */
function bg(
  phase: string | undefined,
  measured: Record<string, string[]>,
  dryRun: string[] = [],
): AnalysisRun {
  const m = (name: string) => ({
    name,
    successCondition: "result[0] > 0",
    provider: { prometheus: { address: "http://p", query: "q" } },
  });
  const results = Object.entries(measured).map(([name, phases]) => ({
    name,
    phase: "Running",
    measurements: phases.map((p, i): Measurement => ({
      phase: p,
      scheduledAt: `2026-01-01T00:00:0${i}Z`,
      message: `${p.toLowerCase()} #${i + 1}`,
    })),
    count: phases.length,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
  }));
  return {
    metadata: { name: "web-abc-0-bg" },
    spec: { metrics: [m("a"), m("b")], dryRun: dryRun.map((metricName) => ({ metricName })) },
    status: { ...(phase ? { phase } : {}), message: "no data", metricResults: results },
  };
}

describe("judgeBackground: may the canary move on what the background analysis says now?", () => {
  const cases: [string, AnalysisRun | undefined, boolean, ReturnType<typeof judgeBackground>][] = [
    ["no run yet", undefined, false, { state: "clear" }],
    ["Inconclusive, not accepted", bg("Inconclusive", {}), false, { state: "inconclusive", why: "no data" }],
    ["Inconclusive, accepted by a promote", bg("Inconclusive", {}), true, { state: "clear" }],
    ["Successful", bg("Successful", {}), false, { state: "clear" }],
    [
      "Running, nothing measured",
      bg("Running", {}),
      false,
      { state: "unmeasured", why: 'metric "a" has no measurement yet' },
    ],
    [
      "Pending (no status phase)",
      bg(undefined, {}),
      false,
      { state: "unmeasured", why: 'metric "a" has no measurement yet' },
    ],
    [
      "Running, a passed, b not yet",
      bg("Running", { a: ["Successful"] }),
      false,
      { state: "unmeasured", why: 'metric "b" has no measurement yet' },
    ],
    [
      "Running, both passed last",
      bg("Running", { a: ["Error", "Successful"], b: ["Successful"] }),
      false,
      { state: "clear" },
    ],
    [
      "Running, b's last an Error",
      bg("Running", { a: ["Successful"], b: ["Successful", "Error"] }),
      false,
      { state: "undecided", why: 'metric "b" last measured Error: error #2' },
    ],
    [
      "Running, a's last Failed within its limit, b unmeasured",
      bg("Running", { a: ["Failed"] }),
      false,
      { state: "undecided", why: 'metric "a" last measured Failed: failed #1' },
    ],
    [
      "Running, an undecided metric accepted by a promote",
      bg("Running", { a: ["Error"] }),
      true,
      { state: "clear" },
    ],
    [
      "Running, only a dry-run metric undecided",
      bg("Running", { a: ["Error"], b: ["Successful"] }, ["a"]),
      false,
      { state: "clear" },
    ],
  ];
  for (const [name, run, accepted, expected] of cases) {
    it(`${name}: ${expected.state}`, () => assert.deepEqual(judgeBackground(run, accepted), expected));
  }
});
