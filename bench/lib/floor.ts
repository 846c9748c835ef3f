import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../../controller/kube/client.js";
import { createNamespace, deleteNamespace, type BenchContext } from "./cluster.js";
import { phase } from "./log.js";
import { mapLimit } from "./pool.js";
import { createRollouts, image, manifest, type RolloutObject } from "./rollouts.js";
import { summarize, type Summary } from "./stats.js";

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };

/**
 * The API server's own floor for "many Rollouts react at once": the same number of writes as the
 * benchmark's Rollouts make, in a namespace no controller watches, sent together by a bare client
 * and timed from their common start to each answer. A step ends no sooner than its status write is
 * answered, and an image change is acted on no sooner than its ReplicaSet is created, so these
 * bound from below what any controller could reach on this machine for as many at once.
 */
export interface WriteFloor {
  /** What each write is, e.g. "status write of a Rollout". */
  write: string;
  /** Writes sent at once in each round. */
  writes: number;
  rounds: number;
  /** Each write's answer, in ms after its round's common start, over every measured round. */
  answered: Summary;
  /** The last answer of each round (ms after its start), summarised over the rounds. */
  lastOfRound: Summary;
}

/**
 * Runs `rounds` + 1 rounds of `writes` concurrent writes; the first opens the client's
 * connections and is not counted. `prepare` (untimed) returns the round's writes.
 */
async function timeRounds(
  write: string,
  writes: number,
  rounds: number,
  prepare: (round: number) => Promise<(() => Promise<unknown>)[]>,
): Promise<WriteFloor> {
  const answered: number[] = [];
  const last: number[] = [];
  await phase(`floor: ${rounds} rounds of ${writes} at once, each a ${write} (no controller)`, async () => {
    for (let round = 0; round <= rounds; round++) {
      const calls = await prepare(round);
      const start = performance.now();
      const times = await mapLimit(calls, calls.length, async (call) => {
        await call();
        return performance.now() - start;
      });
      if (round === 0) continue;
      answered.push(...times);
      last.push(Math.max(...times));
    }
  });
  return { write, writes, rounds, answered: summarize(answered), lastOfRound: summarize(last) };
}

/** The controller's own client: connections kept alive and shared (controller/kube/client.ts). */
const keepAlive = (ctx: BenchContext) => loadKubeConfig(ctx.kubeconfig);

/** In a namespace of its own, deleted afterwards. */
async function inScratchNamespace<T>(ctx: BenchContext, run: (ns: string) => Promise<T>): Promise<T> {
  const ns = await createNamespace(ctx, "bench-floor");
  try {
    return await run(ns);
  } finally {
    await deleteNamespace(ctx, ns);
  }
}

/** `writes` Rollouts' status subresources written at once (what `writes` steps ending together need). */
export function statusWriteFloor(ctx: BenchContext, writes: number, rounds = 5): Promise<WriteFloor> {
  const custom = keepAlive(ctx).makeApiClient(k8s.CustomObjectsApi);
  const names = Array.from({ length: writes }, (_, i) => `floor-${String(i).padStart(4, "0")}`);
  return inScratchNamespace(ctx, async (ns) => {
    await createRollouts(
      ctx.kc,
      ns,
      names.map((n) => manifest(n, { replicas: 0, steps: [{ setWeight: 50 }] })),
    );
    return timeRounds("status write of a Rollout", writes, rounds, async (round) => {
      const read = (name: string) =>
        custom.getNamespacedCustomObject({ ...ro, namespace: ns, name }) as Promise<RolloutObject>;
      const objects = await Promise.all(names.map(read));
      return objects.map(
        (o) => () =>
          custom.replaceNamespacedCustomObjectStatus({
            ...ro,
            namespace: ns,
            name: o.metadata.name ?? "",
            body: { ...o, status: { ...o.status, phase: "Progressing", message: `floor round ${round}` } },
          }),
      );
    });
  });
}

/** `writes` ReplicaSets of 0 replicas created at once (what `writes` image changes together need). */
export function replicaSetCreateFloor(ctx: BenchContext, writes: number, rounds = 5): Promise<WriteFloor> {
  const apps = keepAlive(ctx).makeApiClient(k8s.AppsV1Api);
  return inScratchNamespace(ctx, (namespace) =>
    timeRounds("ReplicaSet created", writes, rounds, (round) =>
      Promise.resolve(
        Array.from({ length: writes }, (_, i) => {
          const labels = { app: `floor-${i}`, round: String(round) };
          const body: k8s.V1ReplicaSet = {
            metadata: { name: `floor-${round}-${i}`, labels },
            spec: {
              replicas: 0,
              selector: { matchLabels: labels },
              template: { metadata: { labels }, spec: { containers: [{ name: "app", image: image(1) }] } },
            },
          };
          return () => apps.createNamespacedReplicaSet({ namespace, body });
        }),
      ),
    ),
  );
}
