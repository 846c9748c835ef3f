import * as k8s from "@kubernetes/client-node";
import { defaultDashboardPort } from "../../controller/cli/args.js";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePorts, httpGet } from "./net.js";
import { repoRoot } from "./paths.js";
import { startDetached, stopProcess, type RecordedProcess } from "./proc.js";
import { log } from "./progress.js";
import { waitUntil } from "./smoke.js";
import { podSuccessRateTemplate } from "../apps/success-rate.js";
import { appService, loadGeneratorPod, parseSamples, sampleAppTemplate } from "./node/workloads.js";

/**
 * The demo: Kestrel's controller on the cluster, a sample app with three versions whose metrics
 * Prometheus scrapes, a healthy canary walked to 100%, then a bad version (30% errors) that the
 * analysis rolls back by itself. Processes it starts are recorded in demo.json in the state folder
 * and stopped by `npm run cluster:down`.
 *
 * On the local cluster with its real node, the versions are the Rollout's own pods (the sample
 * app image, error rate in the pod template) behind a Service that a load generator pod calls;
 * Prometheus finds them through kubernetes_sd and the analysis selects the canary's pods by their
 * rollouts-pod-template-hash. On another cluster (KESTREL_CLUSTER=existing), where the local
 * images do not exist, one local process per version stands in for the pods.
 */
export interface DemoTarget {
  kubeconfig: string;
  prometheusUrl: string;
  prometheusTargets: string;
  state: string;
  /** The cluster has the real node: run the versions as real pods. */
  realPods?: boolean;
}

const namespace = "kestrel-demo";
const demoFile = (state: string): string => path.join(state, "demo.json");
const versions = [
  { version: "v1", errorRate: 0 },
  { version: "v2", errorRate: 0 },
  { version: "v3", errorRate: 0.3 },
];
const custom = { group: "kestrel.dev", version: "v1alpha1" };

export async function stopDemo(state: string): Promise<void> {
  try {
    const procs = JSON.parse(fs.readFileSync(demoFile(state), "utf8")) as RecordedProcess[];
    for (const p of procs.reverse()) await stopProcess(p);
    fs.rmSync(demoFile(state), { force: true });
  } catch {
    // no demo running
  }
}

export async function runDemo(t: DemoTarget, started: RecordedProcess[] = []): Promise<void> {
  const kubectl = (...args: string[]): string =>
    execFileSync("kubectl", ["--kubeconfig", t.kubeconfig, ...args], {
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
  const procs: RecordedProcess[] = [...started];
  const save = (): void => fs.writeFileSync(demoFile(t.state), JSON.stringify(procs, null, 2));
  const logs = path.join(t.state, "logs");
  fs.mkdirSync(logs, { recursive: true });

  log("installing the CRDs (kubectl apply --server-side -f crds/)");
  kubectl("apply", "--server-side", "--force-conflicts", "-f", path.join(repoRoot, "crds"));
  kubectl(
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/rollouts.kestrel.dev",
    "crd/analysisruns.kestrel.dev",
  );

  if (!t.realPods)
    log("starting the sample app's three versions (v3 serves 30% errors), scraped by Prometheus");
  for (const v of t.realPods ? [] : versions) {
    const [port] = await freePorts(1);
    procs.push(
      startDetached(
        `app-${v.version}`,
        process.execPath,
        [
          "--import",
          "tsx",
          path.join(repoRoot, "test", "apps", "metrics-app.ts"),
          "--port",
          String(port),
          "--version",
          v.version,
          "--error-rate",
          String(v.errorRate),
        ],
        path.join(logs, `demo-app-${v.version}.log`),
      ),
    );
    save();
    fs.writeFileSync(
      path.join(t.prometheusTargets, `demo-${v.version}.json`),
      JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { app_name: `demo-${v.version}` } }]),
    );
  }

  log("starting the Kestrel controller (log: logs/demo-controller.log)");
  const [metricsPort] = await freePorts(1);
  procs.push(
    startDetached(
      "kestrel-controller",
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(repoRoot, "controller", "main.ts"),
        `--kubeconfig=${t.kubeconfig}`,
        `--metrics-port=${metricsPort}`,
        "--bind-address=127.0.0.1",
      ],
      path.join(logs, "demo-controller.log"),
    ),
  );
  save();
  await waitUntil(
    60_000,
    async () => (await httpGet(`http://127.0.0.1:${metricsPort}/readyz`)).status === 200,
    "the controller to be ready",
  );
  await waitUntil(
    60_000,
    async () => {
      if (t.realPods) return true;
      const q = encodeURIComponent('count(rate(app_requests_total{app_name=~"demo-.*"}[5s]) > 0)');
      const body = JSON.parse((await httpGet(`${t.prometheusUrl}/api/v1/query?query=${q}`)).body) as {
        data?: { result: { value: [number, string] }[] };
      };
      return Number(body.data?.result[0]?.value[1] ?? 0) >= versions.length;
    },
    "Prometheus to have a rate for every version",
  );

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  await waitUntil(
    30_000,
    async () => {
      await core.readNamespacedServiceAccount({ name: "default", namespace });
      return true;
    },
    "the namespace's default ServiceAccount",
  );
  const apply = (doc: object): void =>
    void execFileSync("kubectl", ["--kubeconfig", t.kubeconfig, "apply", "-n", namespace, "-f", "-"], {
      input: JSON.stringify(doc),
    });

  if (t.realPods) {
    apply(
      podSuccessRateTemplate("success-rate", t.prometheusUrl, {
        // The first measurements may come before the canary's pods serve: no data, not judged.
        metric: { interval: "2s", failureLimit: 2, inconclusiveLimit: 10 },
      }),
    );
  } else
    apply({
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "success-rate" },
      spec: {
        args: [{ name: "version" }],
        metrics: [
          {
            name: "success-rate",
            interval: "2s",
            failureLimit: 2,
            successCondition: "result[0] >= 0.95",
            provider: {
              prometheus: {
                address: t.prometheusUrl,
                query:
                  'sum(rate(app_requests_total{app_name="demo-{{args.version}}",code!="500"}[5s])) / sum(rate(app_requests_total{app_name="demo-{{args.version}}"}[5s]))',
              },
            },
          },
        ],
      },
    });
  const realRollout = (version: string): object => ({
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", annotations: { "kubernetes.io/change-cause": `deploy ${version}` } },
    spec: {
      replicas: 10,
      selector: { matchLabels: { app: "web" } },
      template: sampleAppTemplate({
        labels: { app: "web", version },
        version,
        errorRate: versions.find((v) => v.version === version)!.errorRate,
      }),
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: { duration: "6s" } },
            { setWeight: 50 },
            { pause: { duration: "6s" } },
          ],
          analysis: {
            templates: [{ templateName: "success-rate" }],
            args: [
              { name: "namespace", value: namespace },
              { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
            ],
          },
        },
      },
    },
  });
  const rollout = (version: string): object =>
    t.realPods
      ? realRollout(version)
      : {
          apiVersion: "kestrel.dev/v1alpha1",
          kind: "Rollout",
          metadata: { name: "web", annotations: { "kubernetes.io/change-cause": `deploy ${version}` } },
          spec: {
            replicas: 10,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web", version } },
              spec: { containers: [{ name: "web", image: `example.com/web:${version}` }] },
            },
            strategy: {
              canary: {
                steps: [
                  { setWeight: 20 },
                  { pause: { duration: "6s" } },
                  { setWeight: 50 },
                  { pause: { duration: "6s" } },
                ],
                analysis: {
                  templates: [{ templateName: "success-rate" }],
                  args: [
                    {
                      name: "version",
                      valueFrom: { fieldRef: { fieldPath: "spec.template.metadata.labels.version" } },
                    },
                  ],
                },
              },
            },
          },
        };

  const follow = async (what: string, done: (phase: string) => boolean): Promise<string> => {
    let last = "";
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ro = (await api.getNamespacedCustomObject({
        ...custom,
        plural: "rollouts",
        namespace,
        name: "web",
      })) as {
        status?: { phase?: string; message?: string; observedGeneration?: number };
        metadata: { generation?: number };
      };
      const line = `${ro.status?.phase ?? "-"}: ${ro.status?.message ?? ""}`;
      if (line !== last) {
        log(`  ${line}`);
        last = line;
      }
      if (ro.status?.observedGeneration === ro.metadata.generation && done(ro.status?.phase ?? ""))
        return ro.status?.phase ?? "";
      if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // A clean slate, so a second demo tells the same story.
  kubectl("delete", "rollout", "web", "-n", namespace, "--ignore-not-found", "--wait=true");
  log("1/3 deploying v1: the first version goes straight to full scale");
  apply(rollout("v1"));
  await follow("v1", (p) => p === "Healthy");
  let loadIp = "";
  if (t.realPods) {
    await core.deleteNamespacedPod({ namespace, name: "load" }).catch(() => undefined);
    await core.deleteNamespacedService({ namespace, name: "web" }).catch(() => undefined);
    await waitUntil(
      30_000,
      () =>
        core.readNamespacedPod({ namespace, name: "load" }).then(
          () => false,
          () => true,
        ),
      "the old load generator to go",
    );
    const svc = await core.createNamespacedService({ namespace, body: appService("web", { app: "web" }) });
    log(`a load generator pod sends 40 requests/s to the Service web (${svc.spec?.clusterIP})`);
    await core.createNamespacedPod({ namespace, body: loadGeneratorPod("load", svc.spec!.clusterIP!, 40) });
    await waitUntil(
      60_000,
      async () => {
        const p = await core.readNamespacedPod({ namespace, name: "load" });
        loadIp = p.status?.podIP ?? "";
        return !!loadIp && !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      },
      "the load generator to be Ready",
    );
  }
  log("2/3 shipping v2 (healthy): canary 20% -> 50% -> 100%, Prometheus checking its success rate");
  apply(rollout("v2"));
  await new Promise((r) => setTimeout(r, 500));
  await follow("v2", (p) => p === "Healthy");
  log("3/3 shipping v3 (30% errors): the analysis fails and Kestrel rolls back by itself");
  apply(rollout("v3"));
  await new Promise((r) => setTimeout(r, 500));
  await follow("v3's rollback", (p) => p === "Degraded");
  if (t.realPods) {
    const answered = async (): Promise<Record<string, number>> => {
      const body = (await httpGet(`http://${loadIp}:8080/metrics`)).body;
      const by: Record<string, number> = {};
      for (const s of parseSamples(body, "loadgen_responses_total"))
        by[s.labels.version || "none"] = (by[s.labels.version || "none"] ?? 0) + s.value;
      return by;
    };
    const before = await answered();
    await new Promise((r) => setTimeout(r, 5_000));
    const after = await answered();
    const served = Object.keys(after)
      .filter((v) => v === "v3" || after[v]! > (before[v] ?? 0))
      .map((v) => `${v} ${after[v]! - (before[v] ?? 0)}`)
      .join(", ");
    log(`requests answered in the 5s after the rollback, by version: ${served}`);
  }
  log(kubectl("get", "rollout,replicasets,analysisruns", "-n", namespace).trimEnd());
  const onPath = (process.env.PATH ?? "")
    .split(":")
    .some((d) => fs.existsSync(path.join(d, "kubectl-kestrel")));
  log("explore:");
  log(`  export KUBECONFIG=${t.kubeconfig}`);
  if (!onPath) log("  npm run plugin:install                           # once: puts kubectl-kestrel on PATH");
  log(`  kubectl kestrel get web -n ${namespace}          # revisions, ReplicaSets, pods, analysis runs`);
  log(`  kubectl kestrel history web -n ${namespace}      # rollback targets, with the analysis verdict`);
  log(`  kubectl kestrel retry web -n ${namespace}        # try v3 again`);
  log(`  kubectl kestrel undo web -n ${namespace} --to-last-good`);
  log(`  kubectl -n ${namespace} describe rollout web     # every decision as an Event`);
  log("  npm run cluster:down                             # stop everything");
}

/** The demo's last words (cli.ts prints them after the timings): the same story, in a browser. */
export function dashboardHint(): void {
  log("dashboard (the Rollout page shows v3's failed analysis against its threshold, and the rollback):");
  log(`  kubectl kestrel dashboard -n ${namespace}        # serves the URL below; Ctrl-C stops it`);
  log(`  http://127.0.0.1:${defaultDashboardPort}/#/${namespace}/web`);
}
