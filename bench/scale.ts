/**
 * Scale: many Rollouts under one controller. Measures, in order: RSS and CPU at steady state and
 * the API requests the API server counted for the controller's identity over that window; the
 * time from a controller restart (SIGKILL, start again) to every Rollout reconciled; reconcile
 * latency under a burst of image changes; and optionally a soak in which RSS and reconcile
 * latency must stay flat.
 *
 *   npm run bench:scale -- --rollouts=1000 --replicas=3
 *   npm run bench:scale -- --rollouts=10000 --replicas=1 --soak-minutes=60
 */
import { parseArgs } from "node:util";
import { latencyText, type ApiRequestCounts } from "./lib/audit.js";
import { replicaSetCreateFloor, type WriteFloor } from "./lib/floor.js";
import { firstListsFloor, type FirstListsFloor } from "./lib/first-lists.js";
import { intFlag, isMain, numFlag, runMain } from "./lib/cli.js";
import {
  createNamespace,
  deleteNamespace,
  ensurePodCapacity,
  localBenchContext,
  type BenchContext,
} from "./lib/cluster.js";
import { BenchController, controllerCommand, ensureBuilt } from "./lib/controller.js";
import { measureIdleAndResync, type IdleResult } from "./lib/idle.js";
import { measureRestarts, type RestartResult } from "./lib/restarts.js";
import { awaitChanges, changeImages, reactionMs, settleMs } from "./lib/image-changes.js";
import { log, phase, progress, sleep, waitUntil } from "./lib/log.js";
import { ProcSampler, type WindowUsage } from "./lib/proc-stats.js";
import { sumOf } from "./lib/prom-text.js";
import { markReconciles, reconcilesBetween, type ReconcileWindow } from "./lib/reconciles.js";
import { saveResults } from "./lib/results.js";
import { createRollouts, image, isSettled, manifest } from "./lib/rollouts.js";
import { soak, type SoakInterval } from "./lib/soak.js";
import { secs, summarize, type Summary } from "./lib/stats.js";
import { printInputs, printTable } from "./lib/table.js";
import { ReplicaSetTimeline, RolloutTimeline } from "./lib/timelines.js";
import { loadConfig } from "../controller/config.js";

/** The controller's own defaults, printed with the inputs so a figure says what it ran with. */
const controllerDefaults = loadConfig([], {});

export interface ScaleOptions {
  rollouts: number;
  replicas: number;
  /** Length of the steady-state window (RSS, CPU, API requests). */
  steadySeconds: number;
  /** Image changes sent at once for the reconcile-latency burst. */
  burst: number;
  soakMinutes: number;
  soakIntervalSeconds: number;
  /** Rollouts whose image changes at the start of each soak interval. */
  probe: number;
  /** Create requests in flight while setting up. */
  concurrency: number;
  /** Passed to the controller as --resync-seconds when set; its default (300) otherwise. */
  resyncSeconds?: number;
  /** Passed to the controller as --workers when set; its default (4) otherwise. */
  workers?: number;
  /** SIGKILL-and-start runs, each with a Rollout changed while the controller was down. */
  restarts: number;
  /** The idle window with no resync in it (CPU, wake-ups); 0 skips it and the resync after it. */
  idleSeconds: number;
}

export const scaleDefaults: ScaleOptions = {
  rollouts: 1000,
  replicas: 3,
  steadySeconds: 300,
  burst: 100,
  soakMinutes: 0,
  soakIntervalSeconds: 60,
  probe: 10,
  concurrency: 32,
  restarts: 5,
  idleSeconds: 120,
};

export interface ScaleResult {
  inputs: Record<string, unknown>;
  setup: { createSeconds: number; healthySeconds: number };
  steady: {
    usage: WindowUsage;
    heapUsedMiB: number;
    api: ApiRequestCounts;
    reconciles: ReconcileWindow;
    /** [seconds into the window, RSS MiB] every 10 s. */
    rssSeriesMiB: [number, number][];
  };
  restart: RestartResult & {
    rssAfterSyncMiB: number;
    /** The API server's floor under /readyz: a bare process sending the same first lists. */
    floor: FirstListsFloor;
  };
  idle?: IdleResult;
  burst: {
    size: number;
    reactionMs: Summary;
    settleMs: Summary;
    allSettledMs: number;
    reconciles: ReconcileWindow;
    api: ApiRequestCounts;
    /** The API server's floor: as many ReplicaSets created at once by a bare client. */
    floor: WriteFloor;
  };
  soak?: {
    intervals: SoakInterval[];
    firstVsLast: Record<string, { first: number; last: number; change: string }>;
  };
  targets: Record<string, { target: string; value: number; met: boolean }>;
  controllerLogErrors: number;
  file: string;
}

/** The targets, for the sizes it names. */
function rssTargetMiB(o: ScaleOptions): number | undefined {
  if (o.rollouts >= 10_000) return 1024;
  if (o.rollouts <= 1000) return 250;
  return undefined;
}

export async function runScale(ctx: BenchContext, o: ScaleOptions): Promise<ScaleResult> {
  ensureBuilt();
  const pods = o.rollouts * o.replicas + Math.max(o.burst, o.probe) * o.replicas;
  const nodes = await phase(`making room for ${pods} pods`, () => ensurePodCapacity(ctx, pods));
  const ns = await createNamespace(ctx, "bench-scale");
  const replicaSets = new ReplicaSetTimeline(ctx.kc, ns);
  const rollouts = new RolloutTimeline(ctx.kc, ns);
  const extraArgs = [
    ...(o.resyncSeconds !== undefined ? [`--resync-seconds=${o.resyncSeconds}`] : []),
    ...(o.workers !== undefined ? [`--workers=${o.workers}`] : []),
  ];
  const controller = new BenchController({
    kubeconfig: ctx.controllerKubeconfig,
    namespaces: [ns],
    extraArgs,
  });
  const sampler = new ProcSampler(() => controller.pid, 1_000);
  try {
    await Promise.all([replicaSets.start(), rollouts.start()]);
    await phase("starting the controller", () => controller.start());
    sampler.start();

    // Setup: N Rollouts without steps, so an image change goes straight to full scale (surge 25%).
    const names = Array.from({ length: o.rollouts }, (_, i) => `sc-${String(i).padStart(5, "0")}`);
    const t0 = Date.now();
    await phase(`creating ${o.rollouts} rollouts of ${o.replicas} replicas`, () =>
      createRollouts(
        ctx.kc,
        ns,
        names.map((n) => manifest(n, { replicas: o.replicas, steps: [] })),
        o.concurrency,
      ),
    );
    const createSeconds = (Date.now() - t0) / 1000;
    const tick = progress("rollouts Healthy", o.rollouts, 10_000);
    await phase("waiting for every rollout to be Healthy", () =>
      waitUntil(
        "every rollout Healthy",
        () => {
          const n = rollouts.watch.list().filter(isSettled).length;
          tick(n);
          return n === o.rollouts || undefined;
        },
        { timeoutMs: 10 * 60_000 + o.rollouts * 100, intervalMs: 1_000 },
      ),
    );
    const healthySeconds = (Date.now() - t0) / 1000;

    // Steady state: nothing changes; the controller should hold its memory and make no requests.
    await phase("waiting for the controller to go idle", () => idle(controller));
    const steadyStart = Date.now();
    const steadyAudit = ctx.audit.mark(steadyStart);
    const steadyMark = await markReconciles(controller);
    await phase(`steady state for ${o.steadySeconds}s`, async () => {
      const end = steadyStart + o.steadySeconds * 1000;
      while (Date.now() < end) {
        await sleep(Math.min(30_000, end - Date.now()));
        const last = sampler.samples.at(-1);
        log(
          `  steady ${Math.round((Date.now() - steadyStart) / 1000)}/${o.steadySeconds}s, RSS ${last ? (last.rss / 2 ** 20).toFixed(1) : "?"} MiB`,
        );
      }
    });
    const steadyEnd = Date.now();
    const steadyAfter = await markReconciles(controller);
    const steady = {
      usage: sampler.window(steadyStart, steadyEnd),
      heapUsedMiB: steadyAfter.heapUsedBytes / 2 ** 20,
      api: ctx.audit.count(steadyAudit, steadyEnd),
      reconciles: reconcilesBetween(steadyMark, steadyAfter),
      rssSeriesMiB: sampler.rssSeries(steadyStart, steadyEnd),
    };

    // Restart: SIGKILL, a change while down, start again; spawn to first log line, /readyz, the
    // changed Rollout's first reconcile and every Rollout reconciled, over o.restarts runs.
    const restart = await phase(`restarting the controller (SIGKILL) x${o.restarts}`, async () => {
      const r = await measureRestarts(ctx, ns, names, controller, replicaSets, o.restarts);
      const rssAfterSyncMiB = (sampler.sample()?.rss ?? NaN) / 2 ** 20;
      const floor = await firstListsFloor(ctx.controllerKubeconfig, [ns], o.restarts);
      return { ...r, rssAfterSyncMiB, floor };
    });

    // Idle: a window with no resync in it, then the resync after it, each on its own.
    const resyncMs = (o.resyncSeconds ?? controllerDefaults.resyncSeconds) * 1000;
    const idleResult =
      o.idleSeconds > 0
        ? await measureIdleAndResync(controller, sampler, o.idleSeconds, resyncMs, o.rollouts)
        : undefined;

    // Burst: image changes sent at once; latency = patch answered -> new ReplicaSet in the watch.
    const burstNames = names.slice(0, Math.min(o.burst, names.length));
    // The API server's floor for as many ReplicaSets created at once (bench/lib/floor.ts).
    const burstFloor = await replicaSetCreateFloor(ctx, burstNames.length);
    const burst = await phase(`burst of ${burstNames.length} image changes`, async () => {
      await idle(controller);
      const mark = await markReconciles(controller);
      const audit = ctx.audit.mark();
      const start = Date.now();
      const changes = await changeImages(ctx, ns, burstNames, image(2));
      const tickBurst = progress("burst rollouts Healthy on the new image", changes.length);
      await awaitChanges(changes, ns, replicaSets, rollouts, 10 * 60_000, tickBurst);
      const allSettledMs = Date.now() - start;
      await idle(controller);
      const after = await markReconciles(controller);
      return {
        size: changes.length,
        reactionMs: summarize(changes.map(reactionMs)),
        settleMs: summarize(changes.map(settleMs)),
        allSettledMs,
        reconciles: reconcilesBetween(mark, after),
        api: ctx.audit.count(audit),
        floor: burstFloor,
      };
    });

    let soakResult: ScaleResult["soak"];
    if (o.soakMinutes > 0) {
      const intervals = await phase(`soak for ${o.soakMinutes} min`, () =>
        soak(
          ctx,
          ns,
          names.slice(burstNames.length).concat(burstNames),
          controller,
          sampler,
          { replicaSets, rollouts },
          {
            minutes: o.soakMinutes,
            intervalSeconds: o.soakIntervalSeconds,
            probe: o.probe,
          },
        ),
      );
      const first = intervals[0]!;
      const last = intervals.at(-1)!;
      const cmp = (a: number, b: number): { first: number; last: number; change: string } => ({
        first: a,
        last: b,
        change: `${b - a >= 0 ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)}%`,
      });
      soakResult = {
        intervals,
        firstVsLast: {
          "RSS mean (MiB)": cmp(first.usage.rssMeanMiB, last.usage.rssMeanMiB),
          "heap used (MiB)": cmp(first.heapUsedMiB, last.heapUsedMiB),
          "reconcile p50 (ms)": cmp(first.reconciles.p50 * 1000, last.reconciles.p50 * 1000),
          "reconcile p99 (ms)": cmp(first.reconciles.p99 * 1000, last.reconciles.p99 * 1000),
          "probe reaction p50 (ms)": cmp(first.probeReactionMs.median, last.probeReactionMs.median),
        },
      };
    }

    const targets: ScaleResult["targets"] = {};
    const rssTarget = rssTargetMiB(o);
    if (rssTarget !== undefined)
      targets.rss = {
        target: `steady RSS max < ${rssTarget} MiB`,
        value: steady.usage.rssMaxMiB,
        met: steady.usage.rssMaxMiB < rssTarget,
      };
    targets.apiRequests = {
      target: "steady-state API requests beyond watches = 0",
      value: steady.api.excludingWatches,
      met: steady.api.excludingWatches === 0,
    };
    if (o.rollouts <= 1000) {
      targets.restart = {
        target: "restart-to-synced < 30 s (median)",
        value: restart.syncedMs.median / 1000,
        met: restart.syncedMs.median < 30_000,
      };
      targets.ready = {
        target: `SIGKILL + restart: spawn to /readyz < 0.3 s (median, quiet machine; floor here ${secs(restart.floor.spawnToParsedMs.median)} s)`,
        value: restart.readyMs.median / 1000,
        met: restart.readyMs.median < 300,
      };
      targets.firstReconcile = {
        target:
          "SIGKILL + restart: spawn to the changed Rollout's first reconcile < 0.6 s (median, quiet machine)",
        value: restart.firstReconcileMs.median / 1000,
        met: restart.firstReconcileMs.median < 600,
      };
      if (idleResult)
        targets.idle = {
          target: "idle CPU, no resync in the window < 0.1% of a core",
          value: idleResult.usage.cpuCores * 100,
          met: idleResult.usage.cpuCores * 100 < 0.1 && idleResult.reconciles === 0,
        };
      targets.burst = {
        target: "burst: patch to new ReplicaSet p99 < 1 s",
        value: burst.reactionMs.p99 / 1000,
        met: burst.reactionMs.p99 < 1000,
      };
    }

    const inputs = {
      rollouts: o.rollouts,
      replicas: o.replicas,
      pods: o.rollouts * o.replicas,
      steps: "none (an image change goes straight to full, maxSurge 25%)",
      namespaces: 1,
      kwokNodes: `${nodes.nodes} nodes x ${nodes.podsPerNode} pods`,
      steadySeconds: o.steadySeconds,
      burst: burstNames.length,
      restarts: o.restarts,
      idleSeconds: o.idleSeconds,
      soak:
        o.soakMinutes > 0
          ? `${o.soakMinutes} min, intervals of ${o.soakIntervalSeconds}s, ${o.probe} image changes each`
          : "none",
      controller: controllerCommand(["--namespaces=<bench ns>", ...extraArgs]),
      controlPlane: ctx.controlPlane,
      extraArgsEnv: Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k.startsWith("KESTREL_EXTRA_ARGS_")),
      ),
    };
    const result = {
      inputs,
      setup: { createSeconds, healthySeconds },
      steady,
      restart,
      idle: idleResult,
      burst,
      soak: soakResult,
      targets,
    };
    print(result);
    return saveResults("scale", controller, result);
  } finally {
    sampler.stop();
    await controller.stop();
    await Promise.all([replicaSets.stop(), rollouts.stop()]);
    await phase(`deleting namespace ${ns}`, () => deleteNamespace(ctx, ns, 30 * 60_000));
  }
}

/** Idle: the Rollout queue empty and no reconcile finishing for 3 s (what is left are timers). */
async function idle(controller: BenchController): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitUntil(
    "the controller to go idle",
    async () => {
      const m = await controller.metrics();
      const n = sumOf(m, "kestrel_reconciles_total", { kind: "Rollout" });
      const depth = sumOf(m, "kestrel_workqueue_depth", { kind: "Rollout" });
      if (n !== last || depth > 0) {
        last = n;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= 3_000 || undefined;
    },
    { timeoutMs: 10 * 60_000, intervalMs: 500 },
  );
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const ms = (seconds: number): string => (Number.isFinite(seconds) ? (seconds * 1000).toFixed(1) : "n/a");

function apiRows(api: ApiRequestCounts): [string, number][] {
  return Object.entries(api.byVerbResource).sort((a, b) => b[1] - a[1]);
}

function print(r: Omit<ScaleResult, "file" | "controllerLogErrors">): void {
  printInputs("Scale benchmark inputs", r.inputs);
  const s = r.steady;
  printTable(
    `Steady state (${f1(s.usage.seconds)} s window, ${s.usage.samples} samples)`,
    ["figure", "value"],
    [
      ["controller RSS mean (MiB, /proc VmRSS)", f1(s.usage.rssMeanMiB)],
      ["controller RSS max (MiB)", f1(s.usage.rssMaxMiB)],
      [
        "controller RSS at the window's start / end (MiB)",
        `${f1(s.usage.rssFirstMiB)} / ${f1(s.usage.rssLastMiB)}`,
      ],
      ["controller JS heap used at the end (MiB)", f1(s.heapUsedMiB)],
      ["controller CPU (% of one core, /proc utime+stime)", f1(s.usage.cpuCores * 100)],
      ["API requests / min, excluding watches (audit log)", f1(s.api.perMinute.excludingWatches)],
      ["API requests / min, including watches", f1(s.api.perMinute.includingWatches)],
      ["API requests in the window (all verbs)", s.api.total],
      ["reconciles in the window (periodic resync)", s.reconciles.count],
      ["longest event-loop stall in the window (ms)", ms(s.reconciles.eventLoopLagMax)],
      [
        "setup: create requests (s) / all Healthy (s)",
        `${f1(r.setup.createSeconds)} / ${f1(r.setup.healthySeconds)}`,
      ],
    ],
  );
  if (s.api.total > 0)
    printTable("Steady-state API requests by verb and resource", ["request", "count"], apiRows(s.api));
  printRestarts(r.restart);
  if (r.idle) printIdle(r.idle);
  const b = r.burst;
  printTable(
    `Burst of ${b.size} image changes at once (seconds unless stated)`,
    ["figure", "p50", "p99", "max"],
    [
      [
        "patch answered -> new ReplicaSet in a watch",
        secs(b.reactionMs.median),
        secs(b.reactionMs.p99),
        secs(b.reactionMs.max),
      ],
      [
        "patch answered -> Rollout Healthy on the new image",
        secs(b.settleMs.median),
        secs(b.settleMs.p99),
        secs(b.settleMs.max),
      ],
      ["controller reconcile duration (ms, its histogram)", ms(b.reconciles.p50), ms(b.reconciles.p99), "-"],
      [
        `floor: ${b.floor.writes} ReplicaSets created at once by a bare client, answered (${b.floor.rounds} rounds)`,
        secs(b.floor.answered.median),
        secs(b.floor.answered.p99),
        secs(b.floor.answered.max),
      ],
    ],
  );
  process.stdout.write(
    `burst: ${b.reconciles.count} reconciles, ${b.api.excludingWatches} API requests (${f1(b.api.excludingWatches / b.size)} per image change; API server answered in p50 / p99 ${latencyText(b.api)} ms), all Healthy after ${secs(b.allSettledMs)} s\n`,
  );
  if (r.soak) {
    printTable(
      "Soak, per interval",
      [
        "#",
        "RSS mean MiB",
        "RSS max MiB",
        "heap MiB",
        "CPU %",
        "reconciles",
        "p50 ms",
        "p99 ms",
        "loop stall ms",
        "probe p50 s",
        "probe max s",
        "req/min",
      ],
      r.soak.intervals.map((i) => [
        i.index,
        f1(i.usage.rssMeanMiB),
        f1(i.usage.rssMaxMiB),
        f1(i.heapUsedMiB),
        f1(i.usage.cpuCores * 100),
        i.reconciles.count,
        ms(i.reconciles.p50),
        ms(i.reconciles.p99),
        ms(i.reconciles.eventLoopLagMax),
        secs(i.probeReactionMs.median),
        secs(i.probeReactionMs.max),
        f1(i.api.perMinute.excludingWatches),
      ]),
    );
    printTable(
      "Soak: first interval vs last",
      ["figure", "first", "last", "change"],
      Object.entries(r.soak.firstVsLast).map(([k, v]) => [k, f1(v.first), f1(v.last), v.change]),
    );
  }
  printTable(
    "Targets",
    ["target", "value", "verdict"],
    Object.values(r.targets).map((t) => [t.target, f1(t.value), t.met ? "met" : "MISSED"]),
  );
}

function printRestarts(rs: ScaleResult["restart"]): void {
  const rows: [string, Summary][] = [
    ["spawn -> first log line", rs.firstLogMs],
    ["spawn -> /readyz (caches synced, workers started)", rs.readyMs],
    [
      `floor: a bare node process sending the same ${rs.floor.lists} lists, spawn -> all parsed (${rs.floor.rounds} rounds)`,
      rs.floor.spawnToParsedMs,
    ],
    ["spawn -> the changed Rollout's new ReplicaSet (its first reconcile)", rs.firstReconcileMs],
    ["spawn -> every Rollout reconciled, queue empty", rs.syncedMs],
  ];
  printTable(
    `Controller restart: SIGKILL, one Rollout's image changed meanwhile, start (${rs.runs.length} runs; seconds after the spawn)`,
    ["figure", "median", "min", "max"],
    rows.map(([k, v]) => [k, secs(v.median), secs(v.min), secs(v.max)]),
  );
  printTable(
    "Each restart (seconds after the spawn)",
    ["#", "code cache", "first log", "HTTP", "/readyz", "changed RS", "all reconciled", "changed"],
    rs.runs.map((x, i) => [
      i + 1,
      x.codeCache ? "yes" : "no",
      secs(x.firstLogMs),
      secs(x.servingMs),
      secs(x.readyMs),
      secs(x.firstReconcileMs),
      secs(x.syncedMs),
      x.changed,
    ]),
  );
  printTable(
    "After the restarts",
    ["figure", "value"],
    [
      ["RSS after the last restart's resync (MiB)", f1(rs.rssAfterSyncMiB)],
      ...apiRows(rs.api).map(([k, n]): [string, number] => [
        `API requests during the first restart: ${k}`,
        n,
      ]),
    ],
  );
}

function printIdle(i: IdleResult): void {
  const pct = i.usage.cpuCores * 100;
  printTable(
    `Idle: ${f1(i.usage.seconds)} s with nothing changing and no resync, then the resync after it`,
    ["figure", "value"],
    [
      ["controller CPU in the idle window (% of one core, /proc utime+stime)", pct.toFixed(3)],
      [
        "main-thread wake-ups per second in the idle window (/proc voluntary context switches)",
        f1(i.mainThreadWakeupsPerSecond),
      ],
      ["reconciles in the idle window (should be 0)", i.reconciles],
      ["resync: reconciles / seconds to the queue empty", `${i.resync.reconciles} / ${f1(i.resync.seconds)}`],
      [
        "resync: CPU beyond the idle rate (s of one core; includes the benchmark's /metrics scrapes)",
        i.resync.cpuSeconds.toFixed(2),
      ],
    ],
  );
}

export function parseScaleArgs(argv: string[]): ScaleOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rollouts: { type: "string" },
      replicas: { type: "string" },
      "steady-seconds": { type: "string" },
      burst: { type: "string" },
      "soak-minutes": { type: "string" },
      "soak-interval-seconds": { type: "string" },
      probe: { type: "string" },
      concurrency: { type: "string" },
      "resync-seconds": { type: "string" },
      workers: { type: "string" },
      restarts: { type: "string" },
      "idle-seconds": { type: "string" },
    },
    strict: true,
  });
  const d = scaleDefaults;
  const resync = values["resync-seconds"];
  return {
    rollouts: intFlag("rollouts", values.rollouts, d.rollouts),
    replicas: intFlag("replicas", values.replicas, d.replicas, 0),
    steadySeconds: numFlag("steady-seconds", values["steady-seconds"], d.steadySeconds, 1),
    burst: intFlag("burst", values.burst, d.burst),
    soakMinutes: numFlag("soak-minutes", values["soak-minutes"], d.soakMinutes),
    soakIntervalSeconds: numFlag(
      "soak-interval-seconds",
      values["soak-interval-seconds"],
      d.soakIntervalSeconds,
      1,
    ),
    probe: intFlag("probe", values.probe, d.probe),
    concurrency: intFlag("concurrency", values.concurrency, d.concurrency),
    restarts: intFlag("restarts", values.restarts, d.restarts),
    idleSeconds: numFlag("idle-seconds", values["idle-seconds"], d.idleSeconds),
    ...(resync !== undefined ? { resyncSeconds: intFlag("resync-seconds", resync, 300) } : {}),
    ...(values.workers !== undefined ? { workers: intFlag("workers", values.workers, 4) } : {}),
  };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    await runScale(await localBenchContext(), parseScaleArgs(process.argv.slice(2)));
  });
}
