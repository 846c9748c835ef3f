import type { ApiRequestCounts } from "./audit.js";
import type { BenchContext } from "./cluster.js";
import type { BenchController } from "./controller.js";
import { awaitChanges, changeImages, reactionMs, settleMs } from "./image-changes.js";
import { log, sleep } from "./log.js";
import type { ProcSampler, WindowUsage } from "./proc-stats.js";
import { markReconciles, reconcilesBetween, type ReconcileWindow } from "./reconciles.js";
import { image } from "./rollouts.js";
import { summarize, type Summary } from "./stats.js";
import type { ReplicaSetTimeline, RolloutTimeline } from "./timelines.js";

/** One soak interval: the process's footprint and how fast it still reacts. */
export interface SoakInterval {
  index: number;
  startedAt: string;
  usage: WindowUsage;
  heapUsedMiB: number;
  reconciles: ReconcileWindow;
  /** Image change -> new ReplicaSet in the watch, for this interval's probe changes. */
  probeReactionMs: Summary;
  probeSettleMs: Summary;
  api: ApiRequestCounts;
}

export interface SoakOptions {
  minutes: number;
  intervalSeconds: number;
  /** Rollouts whose image changes at the start of each interval. */
  probe: number;
}

/**
 * Runs for `minutes`, and at the start of every interval changes the image of `probe` Rollouts
 * (a different few each time) and measures the reaction; at its end records RSS, CPU, heap, the
 * reconcile histogram and the API requests of the interval. Flat columns are the claim.
 */
export async function soak(
  ctx: BenchContext,
  ns: string,
  names: readonly string[],
  controller: BenchController,
  sampler: ProcSampler,
  timelines: { replicaSets: ReplicaSetTimeline; rollouts: RolloutTimeline },
  o: SoakOptions,
): Promise<SoakInterval[]> {
  const intervals: SoakInterval[] = [];
  const count = Math.max(1, Math.round((o.minutes * 60) / o.intervalSeconds));
  const ms = o.intervalSeconds * 1000;
  for (let i = 0; i < count; i++) {
    const start = Date.now();
    // Long soaks would otherwise keep every watch event; what came before this interval is done with.
    timelines.replicaSets.compact(start - ms);
    timelines.rollouts.compact(start - ms);
    const mark = await markReconciles(controller);
    const audit = ctx.audit.mark(start);
    const probe = Array.from(
      { length: Math.min(o.probe, names.length) },
      (_, k) => names[(i * o.probe + k) % names.length]!,
    );
    const changes = await changeImages(ctx, ns, probe, image(`soak-${i}`));
    try {
      await awaitChanges(
        changes,
        ns,
        timelines.replicaSets,
        timelines.rollouts,
        Math.max(1_000, start + ms - Date.now()),
      );
    } catch {
      log(`soak interval ${i + 1}: not every probe change finished within the interval`);
    }
    const left = start + ms - Date.now();
    if (left > 0) await sleep(left);
    const end = Date.now();
    const after = await markReconciles(controller);
    const interval: SoakInterval = {
      index: i + 1,
      startedAt: new Date(start).toISOString(),
      usage: sampler.window(start, end),
      heapUsedMiB: after.heapUsedBytes / 2 ** 20,
      reconciles: reconcilesBetween(mark, after),
      probeReactionMs: summarize(changes.map(reactionMs).filter(Number.isFinite)),
      probeSettleMs: summarize(changes.map(settleMs).filter(Number.isFinite)),
      api: ctx.audit.count(audit, end),
    };
    intervals.push(interval);
    log(
      `soak ${i + 1}/${count}: RSS ${interval.usage.rssLastMiB.toFixed(1)} MiB, CPU ${(interval.usage.cpuCores * 100).toFixed(1)}%, ` +
        `reconcile p99 ${(interval.reconciles.p99 * 1000).toFixed(1)} ms, longest event-loop stall ${(interval.reconciles.eventLoopLagMax * 1000).toFixed(0)} ms, probe reaction p50 ${(interval.probeReactionMs.median / 1000).toFixed(3)} s`,
    );
  }
  return intervals;
}
