import type { ApiRequestCounts } from "./audit.js";
import type { BenchContext } from "./cluster.js";
import type { BenchController, StartTimes } from "./controller.js";
import { changeImages } from "./image-changes.js";
import { sleep, waitUntil } from "./log.js";
import { sumOf } from "./prom-text.js";
import { image } from "./rollouts.js";
import { summarize, type Summary } from "./stats.js";
import type { ReplicaSetTimeline } from "./timelines.js";

/** One SIGKILL and start, with a Rollout changed while the controller was down. */
export interface RestartRun extends StartTimes {
  /** The Rollout whose image changed while the controller was down. */
  changed: string;
  /** Spawn to that Rollout's new ReplicaSet in a watch: the first reconcile of a changed Rollout. */
  firstReconcileMs: number;
  /** Spawn to every Rollout reconciled by the new process and its queue empty. */
  syncedMs: number;
}

export interface RestartResult {
  runs: RestartRun[];
  firstLogMs: Summary;
  readyMs: Summary;
  firstReconcileMs: Summary;
  syncedMs: Summary;
  /** API requests from the first restart's kill to every Rollout reconciled (audit log). */
  api: ApiRequestCounts;
}

/**
 * SIGKILL (a crash, an eviction: no shutdown hook runs), change one Rollout's image while nothing
 * watches, start again; `count` times, each with another Rollout taken from the end of the list
 * (the last a list-order start would reach). Median over the runs, as the issue asks.
 */
export async function measureRestarts(
  ctx: BenchContext,
  ns: string,
  names: readonly string[],
  controller: BenchController,
  replicaSets: ReplicaSetTimeline,
  count: number,
): Promise<RestartResult> {
  const runs: RestartRun[] = [];
  let api: ApiRequestCounts | undefined;
  for (let i = 0; i < count; i++) {
    const changed = names[names.length - 1 - (i % names.length)]!;
    const newImage = image(`restart-${i}`);
    const audit = ctx.audit.mark();
    await controller.kill();
    await changeImages(ctx, ns, [changed], newImage);
    const times = await controller.start();
    const spawnedAt = controller.spawnedAt;
    const created = await waitUntil(
      `${changed}'s new ReplicaSet after the restart`,
      () => replicaSets.firstEvent(changed, spawnedAt, (s) => s.image === newImage)?.at,
      { timeoutMs: 10 * 60_000, intervalMs: 20 },
    );
    const synced = await waitUntil(
      "every rollout reconciled after the restart",
      async () => {
        const m = await controller.metrics();
        const done = sumOf(m, "kestrel_reconciles_total", { kind: "Rollout", result: "success" });
        const depth = sumOf(m, "kestrel_workqueue_depth", { kind: "Rollout" });
        return done >= names.length && depth === 0 ? Date.now() : undefined;
      },
      { timeoutMs: 10 * 60_000, intervalMs: 100 },
    );
    api ??= ctx.audit.count(audit, synced);
    runs.push({ ...times, changed, firstReconcileMs: created - spawnedAt, syncedMs: synced - spawnedAt });
    // The new process's own start-up work (GC, lazily compiled code) settles before the next kill.
    await sleep(2_000);
  }
  const of = (pick: (r: RestartRun) => number): Summary => summarize(runs.map(pick));
  return {
    runs,
    firstLogMs: of((r) => r.firstLogMs),
    readyMs: of((r) => r.readyMs),
    firstReconcileMs: of((r) => r.firstReconcileMs),
    syncedMs: of((r) => r.syncedMs),
    api: api!,
  };
}
