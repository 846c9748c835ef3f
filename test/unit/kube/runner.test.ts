import assert from "node:assert/strict";
import { Runner } from "../../../controller/kube/runner.js";
import { silentLogger } from "../../../controller/log.js";
import { createMetrics } from "../../../controller/metrics.js";

describe("Runner: a resync of many keys shares the event loop", () => {
  it("lets a timer fire while thousands of reconciles that make no API call are still queued", async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `ns/r${i}`);
    let reconciled = 0;
    const runner = new Runner({
      kind: "Rollout",
      // Like a resync of Rollouts already where they should be: planned from the cache, no I/O.
      reconcile: async () => {
        reconciled++;
        return {};
      },
      workers: 16,
      log: silentLogger,
      metrics: createMetrics(),
      keys: () => keys,
      resyncMs: 3_600_000,
    });
    let doneAtTimer = -1;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        doneAtTimer = reconciled;
        resolve();
      }, 0),
    );
    runner.start();
    await timer;
    try {
      assert.ok(doneAtTimer < keys.length, `the timer waited for all ${doneAtTimer} reconciles`);
    } finally {
      await runner.stop();
    }
  });
});

describe("Runner: a reconcile that does not end is reported", () => {
  it("logs a warning naming the key once a reconcile outlasts slowReconcileMs, and none for a quick one", async () => {
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = {
      ...silentLogger,
      warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }),
    };
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const runner = new Runner({
      kind: "AnalysisRun",
      reconcile: async (key) => {
        if (key === "ns/stuck") await held;
        return {};
      },
      workers: 2,
      log,
      metrics: createMetrics(),
      keys: () => ["ns/stuck", "ns/quick"],
      resyncMs: 3_600_000,
      slowReconcileMs: 50,
    });
    runner.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(
        warnings.map((w) => [w.message, w.fields?.name]),
        [["reconcile still running; its key waits until it ends", "stuck"]],
      );
    } finally {
      release();
      await runner.stop();
    }
  });
});
