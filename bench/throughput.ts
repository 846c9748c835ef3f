/**
 * Throughput: many canaries stepping at once, and the latency the controller adds to each step:
 * from the moment a step could end (its pause elapsed; its weight reached, both ReplicaSets at
 * their targets with the canary available, as the ReplicaSet watch shows) to the moment the
 * Rollout's status moved past it (the Rollout watch), and from an image change to the canary
 * ReplicaSet's creation.
 *
 *   npm run bench:throughput -- --canaries=100 --replicas=4 --pause=2s
 */
import { parseArgs } from "node:util";
import { latencyText, type ApiRequestCounts } from "./lib/audit.js";
import { statusWriteFloor, type WriteFloor } from "./lib/floor.js";
import { parseDurationMs } from "../controller/api/duration.js";
import type { CanaryStep } from "../controller/api/rollout.js";
import { surgeLimits, weightTarget } from "../controller/rollout/replicas.js";
import { intFlag, isMain, runMain } from "./lib/cli.js";
import { createNamespace, deleteNamespace, localBenchContext, type BenchContext } from "./lib/cluster.js";
import { BenchController, controllerCommand, ensureBuilt } from "./lib/controller.js";
import { log, phase, progress, waitUntil } from "./lib/log.js";
import { mapLimit } from "./lib/pool.js";
import { ProcSampler, type WindowUsage } from "./lib/proc-stats.js";
import { bucketDiff, bucketsOf, bucketTotal, histogramQuantile } from "./lib/prom-text.js";
import { saveResults } from "./lib/results.js";
import { createRollouts, image, imageOf, isSettled, manifest, setImage } from "./lib/rollouts.js";
import { secs, summarize, type Summary } from "./lib/stats.js";
import { printInputs, printTable } from "./lib/table.js";
import { ReplicaSetTimeline, RolloutTimeline } from "./lib/timelines.js";

export interface ThroughputOptions {
  canaries: number;
  replicas: number;
  /** Each pause step's duration, e.g. "2s". */
  pause: string;
  /** Passed to the controller as --workers when set; its default (4) otherwise. */
  workers?: number;
}

export const throughputDefaults: ThroughputOptions = { canaries: 100, replicas: 4, pause: "2s" };

export interface StepLatency {
  rollout: string;
  /** 0-based step index; -1 is the start (image change -> canary ReplicaSet created). */
  step: number;
  kind: "start" | "setWeight" | "pause";
  /** Controller-added latency: the step's end as the controller recorded it minus the moment it was due. */
  ms: number;
}

export interface ThroughputResult {
  inputs: Record<string, unknown>;
  latencies: StepLatency[];
  summary: Record<string, Summary>;
  /** First image change sent -> last canary fully promoted and Healthy. */
  wallMs: number;
  /** The controller's own reconcile duration histogram over the run (seconds). */
  reconcileSeconds: { count: number; p50: number; p99: number };
  /** The controller's CPU while the canaries stepped, and the API requests it made then. */
  usage: WindowUsage;
  api: ApiRequestCounts;
  stepsNotObserved: number;
  /** The API server's floor: as many status writes as canaries, sent at once by a bare client. */
  floor: WriteFloor;
  controllerLogErrors: number;
  file: string;
}

export async function runThroughput(ctx: BenchContext, o: ThroughputOptions): Promise<ThroughputResult> {
  ensureBuilt();
  const pauseMs = parseDurationMs(o.pause);
  if (pauseMs === undefined) throw new Error(`--pause: "${o.pause}" is not a duration`);
  const steps: CanaryStep[] = [
    { setWeight: 25 },
    { pause: { duration: o.pause } },
    { setWeight: 50 },
    { pause: { duration: o.pause } },
    { setWeight: 100 },
  ];
  // Measured first, on the quiet API server, with no controller running.
  const floor = await statusWriteFloor(ctx, o.canaries);
  const ns = await createNamespace(ctx, "bench-throughput");
  const replicaSets = new ReplicaSetTimeline(ctx.kc, ns);
  const rollouts = new RolloutTimeline(ctx.kc, ns);
  const extraArgs = o.workers !== undefined ? [`--workers=${o.workers}`] : [];
  const controller = new BenchController({
    kubeconfig: ctx.controllerKubeconfig,
    namespaces: [ns],
    extraArgs,
  });
  const sampler = new ProcSampler(() => controller.pid, 500);
  try {
    await Promise.all([replicaSets.start(), rollouts.start()]);
    await phase("starting the controller", () => controller.start());
    sampler.start();
    const names = Array.from({ length: o.canaries }, (_, i) => `tp-${String(i).padStart(4, "0")}`);
    const v1 = image(1);
    const v2 = image(2);
    await phase(`creating ${o.canaries} rollouts of ${o.replicas} replicas`, async () => {
      await createRollouts(
        ctx.kc,
        ns,
        names.map((n) => manifest(n, { replicas: o.replicas, steps })),
      );
      await waitUntil(
        "every rollout Healthy",
        () => rollouts.watch.list().filter(isSettled).length === o.canaries || undefined,
        {
          timeoutMs: 600_000,
          intervalMs: 250,
        },
      );
    });

    const before = bucketsOf(await controller.metrics(), "kestrel_reconcile_duration_seconds", {
      kind: "Rollout",
    });
    const sent = new Map<string, { sentAt: number; respondedAt: number }>();
    const started = Date.now();
    const audit = ctx.audit.mark(started);
    await phase(`changing the image of all ${o.canaries} rollouts at once`, () =>
      mapLimit(names, names.length, async (n) => {
        const sentAt = Date.now();
        await setImage(ctx.kc, ns, n, v2);
        sent.set(n, { sentAt, respondedAt: Date.now() });
      }),
    );
    const tick = progress("canaries fully promoted", o.canaries);
    await phase("waiting for every canary to step through to 100%", () =>
      waitUntil(
        "every canary promoted",
        () => {
          const done = rollouts.watch.list().filter((r) => imageOf(r) === v2 && isSettled(r)).length;
          tick(done);
          return done === o.canaries || undefined;
        },
        { timeoutMs: 30 * 60_000, intervalMs: 100 },
      ),
    );
    const wallMs = Date.now() - started;
    const usage = sampler.window(started, Date.now());
    const api = ctx.audit.count(audit);
    const after = bucketsOf(await controller.metrics(), "kestrel_reconcile_duration_seconds", {
      kind: "Rollout",
    });
    const diff = bucketDiff(before, after);

    const latencies: StepLatency[] = [];
    let stepsNotObserved = 0;
    for (const name of names) {
      const { sentAt, respondedAt } = sent.get(name)!;
      const created = replicaSets.firstEvent(name, sentAt, (s) => s.image === v2);
      if (created) latencies.push({ rollout: name, step: -1, kind: "start", ms: created.at - respondedAt });
      // The new revision's states: its pod hash differs from the one before the change.
      const history = rollouts.history(name);
      const oldHash = history.findLast((s) => s.at < sentAt)?.podHash;
      const states = history.filter((s) => s.at >= sentAt && s.podHash && s.podHash !== oldHash);
      let previousEnd = respondedAt;
      steps.forEach((step, i) => {
        const current = states.filter((s) => s.step === i);
        const advanced = states.find((s) => s.step > i);
        if (current.length === 0 || !advanced) {
          // Moved past within one reconcile (or never shown): no moment to measure from.
          stepsNotObserved++;
          if (advanced) previousEnd = advanced.at;
          return;
        }
        let due: number | undefined;
        if (step.pause) {
          const start = current.find((s) => s.pauseStart)?.pauseStart;
          due = start ? Date.parse(start) + pauseMs : undefined;
        } else {
          // The bench's Rollouts leave maxSurge at its default.
          const t = weightTarget(o.replicas, step.setWeight ?? 0, surgeLimits(o.replicas).maxSurge);
          due = replicaSets.firstTime(name, previousEnd, (split) => {
            const canary = split.get(v2);
            return (
              canary?.spec === t.canary &&
              canary.available >= t.canary &&
              (split.get(v1)?.spec ?? 0) === t.stable
            );
          });
        }
        previousEnd = advanced.at;
        if (due === undefined) {
          stepsNotObserved++;
          return;
        }
        latencies.push({
          rollout: name,
          step: i,
          kind: step.pause ? "pause" : "setWeight",
          ms: advanced.at - due,
        });
      });
    }

    const summary: Record<string, Summary> = {};
    const group = (key: string, values: number[]): void => {
      summary[key] = summarize(values);
    };
    group(
      "start",
      latencies.filter((l) => l.kind === "start").map((l) => l.ms),
    );
    group(
      "setWeight",
      latencies.filter((l) => l.kind === "setWeight").map((l) => l.ms),
    );
    group(
      "pause",
      latencies.filter((l) => l.kind === "pause").map((l) => l.ms),
    );
    group(
      "all steps",
      latencies.filter((l) => l.kind !== "start").map((l) => l.ms),
    );
    steps.forEach((s, i) =>
      group(
        `step ${i + 1}: ${s.pause ? `pause ${o.pause}` : `setWeight ${s.setWeight}`}`,
        latencies.filter((l) => l.step === i).map((l) => l.ms),
      ),
    );
    const reconcileSeconds = {
      count: bucketTotal(diff),
      p50: histogramQuantile(0.5, diff),
      p99: histogramQuantile(0.99, diff),
    };

    const inputs = {
      canaries: o.canaries,
      replicas: o.replicas,
      steps: `setWeight 25, pause ${o.pause}, setWeight 50, pause ${o.pause}, setWeight 100`,
      start: "all image changes sent at once",
      controller: controllerCommand(extraArgs),
      controlPlane: ctx.controlPlane,
    };
    printInputs("Throughput benchmark inputs", inputs);
    printTable(
      `Controller-added latency per step (seconds; ${o.canaries} canaries stepping at once)`,
      ["step", "n", "p50", "p99", "max"],
      Object.entries(summary).map(([k, s]) => [k, s.n, secs(s.median), secs(s.p99), secs(s.max)]),
    );
    printTable(
      "Run",
      ["figure", "value"],
      [
        ["wall time: first image change -> every canary Healthy at 100% (s)", secs(wallMs)],
        ["controller reconciles (kestrel_reconcile_duration_seconds count)", reconcileSeconds.count],
        ["reconcile duration p50 (s, controller histogram)", reconcileSeconds.p50.toFixed(4)],
        ["reconcile duration p99 (s, controller histogram)", reconcileSeconds.p99.toFixed(4)],
        ["steps passed within one reconcile (not measurable)", stepsNotObserved],
        ["controller CPU while stepping (% of one core)", (usage.cpuCores * 100).toFixed(1)],
        ["controller API requests while stepping (audit log)", api.excludingWatches],
        ["API server latency of those requests p50 / p99 (ms)", latencyText(api)],
        [
          `floor: ${floor.writes} status writes sent at once by a bare client, answered p50 / p99 (s; ${floor.rounds} rounds)`,
          `${secs(floor.answered.median)} / ${secs(floor.answered.p99)}`,
        ],
        [
          "floor: the last answer of a round, median / max (s)",
          `${secs(floor.lastOfRound.median)} / ${secs(floor.lastOfRound.max)}`,
        ],
      ],
    );
    printTable(
      "Controller API requests while stepping, by verb and resource",
      ["request", "count"],
      Object.entries(api.byVerbResource).sort((a, b) => b[1] - a[1]),
    );
    const result = saveResults("throughput", controller, {
      inputs,
      summary,
      wallMs,
      reconcileSeconds,
      usage,
      api,
      stepsNotObserved,
      floor,
      latencies,
    });
    log("throughput benchmark done");
    return result;
  } finally {
    sampler.stop();
    await controller.stop();
    await Promise.all([replicaSets.stop(), rollouts.stop()]);
    await phase(`deleting namespace ${ns}`, () => deleteNamespace(ctx, ns));
  }
}

export function parseThroughputArgs(argv: string[]): ThroughputOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      canaries: { type: "string" },
      replicas: { type: "string" },
      pause: { type: "string" },
      workers: { type: "string" },
    },
    strict: true,
  });
  const d = throughputDefaults;
  return {
    canaries: intFlag("canaries", values.canaries, d.canaries),
    replicas: intFlag("replicas", values.replicas, d.replicas, 2),
    pause: values.pause ?? d.pause,
    ...(values.workers !== undefined ? { workers: intFlag("workers", values.workers, 4) } : {}),
  };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    await runThroughput(await localBenchContext(), parseThroughputArgs(process.argv.slice(2)));
  });
}
