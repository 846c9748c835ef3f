/**
 * Time for a RolloutGroup to undo a failed release (issue 21): from the finishedAt of the
 * measurement that failed the last member's analysis to every member back on its revision of the
 * last good release (Healthy at its old hash, fully available) and to the group's RolledBack
 * status, for a chain of 3 and of 10 members; with each member's share: how long it waited for
 * its turn, and how long its own undo took.
 *
 *   npm run bench:group -- --members=3,10 --count=5
 */
import crypto from "node:crypto";
import { parseArgs } from "node:util";
import { intFlag, isMain, numFlag, runMain } from "./lib/cli.js";
import { localBenchContext, type BenchContext } from "./lib/cluster.js";
import { ensureBuilt } from "./lib/controller.js";
import type { GroupRollbackSample } from "./lib/group-measure.js";
import { runGroupRollback, type GroupRun } from "./lib/group-run.js";
import { printGroupTables, summarizeGroup, type GroupSizeSummary } from "./lib/group-table.js";
import { log, phase } from "./lib/log.js";
import { startMetricsApp, type BenchApp } from "./lib/metrics-app.js";
import { saveResults } from "./lib/results.js";
import { secs } from "./lib/stats.js";
import { printInputs } from "./lib/table.js";
import { maxMembers } from "../controller/api/group.js";

export interface GroupOptions {
  /** Group sizes, each a chain m00 <- m01 <- ... */
  members: number[];
  /** Rollbacks per size, one after another. */
  count: number;
  replicas: number;
  failureLimit: number;
  interval: string;
  pause: string;
  /** The share of requests the failing member's app fails. */
  errorRate: number;
}

export const groupDefaults: GroupOptions = {
  members: [3, 10],
  count: 5,
  replicas: 4,
  failureLimit: 1,
  interval: "1s",
  pause: "1s",
  errorRate: 0.5,
};

export interface GroupResult {
  inputs: Record<string, unknown>;
  samples: GroupRollbackSample[];
  summary: Record<string, GroupSizeSummary>;
  controllerLogErrors: number;
  file: string;
}

export async function runGroup(ctx: BenchContext, o: GroupOptions): Promise<GroupResult> {
  ensureBuilt();
  const id = crypto.randomBytes(3).toString("hex");
  const prometheus = { url: ctx.prometheusUrl, targets: ctx.prometheusTargets };
  const apps: BenchApp[] = [];
  const runs: GroupRun[] = [];
  try {
    const [good, bad] = await phase("starting the sample apps (0% errors, and the failing one's)", () =>
      Promise.all([
        startMetricsApp(`bench-group-${id}-good`, 0, prometheus),
        startMetricsApp(`bench-group-${id}-bad`, o.errorRate, prometheus),
      ]),
    );
    apps.push(good, bad);
    for (const members of o.members)
      for (let rep = 1; rep <= o.count; rep++) {
        log(`group of ${members}, rollback ${rep}/${o.count}`);
        const run = await runGroupRollback(ctx, { ...o, members, goodApp: good.name, badApp: bad.name });
        runs.push(run);
        const s = run.sample;
        log(
          `  ${members} members: last member back ${secs(s.lastMemberBackMs)}s, group RolledBack ${secs(s.groupRolledBackMs)}s after the decision (waits ${secs(s.waitMs)}s, undos ${secs(s.undoMs)}s); undone ${s.rollbackOrder.join(", ")}`,
        );
      }
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
  }
  return report(o, ctx, runs);
}

function report(o: GroupOptions, ctx: BenchContext, runs: readonly GroupRun[]): GroupResult {
  const samples = runs.map((r) => r.sample);
  const summary = summarizeGroup(samples);
  const inputs = {
    sizes: o.members.join(", "),
    rollbacksPerSize: o.count,
    shape: "a chain: each member depends on the one before it (m00 <- m01 <- ...), onFailure undo",
    replicas: o.replicas,
    steps: `setWeight 25, pause ${o.pause} (the failing last member: pause {}), background analysis from step 1`,
    analysis: `prometheus success rate every ${o.interval}, failureLimit ${o.failureLimit}; the last member's v2 app fails ${o.errorRate * 100}%, every other's 0%`,
    nodes:
      "kwok: pods are Ready as soon as they are bound, so the figures are the controllers' (group, Rollout, ReplicaSet), not a kubelet's",
    controller: "one per rollback, in a namespace of its own (the bundle, default flags)",
    controlPlane: ctx.controlPlane,
  };
  printInputs("RolloutGroup rollback benchmark inputs", inputs);
  printGroupTables(summary, samples);
  // One controller per rollback: the errors are summed, and the log files of those with any named.
  const logs = runs.filter((r) => r.controller.errorCount() > 0).map((r) => r.controller.logFile);
  const controllers = {
    errorCount: () => runs.reduce((n, r) => n + r.controller.errorCount(), 0),
    logFile: logs.join(", "),
  };
  return saveResults("group", controllers, { inputs, summary, samples });
}

export function parseGroupArgs(argv: string[]): GroupOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      members: { type: "string" },
      count: { type: "string" },
      replicas: { type: "string" },
      "failure-limit": { type: "string" },
      interval: { type: "string" },
      pause: { type: "string" },
      "error-rate": { type: "string" },
    },
    strict: true,
  });
  const d = groupDefaults;
  const members =
    values.members === undefined
      ? d.members
      : values.members.split(",").map((m) => intFlag("members", m.trim(), 0, 2));
  const tooMany = members.find((m) => m > maxMembers);
  if (tooMany !== undefined)
    throw new Error(`--members: ${tooMany} is more than a group holds (${maxMembers})`);
  return {
    members,
    count: intFlag("count", values.count, d.count),
    replicas: intFlag("replicas", values.replicas, d.replicas, 2),
    failureLimit: intFlag("failure-limit", values["failure-limit"], d.failureLimit, 0),
    interval: values.interval ?? d.interval,
    pause: values.pause ?? d.pause,
    errorRate: numFlag("error-rate", values["error-rate"], d.errorRate),
  };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const opts = parseGroupArgs(process.argv.slice(2));
    await runGroup(await localBenchContext(), opts);
  });
}
