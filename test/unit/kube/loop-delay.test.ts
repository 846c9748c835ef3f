import assert from "node:assert/strict";
import { setTimeout as wait } from "node:timers/promises";
import { LoopDelayMonitor } from "../../../controller/loop-delay.js";
import { createMetrics } from "../../../controller/metrics.js";

/** A monitor on a hand-driven clock and timer (resolution 10 ms). */
function driven(idleAfterMs = 2_000) {
  let now = 1_000;
  let tick: (() => void) | undefined;
  let timersStarted = 0;
  const monitor = new LoopDelayMonitor({
    resolutionMs: 10,
    idleAfterMs,
    now: () => now,
    every: (fn) => {
      timersStarted++;
      tick = fn;
      return { cancel: () => (tick = undefined) };
    },
  });
  return {
    monitor,
    /** Time passes; the timer fires once at the end (late if `ms` is more than its 10 ms). */
    advance(ms: number) {
      now += ms;
      tick?.();
    },
    timerArmed: () => tick !== undefined,
    timersStarted: () => timersStarted,
  };
}

describe("LoopDelayMonitor: the event-loop delay is sampled only while there is work", () => {
  it("is off (no timer) until the first work", () => {
    const d = driven();
    assert.equal(d.monitor.running, false);
    assert.equal(d.timerArmed(), false);
  });

  it("records how late its timer fired", () => {
    const d = driven();
    d.monitor.working();
    d.advance(10); // on time
    d.advance(160); // 150 ms late: a stall
    assert.equal(d.monitor.histogram.count, 2);
    // The histogram keeps 3 significant figures.
    assert.ok(Math.abs(d.monitor.histogram.max - 150e6) < 150e6 * 0.001, `max ${d.monitor.histogram.max} ns`);
    assert.equal(d.monitor.histogram.min, 1, "on time records the histogram's floor, 1 ns");
  });

  it("stops its timer once no work came for idleAfterMs", () => {
    const d = driven(2_000);
    d.monitor.working();
    for (let t = 0; t < 1_990; t += 10) d.advance(10);
    assert.equal(d.monitor.running, true, "just under 2 s after the work it still samples");
    d.advance(10);
    assert.equal(d.monitor.running, false);
    assert.equal(d.timerArmed(), false, "no timer is left to wake an idle process");
  });

  it("keeps one timer while work keeps coming, and after a pause records no delay for the pause", () => {
    const d = driven(2_000);
    d.monitor.working();
    for (let i = 0; i < 300; i++) {
      d.advance(10);
      d.monitor.working();
    }
    assert.equal(d.timersStarted(), 1, "repeated work does not start a second timer");
    for (let t = 0; t < 2_000; t += 10) d.advance(10);
    assert.equal(d.monitor.running, false);
    d.advance(60_000); // a minute idle: no timer, nothing fires
    d.monitor.working();
    assert.equal(d.timersStarted(), 2);
    d.advance(10);
    assert.ok(
      d.monitor.histogram.max < 1e6,
      `max ${d.monitor.histogram.max} ns: the idle minute is not a delay`,
    );
  });
});

describe("kestrel_nodejs_eventloop_lag_*: served from the on-demand monitor", () => {
  const figure = (text: string, name: string): number =>
    Number(new RegExp(`^kestrel_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1]);

  it("a stall during work shows in the max lag, each figure appears once, and the scrape resets it", async () => {
    const metrics = createMetrics();
    metrics.loopDelay.working();
    await wait(30); // the 10 ms sampling timer has fired a few times
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
