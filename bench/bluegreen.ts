/**
 * Blue-green's way back, on the real node: a bad revision is promoted (activeService switched to
 * it), its postPromotionAnalysis fails, and Kestrel switches activeService back. Measured: from
 * the finishedAt of the measurement that failed the analysis to the last request a load
 * generator (sending through activeService) had answered by the bad revision, found by polling
 * the generator's own counters every few milliseconds (the poll gap is printed: it bounds the error).
 *
 *   npm run bench:bluegreen -- --count=10 --rps=100
 */
import * as k8s from "@kubernetes/client-node";
import { parseArgs } from "node:util";
import type { AnalysisRun } from "../controller/api/analysis.js";
import type { Rollout } from "../controller/api/rollout.js";
import { podSuccessRateTemplate } from "../test/apps/success-rate.js";
import { httpGet } from "../test/cluster/net.js";
import {
  appPort,
  appService,
  loadGeneratorPod,
  parseSamples,
  sampleAppTemplate,
} from "../test/cluster/node/workloads.js";
import { intFlag, isMain, runMain } from "./lib/cli.js";
import { createNamespace, deleteNamespace, localBenchContext, type BenchContext } from "./lib/cluster.js";
import { BenchController, controllerCommand, ensureBuilt } from "./lib/controller.js";
import { log, phase, sleep, waitUntil } from "./lib/log.js";
import { saveResults } from "./lib/results.js";
import { secs, summarize } from "./lib/stats.js";
import { printInputs, printTable } from "./lib/table.js";

export interface BlueGreenOptions {
  count: number;
  rps: number;
}

const ro = { group: "kestrel.dev", version: "v1alpha1" };
const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

function rollout(ns: string, version: string, errorRate: number): object {
  const labels = { app: "web" };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version, errorRate }),
      strategy: {
        blueGreen: {
          activeService: "web-active",
          scaleDownDelaySeconds: 0,
          abortScaleDownDelaySeconds: 5,
          postPromotionAnalysis: {
            templates: [{ templateName: "pod-success-rate" }],
            args: [
              { name: "namespace", value: ns },
              { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
            ],
          },
        },
      },
    },
  };
}

/** Answers so far through the load generator, by version. */
async function answers(loadIp: string): Promise<Record<string, number>> {
  const res = await httpGet(`http://${loadIp}:${appPort}/metrics`, {}, 1_000);
  const out: Record<string, number> = {};
  for (const s of parseSamples(res.body, "loadgen_responses_total"))
    if (s.labels.code !== "0") out[s.labels.version!] = (out[s.labels.version!] ?? 0) + s.value;
  return out;
}

/** Polls the generator until `stop()`; returns when `version`'s count last grew, and the largest gap between polls. */
function watchVersion(
  loadIp: string,
  version: string,
): { stop: () => Promise<{ lastAt: number; maxGapMs: number }> } {
  let running = true;
  let lastAt = 0;
  let maxGapMs = 0;
  const done = (async () => {
    let seen = -1;
    let prevPoll = Date.now();
    while (running) {
      const count = (await answers(loadIp).catch(() => undefined))?.[version];
      const now = Date.now();
      maxGapMs = Math.max(maxGapMs, now - prevPoll);
      prevPoll = now;
      if (count !== undefined && count > seen) {
        if (seen >= 0) lastAt = now;
        seen = count;
      }
      await sleep(2);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { lastAt, maxGapMs };
    },
  };
}

/** finishedAt of the measurement that failed the post-promotion run (failureLimit 0: the first Failed one). */
async function decidedAt(custom: k8s.CustomObjectsApi, ns: string, version: string): Promise<number> {
  const runs = (await custom.listNamespacedCustomObject({
    ...ro,
    plural: "analysisruns",
    namespace: ns,
  })) as {
    items: AnalysisRun[];
  };
  const rollout = (await custom.getNamespacedCustomObject({
    ...ro,
    plural: "rollouts",
    namespace: ns,
    name: "web",
  })) as Rollout;
  const run = runs.items.find(
    (r) => r.metadata.name === rollout.status?.blueGreen?.postPromotionAnalysisRunStatus?.name,
  );
  const failed = (run?.status?.metricResults?.[0]?.measurements ?? []).filter(
    (m) => m.phase === "Failed" && m.finishedAt,
  );
  if (!failed[0]?.finishedAt)
    throw new Error(`${version}: no failed measurement (${JSON.stringify(run?.status)})`);
  return Date.parse(failed[0].finishedAt);
}

/** Replaces spec.template (a JSON patch, as `kubectl apply` of a new version would change it). */
async function setTemplate(
  custom: k8s.CustomObjectsApi,
  ns: string,
  version: string,
  errorRate: number,
): Promise<void> {
  const template = sampleAppTemplate({ labels: { app: "web" }, version, errorRate });
  await custom.patchNamespacedCustomObject(
    {
      ...ro,
      plural: "rollouts",
      namespace: ns,
      name: "web",
      body: [{ op: "replace", path: "/spec/template", value: template }],
    },
    jsonPatch,
  );
}

async function phaseOf(custom: k8s.CustomObjectsApi, ns: string): Promise<string | undefined> {
  const r = (await custom.getNamespacedCustomObject({
    ...ro,
    plural: "rollouts",
    namespace: ns,
    name: "web",
  })) as Rollout;
  return r.status?.observedGeneration === r.metadata.generation ? r.status?.phase : undefined;
}

/** Brings up the template, Service, load generator and v1; returns the generator's pod IP. */
async function setUp(ctx: BenchContext, ns: string, o: BlueGreenOptions): Promise<string> {
  const custom = ctx.kc.makeApiClient(k8s.CustomObjectsApi);
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  await custom.createNamespacedCustomObject({
    ...ro,
    plural: "analysistemplates",
    namespace: ns,
    body: podSuccessRateTemplate("pod-success-rate", ctx.prometheusUrl, {
      window: "5s",
      metric: { interval: "1s", failureLimit: 0, inconclusiveLimit: 60 },
    }),
  });
  const svc = await core.createNamespacedService({
    namespace: ns,
    body: appService("web-active", { app: "web" }),
  });
  await custom.createNamespacedCustomObject({
    ...ro,
    plural: "rollouts",
    namespace: ns,
    body: rollout(ns, "v1", 0),
  });
  await waitUntil("v1 Healthy", async () => ((await phaseOf(custom, ns)) === "Healthy" ? true : undefined), {
    timeoutMs: 180_000,
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: loadGeneratorPod("load", svc.spec!.clusterIP!, o.rps),
  });
  return waitUntil("the load generator's IP", async () => {
    const p = await core.readNamespacedPod({ namespace: ns, name: "load" });
    const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    return ready ? p.status?.podIP : undefined;
  });
}

/** One bad release promoted and switched back; returns decision -> last answer by the bad version. */
async function oneRollback(
  custom: k8s.CustomObjectsApi,
  ns: string,
  loadIp: string,
  version: string,
): Promise<{ ms: number; maxGapMs: number }> {
  const watch = watchVersion(loadIp, version);
  await setTemplate(custom, ns, version, 0.5);
  await waitUntil(
    `${version} switched back`,
    async () => ((await phaseOf(custom, ns)) === "Degraded" ? true : undefined),
    {
      timeoutMs: 180_000,
    },
  );
  await sleep(5_000); // long after kube-proxy followed the switch: any later answer would show
  const { lastAt, maxGapMs } = await watch.stop();
  if (lastAt === 0) throw new Error(`${version} never answered through activeService`);
  const decided = await decidedAt(custom, ns, version);
  await setTemplate(custom, ns, "v1", 0);
  await waitUntil(
    "back on v1, Healthy",
    async () => ((await phaseOf(custom, ns)) === "Healthy" ? true : undefined),
    {
      timeoutMs: 120_000,
    },
  );
  return { ms: lastAt - decided, maxGapMs };
}

export async function runBlueGreen(ctx: BenchContext, o: BlueGreenOptions): Promise<void> {
  ensureBuilt();
  const ns = await createNamespace(ctx, "bench-bluegreen");
  const custom = ctx.kc.makeApiClient(k8s.CustomObjectsApi);
  const controller = new BenchController({ kubeconfig: ctx.controllerKubeconfig, namespaces: [ns] });
  try {
    await phase("starting the controller", () => controller.start());
    const loadIp = await phase("v1, activeService and the load generator", () => setUp(ctx, ns, o));
    const samples: { version: string; ms: number; maxGapMs: number }[] = [];
    for (let k = 1; k <= o.count; k++) {
      const version = `bad${k}`;
      const s = await oneRollback(custom, ns, loadIp, version);
      samples.push({ version, ...s });
      log(`  ${version}: decision -> last answer by it ${secs(s.ms)}s (poll gap <= ${s.maxGapMs}ms)`);
    }
    const summary = summarize(samples.map((s) => s.ms));
    const inputs = {
      rollbacks: o.count,
      replicas: 2,
      load: `${o.rps} requests/s through activeService (a pod on the real node)`,
      analysis:
        "postPromotionAnalysis: pod success rate over 5s every 1s, failureLimit 0; bad revision failing 50%",
      controller: controllerCommand(),
    };
    printInputs("Blue-green rollback benchmark inputs", inputs);
    printTable(
      `Blue-green switch back (seconds; ${o.count} rollbacks)`,
      ["span", "n", "min", "median", "p95", "max"],
      [
        [
          "deciding measurement -> last request served by the bad revision",
          summary.n,
          secs(summary.min),
          secs(summary.median),
          secs(summary.p95),
          secs(summary.max),
        ],
      ],
    );
    const met = summary.median < 1000;
    process.stdout.write(
      `target: under 1 s -> median ${secs(summary.median)} s, p95 ${secs(summary.p95)} s (${met ? "met" : "MISSED"})\n`,
    );
    saveResults("bluegreen", controller, { inputs, summary, samples, targets: { medianMs: 1000, met } });
  } finally {
    await controller.stop();
    await phase(`deleting namespace ${ns}`, () => deleteNamespace(ctx, ns));
  }
}

export function parseBlueGreenArgs(argv: string[]): BlueGreenOptions {
  const { values } = parseArgs({
    args: argv,
    options: { count: { type: "string" }, rps: { type: "string" } },
    strict: true,
  });
  return { count: intFlag("count", values.count, 10), rps: intFlag("rps", values.rps, 100) };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    await runBlueGreen(await localBenchContext(), parseBlueGreenArgs(process.argv.slice(2)));
  });
}
