import assert from "node:assert/strict";
import type { RolloutGroupStatus } from "../../../controller/api/group.js";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { apply, getRollout, revisions, rolloutManifest, waitForPhase } from "../support/rollouts.js";
import { createService, sampleAppTemplate, startLoadGenerator } from "../support/sample-app.js";
import { groupManifest, waitForGroupStatus } from "../support/groups.js";
import { waitFor } from "../support/wait.js";
import { RequestTimeline, watchRollouts, type RolloutSample } from "./timeline.js";

/**
 * The shop: three services on the real node, db-adapter <- api <- web, each a Rollout of the
 * sample app behind its own Service with its own load generator, in one RolloutGroup. Shared by
 * every group scenario; each runs it in its own namespace.
 */

export const members = ["db-adapter", "api", "web"] as const;
export type Member = (typeof members)[number];

/** Small, for the one real node the whole suite shares: 2 pods a member, 3 while a canary runs. */
const replicas = 2;

/**
 * A member's Rollout at `version`. db-adapter and api walk a short canary with no analysis; web
 * stops at an indefinite pause with the pods' success rate measured in the background, and its
 * v2 answers half its requests with 500, so that analysis fails and web aborts by itself.
 */
export function memberRollout(namespace: string, name: Member, version: "v1" | "v2"): object {
  const labels = { app: name };
  const canary =
    name === "web"
      ? {
          steps: [{ setWeight: 50 }, { pause: {} }],
          analysis: {
            templates: [{ templateName: "pod-success-rate" }],
            // From the pause on, when the canary's pod serves: before that there is nothing to
            // measure (and while the group holds web, no canary pod at all).
            startingStep: 1,
            args: [
              { name: "namespace", value: namespace },
              { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
            ],
          },
        }
      : { steps: [{ setWeight: 50 }, { pause: { duration: "1s" } }] };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({
        labels,
        version,
        errorRate: name === "web" && version === "v2" ? 0.5 : 0,
      }),
      strategy: { canary },
    },
  };
}

export const shopGroup = (name: string, onFailure: "undo" | "freeze"): object =>
  groupManifest(name, {
    onFailure,
    members: [
      { name: "web", dependsOn: ["api"] },
      { name: "api", dependsOn: ["db-adapter"] },
      { name: "db-adapter" },
    ],
  });

export interface Shop {
  /** Each member's v1 pod template hash. */
  v1: Record<Member, string>;
  /** Each member's load generator pod IP. */
  loadIps: Record<Member, string>;
}

/**
 * Every member Healthy on v1 with its Service and a load generator (20 requests a second)
 * answered by it, and the group `group` applied and Healthy (it has claimed its members).
 */
export async function openShop(
  namespace: string,
  group: string,
  onFailure: "undo" | "freeze",
): Promise<Shop> {
  await apply(
    namespace,
    podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
      // A fast verdict: two failed measurements 2 s apart. The first ones come before the canary's
      // pod is scraped (no data: inconclusive, not failed).
      window: "5s",
      metric: { interval: "2s", failureLimit: 1, inconclusiveLimit: 10 },
    }),
  );
  for (const name of members) await apply(namespace, memberRollout(namespace, name, "v1"));
  const v1 = {} as Record<Member, string>;
  const loadIps = {} as Record<Member, string>;
  await Promise.all(
    members.map(async (name) => {
      v1[name] = (await waitForPhase(namespace, name, "Healthy", 90_000)).status?.currentPodHash ?? "";
      const clusterIp = await createService(namespace, name, { app: name });
      loadIps[name] = await startLoadGenerator(namespace, `load-${name}`, clusterIp);
    }),
  );
  await apply(namespace, shopGroup(group, onFailure));
  await waitForGroup(namespace, group, (s) => s.phase === "Healthy", "Healthy");
  return { v1, loadIps };
}

/**
 * Starts the request timeline once every load generator has counted v1 answers (the baseline
 * every later bound is read against), then changes every member to v2, web first: the group
 * must hold web and api until what they depend on is done.
 */
export async function releaseV2(namespace: string, shop: Shop): Promise<RequestTimeline> {
  const timeline = new RequestTimeline(shop.loadIps);
  try {
    await waitFor("every load generator to count v1 answers", async () =>
      members.every((m) => (timeline.latest(m).v1 ?? 0) > 0) ? true : undefined,
    );
    for (const name of [...members].reverse()) await apply(namespace, memberRollout(namespace, name, "v2"));
  } catch (err) {
    await timeline.stop();
    throw err;
  }
  return timeline;
}

/** What a release scenario reads: the shop, every state of its Rollouts, and the requests its pods answered. */
export interface Release {
  shop: Shop;
  rollouts: ReturnType<typeof watchRollouts>;
  timeline: RequestTimeline;
}

/**
 * A scenario's frame: the shop open on v1 under a group `shop` with this onFailure, a watch of its
 * Rollouts, the release of v2 begun; `body` runs the scenario, and the watch and the request
 * timeline end however it ends.
 */
export async function duringRelease(
  namespace: string,
  onFailure: "undo" | "freeze",
  body: (release: Release) => Promise<void>,
): Promise<void> {
  const shop = await openShop(namespace, "shop", onFailure);
  const rollouts = watchRollouts(namespace);
  try {
    await rollouts.started;
    const timeline = await releaseV2(namespace, shop);
    try {
      await body({ shop, rollouts, timeline });
    } finally {
      await timeline.stop();
    }
  } finally {
    rollouts.close();
  }
}

/** Polls the group's status every 100 ms: a crash drill must catch a state that lasts a second. */
export const waitForGroup = (
  namespace: string,
  name: string,
  ok: (s: RolloutGroupStatus) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<RolloutGroupStatus> =>
  waitForGroupStatus(namespace, name, what, ok, { timeoutMs, intervalMs: 100 });

export const memberState = (s: RolloutGroupStatus, name: Member): string | undefined =>
  s.releases?.at(-1)?.members.find((m) => m.name === name)?.state;

/** Waits for web's analysis to fail it: web aborted by itself at v2. Returns the moment it was seen. */
export async function webFails(namespace: string, timeline: RequestTimeline): Promise<number> {
  await waitFor(
    "web aborted by its analysis",
    async () => {
      const ro = await getRollout(namespace, "web");
      return ro.status?.abort ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  return timeline.now();
}

/** [a member, the member that waits for it]. */
const releasePairs: [Member, Member][] = [
  ["db-adapter", "api"],
  ["api", "web"],
];
/** [a member undone, the member undone after it]. */
const rollbackPairs: [Member, Member][] = [
  ["web", "api"],
  ["api", "db-adapter"],
];

/** As the group's settledAt: Healthy at `hash`, status caught up, every replica available. */
const settledAt =
  (name: Member, hash: string | undefined) =>
  (x: RolloutSample): boolean =>
    x.name === name &&
    hash !== undefined &&
    x.observed &&
    x.phase === "Healthy" &&
    x.current === hash &&
    x.stable === hash &&
    x.available >= replicas;

/** Two members' samples, one a line, for failure messages. */
const show = (log: readonly RolloutSample[], ...names: Member[]): string =>
  log
    .flatMap((x, i) =>
      names.includes(x.name as Member)
        ? [
            `${i} ${x.name} ${x.version}${x.rollbackTo ? " rollbackTo" : ""} released=${x.released} ${x.phase} current=${x.current} stable=${x.stable} available=${x.available}${x.observed ? "" : " (not observed)"}`,
          ]
        : [],
    )
    .join("\n");

/**
 * The release order as the group wrote it, from one Rollout watch (ordered: see watchRollouts):
 * a member's new revision is released (its group-released annotation moves off v1) only after
 * the member it depends on was seen settled at its new revision.
 */
export function assertReleaseWrites(log: readonly RolloutSample[], shop: Shop): void {
  for (const [dep, next] of releasePairs) {
    const released = log.findIndex(
      (x) => x.name === next && x.released !== undefined && x.released !== shop.v1[next],
    );
    const depNew = log.findIndex((x) => x.current !== shop.v1[dep] && settledAt(dep, x.current)(x));
    assert.ok(
      depNew >= 0 && released > depNew,
      `${next} released (Rollout sample ${released}) before ${dep} was settled at its new revision (${depNew}):\n${show(log, dep, next)}`,
    );
  }
}

/**
 * The rollback order as the group wrote it, from the same watch: a member's undo is asked
 * (spec.rollbackTo set) only after the member undone before it was seen settled at v1 again.
 */
export function assertRollbackWrites(log: readonly RolloutSample[], shop: Shop): void {
  const asked = (name: Member) => log.findIndex((x) => x.name === name && x.rollbackTo);
  for (const [prev, next] of rollbackPairs) {
    const back = log.findIndex((x, i) => i > asked(prev) && settledAt(prev, shop.v1[prev])(x));
    assert.ok(
      asked(prev) >= 0 && back > asked(prev) && asked(next) > back,
      `${next}'s undo asked (Rollout sample ${asked(next)}) before ${prev} was back on v1 (${back}):\n${show(log, prev, next)}`,
    );
  }
}

/**
 * The release order in the requests: no v2 answer from api before db-adapter's last v1 answer,
 * none from web before api's last v1. Strict, on the bounds of RequestTimeline: the last v1 was
 * counted before one read returned, the first v2 after a later read was sent, so a pass proves
 * the order and nothing is tolerated. What it needs to pass is room between the two answers: a
 * member answers v1 until its old pods get SIGTERM (the app closes its listener at once), a
 * moment after its old ReplicaSet is scaled to 0 and it is Healthy; the next member's canary pod
 * is created only once the group has seen that, and answers only after it started, passed its
 * readiness probe and joined its Service's endpoints: 1-3 s later on the real node
 * (KESTREL_DEBUG_GROUP=1 prints the gaps), against reads 200 ms apart. A member released while
 * what it depends on still served v1 (tried: release.ts not waiting for dependencies) fails here.
 * The release stretch ends at `failedAt`, when web's failure was seen (nothing undone yet).
 */
export function assertReleaseOrder(t: RequestTimeline, failedAt: number): void {
  for (const [dep, next] of releasePairs) {
    const lastOld = t.lastAnswer(dep, "v1", failedAt);
    const firstNew = t.firstAnswer(next, "v2");
    assert.ok(
      lastOld !== undefined && firstNew !== undefined,
      `no ${dep} v1 or no ${next} v2:\n${t.describe()}`,
    );
    assert.ok(
      lastOld < firstNew,
      `${next} answered v2 (not before ${t.at(firstNew)}) before ${dep}'s last v1 answer (by ${t.at(lastOld)}):\n${t.describe()}`,
    );
    margin(`${dep} last v1 -> ${next} first v2`, firstNew - lastOld);
  }
}

/** KESTREL_DEBUG_GROUP=1: how far apart the compared answers were (how much room the order had). */
const margin = (what: string, ms: number): void => {
  if (process.env.KESTREL_DEBUG_GROUP === "1")
    process.stderr.write(`[group] ${what}: ${Math.round(ms)} ms\n`);
};

/**
 * The rollback order in the requests, after `failedAt`: api's first v1 answer again after web's
 * last v2, db-adapter's first v1 again after api's last v2. Strict as the release order, with the
 * same room: a member's v1 pods start only when the group undoes it, after the previous member
 * is Healthy on v1 (its v2 ReplicaSet at 0). Requests alone cannot catch every wrong order here:
 * undoing the next member without waiting still left it about 0.2 s behind in one run (its v1
 * pods start while the previous member's v1 pods do), so assertRollbackWrites checks the order
 * the group wrote the undos in as well.
 */
export function assertRollbackOrder(t: RequestTimeline, failedAt: number): void {
  for (const [prev, next] of rollbackPairs) {
    const lastNew = t.lastAnswer(prev, "v2");
    const firstOld = t.firstAnswer(next, "v1", failedAt);
    assert.ok(
      lastNew !== undefined && firstOld !== undefined,
      `no ${prev} v2 or no ${next} v1 after the failure:\n${t.describe()}`,
    );
    assert.ok(
      lastNew < firstOld,
      `${next} answered v1 again (not before ${t.at(firstOld)}) before ${prev}'s last v2 answer (by ${t.at(lastNew)}):\n${t.describe()}`,
    );
    margin(`${prev} last v2 -> ${next} first v1 again`, firstOld - lastNew);
  }
}

/**
 * Waits until every service has answered `n` requests in a row with no v2 answer among them: the
 * rollback is over in the requests too, and the last v2 answers the order is judged on are final.
 * Not checked at the moment the group says RolledBack: a member is back when its v2 ReplicaSet is
 * scaled to 0, and its v2 pods may still answer for the moment it takes them to get SIGTERM.
 */
export async function untilOnlyV1(t: RequestTimeline, n = 40): Promise<void> {
  const total = (m: Member) => Object.values(t.latest(m)).reduce((a, b) => a + b, 0);
  const since = new Map<Member, { total: number; v2: number }>();
  await waitFor(
    `${n} answers in a row from every service, none of them v2`,
    async () => {
      for (const m of members) {
        const now = { total: total(m), v2: t.latest(m).v2 ?? 0 };
        if (since.get(m)?.v2 !== now.v2) since.set(m, now);
      }
      return members.every((m) => total(m) >= since.get(m)!.total + n) ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** Each member's ReplicaSets after one undo: v1 (revision 1, reused as 3 by the undo) and v2 (revision 2). */
export async function assertOneUndoEach(namespace: string, shop: Shop): Promise<void> {
  for (const name of members) {
    const revs = await revisions(namespace, name);
    assert.deepEqual(
      revs.map((r) => [r.hash === shop.v1[name] ? "v1" : "v2", r.revision]),
      [
        ["v2", 2],
        ["v1", 3],
      ],
      `${name}'s ReplicaSets: ${JSON.stringify(revs)}`,
    );
  }
}

/** Three placeholder members on the kwok nodes (no pods run): for what needs no traffic. */
export async function placeholderMembers(namespace: string): Promise<void> {
  for (const name of members) await apply(namespace, rolloutManifest(name, { replicas: 2 }));
  for (const name of members) await waitForPhase(namespace, name, "Healthy");
}
