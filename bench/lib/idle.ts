import fs from "node:fs";
import type { BenchController } from "./controller.js";
import { phase, sleep, waitUntil } from "./log.js";
import { cpuSeconds, type ProcSampler, type WindowUsage } from "./proc-stats.js";
import { markReconciles } from "./reconciles.js";

export interface IdleResult {
  /** The window with no resync in it: what an idle controller costs. */
  usage: WindowUsage;
  /** Reconciles that finished inside the window (0 when nothing changed and no resync fell in it). */
  reconciles: number;
  /** Times the main thread went to sleep and woke up, per second (/proc voluntary context switches). */
  mainThreadWakeupsPerSecond: number;
  /** The periodic resync that followed the window, measured on its own. */
  resync: { reconciles: number; seconds: number; cpuSeconds: number };
}

/** The main thread's voluntary context switches: each is one sleep in epoll, so one wake-up. */
function wakeups(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/task/${pid}/status`, "utf8");
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

/**
 * An idle window of `seconds` placed just before one of the controller's periodic resyncs (they
 * fall every `resyncMs` after its workers started, i.e. about when /readyz first answered), so no
 * resync falls inside it; then that resync, until the queue is empty again, with its CPU beyond
 * the idle rate. Nothing scrapes the controller inside the window (a scrape is work).
 */
export async function measureIdleAndResync(
  controller: BenchController,
  sampler: ProcSampler,
  seconds: number,
  resyncMs: number,
  rollouts: number,
): Promise<IdleResult> {
  const windowMs = seconds * 1000;
  // Clear of the resync on both sides (its timer started within a few ms of /readyz answering).
  const marginMs = Math.min(3_000, resyncMs / 10);
  if (windowMs + 2 * marginMs > resyncMs)
    throw new Error(`an idle window of ${seconds}s does not fit between resyncs ${resyncMs / 1000}s apart`);
  let resyncAt = controller.readyAt + resyncMs;
  while (resyncAt - marginMs - windowMs < Date.now()) resyncAt += resyncMs;
  const start = resyncAt - marginMs - windowMs;
  await phase(`waiting ${Math.round((start - Date.now()) / 1000)}s for an idle window before a resync`, () =>
    sleep(start - Date.now()),
  );
  const pid = controller.pid;
  const before = await markReconciles(controller);
  const w0 = wakeups(pid);
  const from = Date.now();
  sampler.sample();
  await phase(`idle for ${seconds}s`, () => sleep(windowMs));
  sampler.sample();
  const to = Date.now();
  const w1 = wakeups(pid);
  const after = await markReconciles(controller);

  // The resync: from the end of the window until every Rollout has been reconciled again and no
  // reconcile has finished for 3 s; its CPU is what it took beyond the idle rate.
  const usage = sampler.window(from, to);
  const cpu0 = cpuSeconds(pid);
  const r0 = Date.now();
  let last = after.reconciles;
  let quietSince = Date.now();
  const end = await waitUntil(
    "the periodic resync to run and finish",
    async () => {
      const m = await markReconciles(controller);
      if (m.reconciles !== last) {
        last = m.reconciles;
        quietSince = Date.now();
      }
      return last - after.reconciles >= rollouts && Date.now() - quietSince >= 3_000 ? quietSince : undefined;
    },
    { timeoutMs: resyncMs + 10 * 60_000, intervalMs: 500 },
  );
  const resyncSeconds = (end - r0) / 1000;
  return {
    usage,
    reconciles: after.reconciles - before.reconciles,
    mainThreadWakeupsPerSecond: (w1 - w0) / ((to - from) / 1000),
    resync: {
      reconciles: last - after.reconciles,
      seconds: resyncSeconds,
      cpuSeconds: cpuSeconds(pid) - cpu0 - usage.cpuCores * ((Date.now() - r0) / 1000),
    },
  };
}
