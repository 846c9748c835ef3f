import type { BenchContext } from "./cluster.js";
import { waitUntil } from "./log.js";
import { mapLimit } from "./pool.js";
import { imageOf, isSettled, setImage } from "./rollouts.js";
import type { ReplicaSetTimeline, RolloutTimeline } from "./timelines.js";

/** One image change and what followed it, each moment as this process received it. */
export interface ImageChange {
  rollout: string;
  image: string;
  sentAt: number;
  /** The API server's answer to the patch: the change is stored, the controller may see it. */
  respondedAt: number;
  /** The new ReplicaSet's first appearance in the watch: the controller reacted. */
  createdAt?: number;
  /** The Rollout Healthy on the new image, every replica available (sampled every 50 ms). */
  settledAt?: number;
}

/** Sends the patches at once (or `concurrency` at a time) and returns when the API server has answered all. */
export async function changeImages(
  ctx: BenchContext,
  namespace: string,
  names: readonly string[],
  image: string,
  concurrency = names.length,
): Promise<ImageChange[]> {
  return mapLimit(names, concurrency, async (rollout) => {
    const sentAt = Date.now();
    await setImage(ctx.kc, namespace, rollout, image);
    return { rollout, image, sentAt, respondedAt: Date.now() };
  });
}

/** Waits until every change's Rollout is Healthy on the new image, filling in createdAt and settledAt. */
export async function awaitChanges(
  changes: ImageChange[],
  namespace: string,
  replicaSets: ReplicaSetTimeline,
  rollouts: RolloutTimeline,
  timeoutMs: number,
  onProgress?: (settled: number) => void,
): Promise<void> {
  await waitUntil(
    `${changes.length} image change(s) to be rolled out`,
    () => {
      let settled = 0;
      for (const c of changes) {
        c.createdAt ??= replicaSets.firstEvent(c.rollout, c.sentAt, (s) => s.image === c.image)?.at;
        if (c.settledAt === undefined) {
          const r = rollouts.watch.get(c.rollout, namespace);
          if (r && imageOf(r) === c.image && isSettled(r)) c.settledAt = Date.now();
        }
        if (c.settledAt !== undefined) settled++;
      }
      onProgress?.(settled);
      return settled === changes.length || undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

export const reactionMs = (c: ImageChange): number => (c.createdAt ?? NaN) - c.respondedAt;
export const settleMs = (c: ImageChange): number => (c.settledAt ?? NaN) - c.respondedAt;
