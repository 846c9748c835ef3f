import * as k8s from "@kubernetes/client-node";
import type { RolloutGroupStatus } from "../../controller/api/group.js";
import { successRateTemplate } from "../../test/apps/success-rate.js";
import { createNamespace, deleteNamespace, type BenchContext } from "./cluster.js";
import { BenchController } from "./controller.js";
import { decidingMeasurement } from "./deciding.js";
import { chainGroup, memberNames, memberRollout } from "./group-members.js";
import { measureGroupRollback, type GroupRollbackSample } from "./group-measure.js";
import { GroupTimeline } from "./group-timeline.js";
import { log, phase, waitUntil } from "./log.js";
import { createRollouts, image, isSettled, setImage } from "./rollouts.js";
import { RolloutTimeline } from "./timelines.js";

export interface GroupRunOptions {
  members: number;
  replicas: number;
  failureLimit: number;
  /** The analysis interval, e.g. "1s". */
  interval: string;
  /** The healthy members' pause step, e.g. "1s". */
  pause: string;
  /** The sample apps the healthy members' and the failing member's analyses ask about. */
  goodApp: string;
  badApp: string;
}

/** What one run leaves besides its sample: its controller's log, for saveResults' error count. */
export interface GroupRun {
  sample: GroupRollbackSample;
  controller: { errorCount(): number; logFile: string };
}

const group = "bench";

/** A status message's head and tail: a rollback's message ends with the members undone so far. */
const shorten = (m: string): string => (m.length <= 160 ? m : `${m.slice(0, 60)} ... ${m.slice(-90)}`);
const custom = (kc: k8s.KubeConfig): k8s.CustomObjectsApi => kc.makeApiClient(k8s.CustomObjectsApi);

/**
 * One coordinated rollback in a namespace of its own with a controller of its own (so a run never
 * shares the controller's queues or the namespace's garbage collection with the one before):
 * N members in a chain Healthy at v1, every template to v2, the last member's v2 failing its
 * analysis; returns once the group is RolledBack, with the figures read from the watches.
 */
export async function runGroupRollback(ctx: BenchContext, o: GroupRunOptions): Promise<GroupRun> {
  const ns = await createNamespace(ctx, `bench-group-${o.members}`);
  const rollouts = new RolloutTimeline(ctx.kc, ns);
  const groups = new GroupTimeline(ctx.kc, ns, (_, s) =>
    log(`  ${ns}: group ${s.phase || "(no status)"}: ${shorten(s.message)}`),
  );
  const controller = new BenchController({ kubeconfig: ctx.controllerKubeconfig, namespaces: [ns] });
  const names = memberNames(o.members);
  try {
    await custom(ctx.kc).createNamespacedCustomObject({
      group: "kestrel.dev",
      version: "v1alpha1",
      plural: "analysistemplates",
      namespace: ns,
      body: successRateTemplate("success-rate", ctx.prometheusUrl, {
        metric: { interval: o.interval, failureLimit: o.failureLimit },
      }),
    });
    await Promise.all([rollouts.start(), groups.start()]);
    await controller.start();
    await atV1(ctx, ns, names, o, rollouts, groups);
    await phase(
      `${ns}: every template to v2 (${names.at(-1)}'s failing), waiting for RolledBack`,
      async () => {
        // Dependents first, as a person editing the chain would: held members do not move anyway.
        for (const name of [...names].reverse()) await setImage(ctx.kc, ns, name, image(2));
        await groupPhase(groups, ns, group, "RolledBack", 120_000 + o.members * 60_000);
      },
    );
    const sample = await measure(ctx, ns, names, o, rollouts, groups);
    return { sample, controller: { errorCount: () => controller.errorCount(), logFile: controller.logFile } };
  } finally {
    await controller.stop();
    await Promise.all([rollouts.stop(), groups.stop()]);
    await deleteNamespace(ctx, ns);
  }
}

/** The members created and Healthy at v1, then the group created and Healthy (its members claimed). */
async function atV1(
  ctx: BenchContext,
  ns: string,
  names: readonly string[],
  o: GroupRunOptions,
  rollouts: RolloutTimeline,
  groups: GroupTimeline,
): Promise<void> {
  const last = names.at(-1);
  const manifests = names.map((name) =>
    memberRollout(name, {
      replicas: o.replicas,
      app: name === last ? o.badApp : o.goodApp,
      failing: name === last,
      pause: o.pause,
    }),
  );
  await createRollouts(ctx.kc, ns, manifests, 8);
  await waitUntil(
    "every member Healthy at v1",
    () => rollouts.watch.list().filter(isSettled).length === names.length || undefined,
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  await custom(ctx.kc).createNamespacedCustomObject({
    group: "kestrel.dev",
    version: "v1alpha1",
    plural: "rolloutgroups",
    namespace: ns,
    body: chainGroup(group, names),
  });
  await groupPhase(groups, ns, group, "Healthy", 60_000);
}

/** Waits until the group's watch shows it at `phase`. */
const groupPhase = (groups: GroupTimeline, ns: string, group: string, phase: string, timeoutMs: number) =>
  waitUntil(
    `group ${group} ${phase}`,
    () => (groups.watch.get(group, ns)?.status?.phase === phase ? true : undefined),
    { timeoutMs, intervalMs: 100 },
  );

async function measure(
  ctx: BenchContext,
  ns: string,
  names: readonly string[],
  o: GroupRunOptions,
  rollouts: RolloutTimeline,
  groups: GroupTimeline,
): Promise<GroupRollbackSample> {
  const status: RolloutGroupStatus = groups.watch.get(group, ns)?.status ?? {};
  const release = status.releases?.at(-1);
  const failing = names.at(-1) ?? "";
  if (release?.failedMember !== failing)
    throw new Error(
      `the group's release failed on ${release?.failedMember}, not ${failing}: ${status.message}`,
    );
  const byName = (key: "hash" | "previousHash"): Map<string, string> =>
    new Map(release.members.flatMap((m) => (m[key] ? [[m.name, m[key]] as const] : [])));
  const decidedAt = await decidingMeasurement(custom(ctx.kc), ns, failing, o.failureLimit);
  return measureGroupRollback({
    decidedAt,
    failedMember: failing,
    rollbackOrder: release.rollbackOrder ?? [],
    order: names,
    newHash: byName("hash"),
    oldHash: byName("previousHash"),
    replicas: o.replicas,
    history: (m) => rollouts.history(m),
    rollingBackAt: groups.firstTime(group, "RollingBack"),
    rolledBackAt: groups.firstTime(group, "RolledBack"),
  });
}
