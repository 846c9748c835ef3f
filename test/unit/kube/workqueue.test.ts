import assert from "node:assert/strict";
import { WorkQueue } from "../../../controller/kube/workqueue.js";

/** A fake timer wheel so delays are driven by the test, not the clock. */
function fakeTimers() {
  let now = 0;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  return {
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((t) => !t.cancelled && t.at <= now)) {
        t.cancelled = true;
        t.fn();
      }
    },
    now: () => now,
  };
}

/** Takes every queued key, marking each done, in the order workers would get them. */
async function drain(q: WorkQueue): Promise<string[]> {
  const order: string[] = [];
  while (q.length > 0) {
    const key = (await q.get())!;
    order.push(key);
    q.done(key);
  }
  return order;
}

describe("WorkQueue", () => {
  it("de-duplicates a key added several times before it is taken", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    assert.equal(q.length, 2);
    assert.equal(await q.get(), "ns/a");
    assert.equal(await q.get(), "ns/b");
  });

  it("never hands a key in progress to a second worker, and re-queues it on done if it changed meanwhile", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    const key = await q.get();
    q.add("ns/a");
    assert.equal(q.length, 0, "not queued while in progress");
    q.done(key!);
    assert.equal(q.length, 1, "queued again after done");
    assert.equal(await q.get(), "ns/a");
  });

  it("does not re-queue a key that did not change while in progress", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    q.done((await q.get())!);
    assert.equal(q.length, 0);
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add("ns/late");
    assert.equal(await pending, "ns/late");
  });

  it("keeps the earliest of several delayed adds", () => {
    const t = fakeTimers();
    const q = new WorkQueue({ setTimer: t.setTimer });
    q.addAfter("ns/a", 5_000, t.now());
    q.addAfter("ns/a", 1_000, t.now());
    q.addAfter("ns/a", 9_000, t.now());
    t.advance(999);
    assert.equal(q.length, 0);
    t.advance(1);
    assert.equal(q.length, 1);
    t.advance(10_000);
    assert.equal(q.length, 1, "the cancelled later timers do not add it again");
  });

  const backoffCases: [number, number][] = [
    [0, 5],
    [1, 10],
    [4, 80],
    [20, 60_000],
  ];
  for (const [failures, expected] of backoffCases) {
    it(`backs off ${expected}ms after ${failures} failures`, () => {
      assert.equal(new WorkQueue().backoffMs(failures), expected);
    });
  }

  it("waits twice as long after each further failure of a key, and from the base again after forget", async () => {
    const t = fakeTimers();
    const q = new WorkQueue({ setTimer: t.setTimer, baseDelayMs: 100 });
    // Hand-derived delays for base 100: 100, 200, 400; then forget; then 100 again.
    for (const delay of [100, 200, 400]) {
      q.addRateLimited("ns/a");
      t.advance(delay - 1);
      assert.equal(q.length, 0, `not back before ${delay}ms`);
      t.advance(1);
      assert.equal(q.length, 1, `back after ${delay}ms`);
      q.done((await q.get())!);
    }
    q.forget("ns/a");
    q.addRateLimited("ns/a");
    t.advance(100);
    assert.equal(q.length, 1, "from the base delay again");
  });

  it("grows the delay per failure and resets it on forget", () => {
    const t = fakeTimers();
    const q = new WorkQueue({ setTimer: t.setTimer, baseDelayMs: 100 });
    q.addRateLimited("ns/a");
    q.addRateLimited("ns/a");
    assert.equal(q.numRequeues("ns/a"), 2);
    q.forget("ns/a");
    assert.equal(q.numRequeues("ns/a"), 0);
  });

  it("releases waiting workers with undefined on shutdown", async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    assert.equal(await pending, undefined);
    q.add("ns/a");
    assert.equal(q.length, 0, "adds after shutdown are dropped");
  });
  describe("low priority (the periodic resync)", () => {
    it("serves every normally added key before any resync key, whatever the order they came in", async () => {
      const q = new WorkQueue();
      q.addLowPriority("ns/r1");
      q.addLowPriority("ns/r2");
      q.add("ns/change");
      q.addLowPriority("ns/r3");
      assert.deepEqual(await drain(q), ["ns/change", "ns/r1", "ns/r2", "ns/r3"]);
    });

    it("moves a resync key ahead when a change adds it, and hands it out once", async () => {
      const q = new WorkQueue();
      q.addLowPriority("ns/r1");
      q.addLowPriority("ns/r2");
      q.add("ns/r2");
      assert.equal(q.length, 2);
      assert.deepEqual(await drain(q), ["ns/r2", "ns/r1"]);
    });

    it("does not queue a key again that is already queued or in progress", async () => {
      const q = new WorkQueue();
      q.add("ns/a");
      q.addLowPriority("ns/a");
      assert.equal(q.length, 1);
      const key = (await q.get())!;
      q.addLowPriority(key);
      q.done(key);
      assert.equal(q.length, 0, "a resync of a key in progress is satisfied by that reconcile");
    });

    it("skips the stale place of a promoted key when the resync queues it again", async () => {
      const q = new WorkQueue();
      q.addLowPriority("ns/a");
      q.addLowPriority("ns/b");
      q.add("ns/a");
      const first = (await q.get())!;
      q.done(first);
      q.addLowPriority("ns/a");
      assert.deepEqual([first, ...(await drain(q))], ["ns/a", "ns/b", "ns/a"]);
    });

    it("hands a resync key straight to a waiting worker", async () => {
      const q = new WorkQueue();
      const waiting = q.get();
      q.addLowPriority("ns/a");
      assert.equal(await waiting, "ns/a");
    });
  });

  describe("urgent (a person's change not yet acted on)", () => {
    it("serves urgent keys first, in arrival order, then normal keys, then resync keys", async () => {
      const q = new WorkQueue();
      q.addLowPriority("ns/r");
      q.add("ns/echo1");
      q.addUrgent("ns/change1");
      q.add("ns/echo2");
      q.addUrgent("ns/change2");
      assert.deepEqual(await drain(q), ["ns/change1", "ns/change2", "ns/echo1", "ns/echo2", "ns/r"]);
    });

    it("moves a queued normal or resync key up, once", async () => {
      const q = new WorkQueue();
      q.add("ns/a");
      q.add("ns/b");
      q.addLowPriority("ns/c");
      q.addUrgent("ns/b");
      q.addUrgent("ns/c");
      q.addUrgent("ns/b");
      assert.equal(q.length, 3);
      assert.deepEqual(await drain(q), ["ns/b", "ns/c", "ns/a"]);
    });

    it("keeps an urgent key urgent when a normal add comes after it", async () => {
      const q = new WorkQueue();
      q.add("ns/a");
      q.addUrgent("ns/b");
      q.add("ns/b");
      assert.deepEqual(await drain(q), ["ns/b", "ns/a"]);
    });

    const whileInProgress: [string, (q: WorkQueue) => void, string[]][] = [
      ["made urgent: ahead of normal keys", (q) => q.addUrgent("ns/a"), ["ns/a", "ns/b"]],
      ["changed, with no urgent add: in turn", (q) => q.add("ns/a"), ["ns/b", "ns/a"]],
    ];
    for (const [name, change, order] of whileInProgress) {
      it(`re-queues a key ${name} while in progress, on done`, async () => {
        const q = new WorkQueue();
        q.add("ns/a");
        const key = (await q.get())!;
        q.add("ns/b");
        change(q);
        assert.equal(q.length, 1, "not queued while in progress");
        q.done(key);
        assert.deepEqual(await drain(q), order);
      });
    }

    it("counts as waiting only urgent keys no worker has taken yet", async () => {
      const q = new WorkQueue();
      q.add("ns/echo");
      q.addLowPriority("ns/resync");
      assert.equal(q.urgentWaiting, 0, "normal and resync keys are not people's changes");
      q.addUrgent("ns/a");
      q.addUrgent("ns/b");
      assert.equal(q.urgentWaiting, 2);
      const a = (await q.get())!;
      assert.equal(q.urgentWaiting, 1, "the one being processed no longer waits");
      q.addUrgent(a);
      assert.equal(q.urgentWaiting, 1, "made urgent again while in progress: not waiting until done");
      q.done(a);
      assert.equal(q.urgentWaiting, 2, "requeued on done, urgent");
    });

    it("hands an urgent key straight to a waiting worker", async () => {
      const q = new WorkQueue();
      const waiting = q.get();
      q.addUrgent("ns/a");
      assert.equal(await waiting, "ns/a");
      q.done("ns/a");
      assert.equal(q.length, 0);
    });
  });
});
