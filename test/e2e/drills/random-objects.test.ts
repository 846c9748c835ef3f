import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, v2, waitForPhase, waitForSplit } from "../support/rollouts.js";
import { generateObjects, type GeneratedObject } from "./random-objects.js";

const group = { group: "kestrel.dev", version: "v1alpha1" };
const plural = { Rollout: "rollouts", AnalysisTemplate: "analysistemplates" } as const;

const seed = process.env.KESTREL_DRILL_SEED
  ? Number(process.env.KESTREL_DRILL_SEED)
  : Math.floor(Math.random() * 2 ** 31);
const count = Number(process.env.KESTREL_DRILL_OBJECTS ?? 500);
const concurrency = 16;

/** What the API server said to one create. */
interface Created {
  object: GeneratedObject;
  accepted: boolean;
  message: string;
}

function apiMessage(err: unknown): string {
  if (err instanceof k8s.ApiException) {
    try {
      return (JSON.parse(String(err.body)) as { message?: string }).message ?? String(err.body);
    } catch {
      return `HTTP ${err.code}: ${String(err.body)}`;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

const invalidSpec = (r: Rollout) =>
  r.status?.conditions?.find((c) => c.type === "InvalidSpec" && c.status === "True");

/**
 * Fault drill (issue 7): 500 randomly generated Rollouts and AnalysisTemplates, valid and
 * invalid, are created through the API while two real canaries step (one of them with a step
 * analysis against the real Prometheus). The controller must not crash or stall: it stays alive
 * and ready, the canaries complete, every valid Rollout (canary or blue-green, whose Services the
 * drill creates first) reaches Healthy, and every invalid object
 * gets a clear answer: refused at create with a message naming the wrong field, or InvalidSpec
 * (condition and Warning Event) naming it. No valid object is refused. The seed is printed;
 * KESTREL_DRILL_SEED=<seed> reproduces the same objects.
 */
describe("Drill: 500 random valid and invalid objects while rollouts are in flight", () => {
  const ns = useNamespace("drill-random");
  const controller = useController(ns);

  it(`answers each object clearly and keeps the valid rollouts moving (seed ${seed})`, async function () {
    this.timeout(600_000);
    process.stdout.write(
      `      seed ${seed}: KESTREL_DRILL_SEED=${seed} reproduces these ${count} objects\n`,
    );
    const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
    const objects = generateObjects(seed, { count, prometheusUrl: testCluster().prometheusUrl });

    // Two real canaries, stepping while the barrage lands.
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "canary-check" },
      spec: {
        metrics: [
          {
            name: "up",
            interval: "1s",
            count: 3,
            successCondition: "result[0] == 1",
            provider: { prometheus: { address: testCluster().prometheusUrl, query: "vector(1)" } },
          },
        ],
      },
    });
    const canaryA = rolloutManifest("canary-a", {
      replicas: 4,
      steps: [
        { setWeight: 25 },
        { pause: { duration: "2s" } },
        { setWeight: 50 },
        { pause: { duration: "2s" } },
        { setWeight: 75 },
        { pause: { duration: "2s" } },
      ],
    });
    const canaryB = rolloutManifest("canary-b", {
      replicas: 2,
      steps: [
        { setWeight: 50 },
        { analysis: { templates: [{ templateName: "canary-check" }] } },
        { pause: { duration: "2s" } },
      ],
    });
    await Promise.all([apply(ns(), canaryA), apply(ns(), canaryB)]);
    await Promise.all([waitForPhase(ns(), "canary-a", "Healthy"), waitForPhase(ns(), "canary-b", "Healthy")]);

    // The controller's health, sampled all along.
    const unhealthy: string[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        if (!controller().alive()) unhealthy.push(`${new Date().toISOString()} the controller exited`);
        else if (!(await controller().ready())) unhealthy.push(`${new Date().toISOString()} /readyz not 200`);
        await sleep(500);
      }
    })();

    const started = Date.now();
    await Promise.all([setImage(ns(), "canary-a", v2), setImage(ns(), "canary-b", v2)]);
    const canariesDone = Promise.all([
      waitForSplit(ns(), "canary-a", { [v2]: 4 }, { timeoutMs: 180_000 }).then(() =>
        waitForPhase(ns(), "canary-a", "Healthy"),
      ),
      waitForSplit(ns(), "canary-b", { [v2]: 2 }, { timeoutMs: 180_000 }).then(() =>
        waitForPhase(ns(), "canary-b", "Healthy"),
      ),
    ]).then(() => (Date.now() - started) / 1000);
    canariesDone.catch(() => undefined);

    // The barrage: templates first (Rollouts refer to them), then Rollouts, in parallel batches,
    // with strict field validation as kubectl applies.
    const created: Created[] = [];
    const create = async (object: GeneratedObject): Promise<void> => {
      try {
        await custom.createNamespacedCustomObject({
          ...group,
          plural: plural[object.kind],
          namespace: ns(),
          body: object.manifest,
          fieldValidation: "Strict",
        });
        created.push({ object, accepted: true, message: "" });
      } catch (err) {
        if (err instanceof k8s.ApiException && err.code >= 500) throw err;
        created.push({ object, accepted: false, message: apiMessage(err) });
      }
    };
    // The Services the blue-green Rollouts name exist before them.
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    for (const o of objects)
      for (const name of o.services ?? [])
        await core.createNamespacedService({
          namespace: ns(),
          body: { metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: o.name } } },
        });
    for (const kind of ["AnalysisTemplate", "Rollout"] as const) {
      const batch = objects.filter((o) => o.kind === kind);
      for (let i = 0; i < batch.length; i += concurrency) {
        await Promise.all(batch.slice(i, i + concurrency).map(create));
      }
    }
    const barrageSeconds = (Date.now() - started) / 1000;

    let canarySeconds: number;
    try {
      canarySeconds = await canariesDone;
    } catch (err) {
      probing = false;
      await prober;
      throw err;
    }

    // Every accepted Rollout settles: the valid ones Healthy, the invalid ones InvalidSpec.
    const expectedInvalid = new Map(
      objects.filter((o) => o.kind === "Rollout" && o.expect === "InvalidSpec").map((o) => [o.name, o]),
    );
    const validRollouts = new Set(
      objects.filter((o) => o.kind === "Rollout" && o.expect === "valid").map((o) => o.name),
    );
    let rollouts: Rollout[];
    let unsettled: string[];
    const settleDeadline = Date.now() + 240_000;
    for (;;) {
      const list = (await custom.listNamespacedCustomObject({
        ...group,
        plural: "rollouts",
        namespace: ns(),
      })) as { items: Rollout[] };
      rollouts = list.items;
      unsettled = rollouts
        .filter((r) => {
          const name = r.metadata.name ?? "";
          if (expectedInvalid.has(name)) return !invalidSpec(r);
          if (validRollouts.has(name)) return r.status?.phase !== "Healthy";
          return false;
        })
        .map((r) => `${r.metadata.name}: ${r.status?.phase ?? "no status"} ${r.status?.message ?? ""}`);
      if (unsettled.length === 0 || Date.now() > settleDeadline) break;
      await sleep(1_000);
    }
    const settleSeconds = (Date.now() - started) / 1000;
    probing = false;
    await prober;

    const events = await testCluster()
      .kc.makeApiClient(k8s.CoreV1Api)
      .listNamespacedEvent({ namespace: ns(), fieldSelector: "reason=InvalidSpec" });
    const replicaSets = await testCluster()
      .kc.makeApiClient(k8s.AppsV1Api)
      .listNamespacedReplicaSet({ namespace: ns() });

    // The verdict, object by object.
    const problems: string[] = [];
    const byName = new Map(rollouts.map((r) => [r.metadata.name ?? "", r]));
    const tally = new Map<string, number>();
    for (const { object: o, accepted, message } of created) {
      const what = `${o.kind} ${o.name}${o.mutation ? ` (${o.mutation}, ${o.field})` : ""}`;
      tally.set(`${o.kind} ${o.expect}`, (tally.get(`${o.kind} ${o.expect}`) ?? 0) + 1);
      if (o.expect === "refused") {
        if (accepted) problems.push(`${what}: was accepted, expected a refusal matching ${o.message}`);
        else if (!o.message!.test(message))
          problems.push(`${what}: refused saying "${message}", expected ${o.message}`);
        continue;
      }
      if (!accepted) {
        problems.push(
          `${what}: refused ("${message}") though ${o.expect === "valid" ? "valid" : "only the controller can judge it"}`,
        );
        continue;
      }
      if (o.kind !== "Rollout") continue; // a template's verdict shows on its probe Rollout
      const r = byName.get(o.name);
      if (!r) {
        problems.push(`${what}: accepted but not found`);
        continue;
      }
      const condition = invalidSpec(r);
      if (o.expect === "valid") {
        if (condition) problems.push(`${what}: valid but InvalidSpec: ${condition.message}`);
        else if (r.status?.phase !== "Healthy")
          problems.push(`${what}: valid but ${r.status?.phase ?? "no status"}: ${r.status?.message ?? ""}`);
        continue;
      }
      if (!condition) {
        problems.push(
          `${what}: expected InvalidSpec matching ${o.message}, got ${r.status?.phase ?? "no status"}: ${r.status?.message ?? ""}`,
        );
        continue;
      }
      if (!o.message!.test(condition.message ?? ""))
        problems.push(`${what}: InvalidSpec says "${condition.message}", expected ${o.message}`);
      if (r.status?.phase !== "Degraded") problems.push(`${what}: InvalidSpec but phase ${r.status?.phase}`);
      const warning = events.items.find(
        (e) => e.involvedObject.name === o.name && e.type === "Warning" && o.message!.test(e.message ?? ""),
      );
      if (!warning) problems.push(`${what}: no Warning InvalidSpec Event matching ${o.message}`);
      const owned = replicaSets.items.filter((rs) =>
        rs.metadata?.ownerReferences?.some((x) => x.name === o.name),
      );
      if (owned.length > 0)
        problems.push(`${what}: InvalidSpec yet owns ReplicaSet ${owned[0]!.metadata?.name}`);
    }

    const summary = [...tally].map(([k, n]) => `${k}: ${n}`).join(", ");
    process.stdout.write(
      `      ${created.length} objects (${summary}); barrage ${barrageSeconds.toFixed(1)}s, canaries done at ${canarySeconds.toFixed(1)}s, all settled at ${settleSeconds.toFixed(1)}s\n`,
    );
    const seedNote = `(seed ${seed}; rerun with KESTREL_DRILL_SEED=${seed})`;
    assert.equal(created.length, objects.length, `every object was sent ${seedNote}`);
    assert.deepEqual(unhealthy, [], `the controller stayed alive and ready ${seedNote}`);
    assert.deepEqual(
      problems.slice(0, 30),
      [],
      `${problems.length} object(s) not answered as expected ${seedNote}`,
    );
    assert.deepEqual(unsettled.slice(0, 30), [], `Rollouts that never settled ${seedNote}`);
    assert.ok(
      controller().alive() && (await controller().ready()),
      "the controller is alive and ready at the end",
    );
  });
});
