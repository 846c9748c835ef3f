import assert from "node:assert/strict";
import { setTimeout as wait } from "node:timers/promises";
import { LoopDelayMonitor } from "../../../controller/loop-delay.js";
import { createMetrics } from "../../../controller/metrics.js";

/** A monitor on a hand-driven clock and timer, recording what it asked of its histogram. */
function driven(idleAfterMs = 2_000) {
  let now = 1_000;
  const calls: string[] = [];
  let tick: (() => void) | undefined;
  const monitor = new LoopDelayMonitor({
    idleAfterMs,
    now: () => now,
    every: (fn) => {
      tick = fn;
      return { cancel: () => (tick = undefined) };
    },
    histogram: { enable: () => (calls.push("enable"), true), disable: () => (calls.push("disable"), true) },
  });
  return {
    monitor,
    calls,
    advance(ms: number) {
      now += ms;
      tick?.();
    },
    timerArmed: () => tick !== undefined,
  };
}

describe("LoopDelayMonitor: the event-loop delay monitor runs only while there is work", () => {
  it("is off (no timer, no monitor) until the first work", () => {
    const d = driven();
    assert.equal(d.monitor.running, false);
    assert.equal(d.timerArmed(), false);
    assert.deepEqual(d.calls, []);
  });

  it("starts on work and pauses once no work came for idleAfterMs, timer and all", () => {
    const d = driven(2_000);
    d.monitor.working();
    assert.deepEqual(d.calls, ["enable"]);
    d.advance(1_000);
    assert.equal(d.monitor.running, true, "1 s after the work it still runs");
    d.advance(1_000);
    assert.equal(d.monitor.running, false);
    assert.equal(d.timerArmed(), false, "no timer is left to wake an idle process");
    assert.deepEqual(d.calls, ["enable", "disable"]);
  });

  it("keeps running while work keeps coming, and starts again after a pause", () => {
    const d = driven(2_000);
    d.monitor.working();
    for (let i = 0; i < 5; i++) {
      d.advance(1_500);
      d.monitor.working();
    }
    assert.equal(d.monitor.running, true);
    assert.deepEqual(d.calls, ["enable"], "repeated work does not re-enable");
    d.advance(2_000);
    assert.equal(d.monitor.running, false);
    d.monitor.working();
    assert.deepEqual(d.calls, ["enable", "disable", "enable"]);
  });
});

describe("kestrel_nodejs_eventloop_lag_*: served from the on-demand monitor", () => {
  const figure = (text: string, name: string): number =>
    Number(new RegExp(`^kestrel_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1]);

  it("a stall during work shows in the max lag, each figure appears once, and the scrape resets it", async () => {
    const metrics = createMetrics();
    metrics.loopDelay.working();
    await wait(30); // the monitor's 10 ms timer has fired a few times
    const until = Date.now() + 150;
    while (Date.now() < until); // a 150 ms stall of the event loop
    await wait(30);
    const text = await metrics.registry.metrics();
    for (const name of ["min", "max", "mean", "stddev", "p50", "p90", "p99"])
      assert.equal(
        text.split("\n").filter((l) => l.startsWith(`kestrel_nodejs_eventloop_lag_${name}_seconds `)).length,
        1,
        name,
      );
    // A lower bound only: a loaded machine can make the stall look longer, never shorter.
    assert.ok(figure(text, "max") >= 0.14, `max lag ${figure(text, "max")} s after a 150 ms stall`);
    const next = await metrics.registry.metrics();
    assert.ok(figure(next, "max") < 0.14, "the scrape reset the histogram");
  });

  it("reports 0, not a sentinel, when no work ran since the last scrape", async () => {
    const text = await createMetrics().registry.metrics();
    assert.equal(figure(text, "max"), 0);
    assert.equal(figure(text, "min"), 0);
  });
});
