import * as k8s from "@kubernetes/client-node";
import { performance } from "node:perf_hooks";
import type { Rollout } from "../../../controller/api/rollout.js";
import { groupReleasedAnnotation } from "../../../controller/rollout/labels.js";
import { testCluster } from "../support/cluster.js";
import { answeredBy } from "../support/real-traffic.js";

/**
 * One read of a load generator's counters. The counters were read somewhere between sentAt and
 * receivedAt (the test process's monotonic clock): an answer in them was counted before
 * receivedAt, an answer not in them was counted after sentAt. Every bound below rests on that.
 */
interface Poll {
  sentAt: number;
  receivedAt: number;
  byVersion: Record<string, number>;
}

/**
 * The answers each service's load generator counted, by version, read every `intervalMs` from
 * the test. Each service has its own series; series are compared only through the test's clock
 * and the bounds above, never by the order polls arrived in, so the comparison of two services
 * is sound whatever the network does to the polls. A failed read is simply left out (the bounds
 * use the reads either side of it, which still hold).
 */
export class RequestTimeline {
  private readonly polls = new Map<string, Poll[]>();
  /** When the timeline started: failure messages give times from here. */
  readonly origin = performance.now();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly loadIps: Readonly<Record<string, string>>,
    intervalMs = 200,
  ) {
    for (const name of Object.keys(loadIps)) this.polls.set(name, []);
    this.loop = this.run(intervalMs);
  }

  private async run(intervalMs: number): Promise<void> {
    while (this.running) {
      const tick = performance.now();
      await Promise.all(Object.keys(this.loadIps).map((name) => this.read(name)));
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - tick))));
    }
  }

  private async read(name: string): Promise<void> {
    const sentAt = performance.now();
    const answered = await answeredBy(this.loadIps[name]!).catch(() => undefined);
    if (!answered) return;
    const series = this.polls.get(name)!;
    const prev = series.at(-1);
    for (const [v, n] of Object.entries(prev?.byVersion ?? {}))
      if ((answered.byVersion[v] ?? 0) < n)
        throw new Error(
          `${name}'s load generator counters went back (restarted?): ${v} ${n} -> ${answered.byVersion[v]}`,
        );
    series.push({ sentAt, receivedAt: performance.now(), byVersion: answered.byVersion });
  }

  /** Now, on the clock the bounds use. */
  now(): number {
    return performance.now();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The counters of `name` as last read. */
  latest(name: string): Record<string, number> {
    return this.polls.get(name)?.at(-1)?.byVersion ?? {};
  }

  /**
   * The first answer of `version` from `name` counted after `from` (its count at the last read
   * done by then is the baseline): the earliest time it can have been counted (the send time of
   * the read before the one that first showed it), or undefined if none came. -Infinity when the
   * first read already showed more than the baseline (no lower bound known).
   */
  firstAnswer(name: string, version: string, from = -Infinity): number | undefined {
    const series = this.polls.get(name) ?? [];
    const b = series.findLastIndex((p) => p.receivedAt <= from);
    const base = b >= 0 ? (series[b]!.byVersion[version] ?? 0) : 0;
    for (let i = b + 1; i < series.length; i++)
      if ((series[i]!.byVersion[version] ?? 0) > base) return i > 0 ? series[i - 1]!.sentAt : -Infinity;
    return undefined;
  }

  /**
   * The last answer of `version` from `name` among the reads done by `until`: the latest time it
   * can have been counted (the receive time of the read that first showed the final count), or
   * undefined if there was none. Answers counted after the last read done by `until` are not
   * seen here: a caller splitting the timeline at `until` sees them from firstAnswer(…, until).
   */
  lastAnswer(name: string, version: string, until = Infinity): number | undefined {
    const series = (this.polls.get(name) ?? []).filter((p) => p.receivedAt <= until);
    const final = series.at(-1)?.byVersion[version] ?? 0;
    if (final === 0) return undefined;
    const i = series.findIndex((p) => (p.byVersion[version] ?? 0) === final);
    return series[i]!.receivedAt;
  }

  /** s since the timeline started, for messages. */
  at(t: number): string {
    return `${((t - this.origin) / 1000).toFixed(2)}s`;
  }

  /** For failure messages: per service, when each version's count changed. */
  describe(): string {
    return [...this.polls]
      .map(([name, series]) => {
        const changes: string[] = [];
        series.forEach((p, i) => {
          const before = series[i - 1]?.byVersion ?? {};
          const moved = Object.entries(p.byVersion).filter(([v, n]) => n !== (before[v] ?? 0));
          if (moved.length > 0)
            changes.push(`${this.at(p.receivedAt)} ${moved.map(([v, n]) => `${v}=${n}`).join(" ")}`);
        });
        // The long runs of one version are noise: the first and last few changes tell the story.
        const shown = changes.length > 24 ? [...changes.slice(0, 8), "…", ...changes.slice(-16)] : changes;
        return `${name}: ${shown.join(", ")}`;
      })
      .join("\n");
  }
}

/** One state of a member Rollout as the API server stored it. */
export interface RolloutSample {
  name: string;
  /** spec.template's VERSION. */
  version: string | undefined;
  /** spec.rollbackTo is set: an undo asked and not yet acted on. */
  rollbackTo: boolean;
  /** The kestrel.dev/group-released annotation: the revision its group lets move. */
  released: string | undefined;
  phase: string | undefined;
  current: string | undefined;
  stable: string | undefined;
  available: number;
  /** status describes this spec (observedGeneration caught up). */
  observed: boolean;
}

const sampleOf = (ro: Rollout): RolloutSample => ({
  name: ro.metadata.name ?? "",
  version: ro.spec.template.spec?.containers[0]?.env?.find((e) => e.name === "VERSION")?.value,
  rollbackTo: ro.spec.rollbackTo !== undefined,
  released: ro.metadata.annotations?.[groupReleasedAnnotation],
  phase: ro.status?.phase,
  current: ro.status?.currentPodHash,
  stable: ro.status?.stableRS,
  available: ro.status?.availableReplicas ?? 0,
  observed: ro.status?.observedGeneration === ro.metadata.generation,
});

/**
 * Every state of a namespace's Rollouts, from one watch. One watch of one resource reports the
 * changes in the order the API server stored them (resourceVersion order), across its objects
 * too, so the index of a sample orders it against every other: unlike two watches (Rollouts and
 * ReplicaSets), whose streams are not ordered against each other.
 */
export function watchRollouts(namespace: string): {
  started: Promise<void>;
  log: RolloutSample[];
  /** One member's spec history: each change of its version or of spec.rollbackTo, in order. */
  specHistory(name: string): Pick<RolloutSample, "version" | "rollbackTo">[];
  /** Ends the watch; throws if it had ended by itself before (it may have missed changes). */
  stop(): void;
  /** Ends the watch, quietly: for cleanup after a failure. */
  close(): void;
} {
  const log: RolloutSample[] = [];
  let ended: unknown;
  let abort: AbortController | undefined;
  const started = new k8s.Watch(testCluster().kc)
    .watch(
      `/apis/kestrel.dev/v1alpha1/namespaces/${namespace}/rollouts`,
      {},
      (_type: string, ro: Rollout) => log.push(sampleOf(ro)),
      (err) => (ended = err ?? "the watch ended"),
    )
    .then((a) => {
      abort = a;
    });
  const specHistory = (name: string) => {
    const seq: Pick<RolloutSample, "version" | "rollbackTo">[] = [];
    for (const x of log.filter((x) => x.name === name)) {
      const last = seq.at(-1);
      if (last?.version !== x.version || last?.rollbackTo !== x.rollbackTo)
        seq.push({ version: x.version, rollbackTo: x.rollbackTo });
    }
    return seq;
  };
  let closed = false;
  const close = (): unknown => {
    if (closed) return undefined;
    closed = true;
    const early = ended;
    abort?.abort();
    return early;
  };
  return {
    started,
    log,
    specHistory,
    close,
    stop: () => {
      const early = close();
      // A watch that ended early may have missed changes: what it recorded proves nothing.
      if (early !== undefined)
        throw new Error(`the Rollout watch ended before the test did: ${String(early)}`);
    },
  };
}
