/**
 * Time for a bad canary to stop being served through the real gateway: from the finishedAt of
 * the measurement that exceeded failureLimit to the last request a canary pod answered, over
 * `count` rollbacks of the sample app on the real node behind the local cluster's Gateway
 * (Traefik), with a steady request loop from this process through the gateway.
 *
 *   npm run bench:gateway-rollback -- --count=10 --replicas=5 --error-rate=0.3
 */
import * as k8s from "@kubernetes/client-node";
import { decidingMeasurement } from "./lib/deciding.js";
import { parseArgs } from "node:util";
import { podSuccessRateTemplate } from "../test/apps/success-rate.js";
import { readClusterInfo } from "../test/cluster/cluster.js";
import { appService } from "../test/cluster/node/workloads.js";
import { gatewayRollout, gatewayRoute, routeHost, routeWeights } from "../test/traffic/gateway-rollout.js";
import { cutover, startRequestLoop, type RequestLoop } from "../test/traffic/request-loop.js";
import { intFlag, isMain, numFlag, runMain } from "./lib/cli.js";
import { createNamespace, deleteNamespace, localBenchContext, type BenchContext } from "./lib/cluster.js";
import { BenchController, controllerCommand, ensureBuilt } from "./lib/controller.js";
import { log, phase, waitUntil } from "./lib/log.js";
import { saveResults } from "./lib/results.js";
import { secs, summarize } from "./lib/stats.js";
import { printInputs, printTable } from "./lib/table.js";

export interface GatewayRollbackOptions {
  count: number;
  replicas: number;
  errorRate: number;
  failureLimit: number;
  interval: string;
}

export const gatewayRollbackDefaults: GatewayRollbackOptions = {
  count: 10,
  replicas: 5,
  errorRate: 0.3,
  failureLimit: 1,
  interval: "2s",
};

export interface GatewayRollbackSample {
  version: string;
  decidedAt: string;
  /** Decision -> this process first read the route with the canary at weight 0. */
  routeZeroMs: number;
  /** Decision -> the send time of the first request of the final all-stable run. */
  cutoverMs: number;
  /** Decision -> the last answer a canary pod gave (the figure). */
  lastCanaryMs: number;
  canaryAnswers: number;
}

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };
const app = "gw";

export async function runGatewayRollback(ctx: BenchContext, o: GatewayRollbackOptions) {
  const gateway = readClusterInfo()?.gateway;
  if (!gateway) throw new Error("the local cluster runs no Gateway (started with KESTREL_GATEWAY=0?)");
  ensureBuilt();
  const ns = await createNamespace(ctx, "bench-gw-rollback");
  const custom = ctx.kc.makeApiClient(k8s.CustomObjectsApi);
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const objects = k8s.KubernetesObjectApi.makeApiClient(ctx.kc);
  const controller = new BenchController({ kubeconfig: ctx.controllerKubeconfig, namespaces: [ns] });
  let loop: RequestLoop | undefined;
  const rollout = (version: string, errorRate: number) =>
    gatewayRollout(app, {
      replicas: o.replicas,
      version,
      errorRate,
      steps: [{ setWeight: 10 }, { pause: {} }],
      analysis: { template: "pod-success-rate", namespace: ns },
      abortScaleDownDelaySeconds: 5,
    }) as k8s.KubernetesObject & { spec: { template: object } };
  const getRollout = async () =>
    (await custom.getNamespacedCustomObject({ ...ro, namespace: ns, name: app })) as {
      status?: { phase?: string; abort?: boolean };
    };
  try {
    await objects.create({
      ...(podSuccessRateTemplate("pod-success-rate", ctx.prometheusUrl, {
        metric: { interval: o.interval, failureLimit: o.failureLimit, inconclusiveLimit: 10 },
      }) as k8s.KubernetesObject),
      metadata: { name: "pod-success-rate", namespace: ns },
    });
    for (const role of ["stable", "canary"])
      await core.createNamespacedService({ namespace: ns, body: appService(`${app}-${role}`, { app }) });
    const route = gatewayRoute(app, ns, gateway) as k8s.KubernetesObject;
    await objects.create({ ...route, metadata: { ...route.metadata, namespace: ns } });
    const first = rollout("v1", 0);
    await objects.create({ ...first, metadata: { ...first.metadata, namespace: ns } });
    await phase("starting the controller", () => controller.start());
    await phase("v1 Healthy and served through the gateway", async () => {
      await waitUntil(
        "v1 Healthy",
        async () => (await getRollout()).status?.phase === "Healthy" || undefined,
        {
          timeoutMs: 180_000,
          intervalMs: 500,
        },
      );
      loop = startRequestLoop(gateway.url, routeHost(app, ns));
      await waitUntil(
        "200s from v1",
        () =>
          (loop!.answers.length >= 50 && loop!.answers.slice(-50).every((a) => a.status === 200)) ||
          undefined,
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
    });

    const samples: GatewayRollbackSample[] = [];
    for (let i = 1; i <= o.count; i++) {
      const version = `bad-${i}`;
      const mark = loop!.answers.length;
      const t0 = Date.now();
      await custom.patchNamespacedCustomObject(
        {
          ...ro,
          namespace: ns,
          name: app,
          body: { spec: { template: rollout(version, o.errorRate).spec.template } },
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      let routeZeroAt: number | undefined;
      let hadWeight = false;
      await waitUntil(
        `${version} aborted and its route at 0`,
        async () => {
          const w = routeWeights(
            (await custom.getNamespacedCustomObject({
              group: "gateway.networking.k8s.io",
              version: "v1",
              plural: "httproutes",
              namespace: ns,
              name: app,
            })) as { spec?: { rules?: { backendRefs?: { weight?: number }[] }[] } },
          );
          if (w[1]! > 0) hadWeight = true;
          else if (hadWeight && routeZeroAt === undefined) routeZeroAt = Date.now();
          return (routeZeroAt !== undefined && (await getRollout()).status?.abort) || undefined;
        },
        { timeoutMs: 240_000, intervalMs: 50 },
      );
      // The new configuration is live once 200 answers in a row came from stable.
      await waitUntil(
        "200 stable answers in a row",
        () => {
          const last = loop!.answers.slice(-200);
          return (last.length === 200 && last.every((a) => a.version === "v1")) || undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      const decidedAt = await decidingMeasurement(custom, ns, app, o.failureLimit, t0);
      const cut = cutover(loop!.answers.slice(mark), (v) => v === version);
      if (cut.lastCanaryAt === undefined || cut.cutoverAt === undefined)
        throw new Error(`${version}: the canary served none of the loop's requests`);
      const d = Date.parse(decidedAt);
      const sample = {
        version,
        decidedAt,
        routeZeroMs: routeZeroAt! - d,
        cutoverMs: cut.cutoverAt - d,
        lastCanaryMs: cut.lastCanaryAt - d,
        canaryAnswers: cut.canaryAnswers,
      };
      samples.push(sample);
      log(
        `  ${version}: route at 0 +${secs(sample.routeZeroMs)}s, last canary answer +${secs(sample.lastCanaryMs)}s (${cut.canaryAnswers} canary answers)`,
      );
      await waitUntil(
        `${version}'s pods gone`,
        async () => {
          const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` });
          return (
            pods.items.every(
              (p) =>
                p.metadata?.labels?.["rollouts-pod-template-hash"] !== undefined &&
                p.spec?.containers[0]?.env?.find((e) => e.name === "VERSION")?.value === "v1",
            ) || undefined
          );
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    }
    return report(o, samples, controller);
  } finally {
    await loop?.stop();
    await controller.stop();
    await phase(`deleting namespace ${ns}`, () => deleteNamespace(ctx, ns));
  }
}

function report(o: GatewayRollbackOptions, samples: GatewayRollbackSample[], controller: BenchController) {
  const summary = {
    lastCanaryMs: summarize(samples.map((s) => s.lastCanaryMs)),
    cutoverMs: summarize(samples.map((s) => s.cutoverMs)),
    routeZeroMs: summarize(samples.map((s) => s.routeZeroMs)),
  };
  const inputs = {
    rollbacks: o.count,
    replicas: o.replicas,
    steps: "setWeight 10, pause {} (background analysis over the canary's pods)",
    analysis: `prometheus pod success rate every ${o.interval}, failureLimit ${o.failureLimit}, canary failing ${o.errorRate * 100}%`,
    traffic:
      "two sequential request loops from this process through the gateway (Traefik, loopback), 5 ms apart",
    controller: controllerCommand(),
  };
  printInputs("Gateway rollback benchmark inputs", inputs);
  const row = (label: string, s: ReturnType<typeof summarize>) => [
    label,
    s.n,
    secs(s.min),
    secs(s.median),
    secs(s.p95),
    secs(s.max),
  ];
  printTable(
    `From the deciding measurement (seconds; ${o.count} rollbacks of ${o.replicas} replicas)`,
    ["span", "n", "min", "median", "p95", "max"],
    [
      row("route read at canary weight 0", summary.routeZeroMs),
      row("cutover: first request of the all-stable run sent", summary.cutoverMs),
      row("last request served by a canary pod", summary.lastCanaryMs),
    ],
  );
  return saveResults("gateway-rollback", controller, { inputs, summary, samples });
}

export function parseGatewayRollbackArgs(argv: string[]): GatewayRollbackOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: "string" },
      replicas: { type: "string" },
      "error-rate": { type: "string" },
      "failure-limit": { type: "string" },
      interval: { type: "string" },
    },
    strict: true,
  });
  const d = gatewayRollbackDefaults;
  return {
    count: intFlag("count", values.count, d.count),
    replicas: intFlag("replicas", values.replicas, d.replicas, 2),
    errorRate: numFlag("error-rate", values["error-rate"], d.errorRate),
    failureLimit: intFlag("failure-limit", values["failure-limit"], d.failureLimit, 0),
    interval: values.interval ?? d.interval,
  };
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    await runGatewayRollback(await localBenchContext(), parseGatewayRollbackArgs(process.argv.slice(2)));
  });
}
