/**
 * The benchmarks at small sizes, so CI runs the same code and it cannot rot. It prints the
 * same tables and writes the same JSON, and asserts nothing about times: a shared CI machine's
 * figures are not the project's figures.
 *
 *   npm run bench:quick
 */
import { isMain, runMain } from "./lib/cli.js";
import { localBenchContext, type BenchContext } from "./lib/cluster.js";
import { groupDefaults, runGroup, type GroupOptions, type GroupResult } from "./group.js";
import { log } from "./lib/log.js";
import { rollbackDefaults, runRollback, type RollbackOptions, type RollbackResult } from "./rollback.js";
import { runScale, scaleDefaults, type ScaleOptions, type ScaleResult } from "./scale.js";
import {
  runThroughput,
  throughputDefaults,
  type ThroughputOptions,
  type ThroughputResult,
} from "./throughput.js";

export const quickSizes: {
  rollback: RollbackOptions;
  scale: ScaleOptions;
  throughput: ThroughputOptions;
  group: GroupOptions;
} = {
  rollback: { ...rollbackDefaults, count: 2, replicas: 4 },
  // A short resync so the steady window sees the periodic resync it would see at full length.
  scale: {
    ...scaleDefaults,
    rollouts: 20,
    replicas: 1,
    steadySeconds: 10,
    burst: 5,
    soakMinutes: 0.5,
    soakIntervalSeconds: 10,
    probe: 2,
    resyncSeconds: 5,
    restarts: 2,
    idleSeconds: 2,
  },
  throughput: { ...throughputDefaults, canaries: 5, replicas: 4, pause: "1s" },
  group: { ...groupDefaults, members: [3], count: 1 },
};

export interface QuickResults {
  rollback: RollbackResult;
  scale: ScaleResult;
  throughput: ThroughputResult;
  group: GroupResult;
}

export async function runQuick(ctx: BenchContext): Promise<QuickResults> {
  log("bench:quick: rollback");
  const rollback = await runRollback(ctx, quickSizes.rollback);
  log("bench:quick: scale");
  const scale = await runScale(ctx, quickSizes.scale);
  log("bench:quick: throughput");
  const throughput = await runThroughput(ctx, quickSizes.throughput);
  log("bench:quick: group");
  const group = await runGroup(ctx, quickSizes.group);
  return { rollback, scale, throughput, group };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    await runQuick(await localBenchContext());
  });
}
