import assert from "node:assert/strict";
import { createMetrics } from "../../../controller/metrics.js";

const phaseLines = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => l.startsWith("kestrel_rollouts{"))
    .sort();

describe("kestrel_rollouts: counted when scraped, not on a timer", () => {
  it("reports what the source holds at each scrape, and drops a phase no Rollout is in any more", async () => {
    const metrics = createMetrics();
    let counts = new Map([
      ["Healthy", 3],
      ["Progressing", 1],
    ]);
    metrics.countPhasesWith(() => counts);
    assert.deepEqual(phaseLines(await metrics.registry.metrics()), [
      'kestrel_rollouts{phase="Healthy"} 3',
      'kestrel_rollouts{phase="Progressing"} 1',
    ]);
    counts = new Map([["Healthy", 4]]);
    assert.deepEqual(phaseLines(await metrics.registry.metrics()), ['kestrel_rollouts{phase="Healthy"} 4']);
  });

  it("reports no phase before a source is set", async () => {
    assert.deepEqual(phaseLines(await createMetrics().registry.metrics()), []);
  });
});
