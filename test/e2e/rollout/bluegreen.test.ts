import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kestrelPlugin as kestrel, kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import { apply, getRollout, revisions, waitForPhase } from "../support/rollouts.js";
import {
  createService,
  podMetric,
  sampleAppTemplate,
  startLoadGenerator,
  useRealNode,
} from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

/**
 * Blue-green on the real node: real pods of the sample app behind an active and a preview
 * Service, load generators sending real requests through each, answers counted by the version
 * that served them (and by status code: code "0" is a request that got no answer at all).
 */

const hashLabel = "rollouts-pod-template-hash";
const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

function blueGreenRollout(version: string, errorRate: number, blueGreen: object): object {
  const labels = { app: "web" };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version, errorRate }),
      strategy: {
        blueGreen: { activeService: "web-active", previewService: "web-preview", ...blueGreen },
      },
    },
  };
}

/** Every answer so far through one load generator: by version, and the count of requests that failed outright. */
async function tally(
  loadIp: string,
): Promise<{ total: number; noAnswer: number; byVersion: Record<string, number> }> {
  const byVersion: Record<string, number> = {};
  let total = 0;
  let noAnswer = 0;
  for (const s of await podMetric(loadIp, "loadgen_responses_total")) {
    total += s.value;
    if (s.labels.code === "0") noAnswer += s.value;
    else byVersion[s.labels.version!] = (byVersion[s.labels.version!] ?? 0) + s.value;
  }
  return { total, noAnswer, byVersion };
}

const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(a)
      .map(([k, v]) => [k, v - (b[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

/** The next `n` answers through `loadIp`, by version. */
async function nextAnswers(loadIp: string, n: number): Promise<Record<string, number>> {
  const before = await tally(loadIp);
  const after = await waitFor(
    `${n} more answers through ${loadIp}`,
    async () => {
      const now = await tally(loadIp);
      return now.total - before.total >= n ? now : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return minus(after.byVersion, before.byVersion);
}

/** Waits until answers through `loadIp` come from `version` only, then asserts it over a whole window of 100. */
async function servedOnlyBy(loadIp: string, version: string, what: string): Promise<void> {
  await waitFor(
    `${what}: answers from ${version} only`,
    async () => {
      const d = await nextAnswers(loadIp, 20);
      return Object.keys(d).every((v) => v === version) ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  const window = await nextAnswers(loadIp, 100);
  assert.deepEqual(Object.keys(window), [version], `${what}: every one of 100 answers from ${version}`);
}

async function selectorOf(namespace: string, service: string): Promise<string | undefined> {
  const svc = await core().readNamespacedService({ namespace, name: service });
  return svc.spec?.selector?.[hashLabel];
}

describe("blue-green on the real node: manual promotion, the preview, and a switch without a failed request", () => {
  useRealNode();
  const ns = useNamespace("bluegreen");
  useController(ns);

  it("active serves only v1 until `kubectl kestrel promote`, the preview serves v2 before it, active only v2 after, and no request fails", async function () {
    this.timeout(360_000);
    const activeIp = await createService(ns(), "web-active", { app: "web" });
    const previewIp = await createService(ns(), "web-preview", { app: "web" });
    const manual = { autoPromotionEnabled: false, previewReplicaCount: 1, scaleDownDelaySeconds: 5 };
    await apply(ns(), blueGreenRollout("v1", 0, manual));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const [loadActive, loadPreview] = await Promise.all([
      startLoadGenerator(ns(), "load-active", activeIp, 40),
      startLoadGenerator(ns(), "load-preview", previewIp, 20),
    ]);
    await servedOnlyBy(loadActive, "v1", "active before the release");
    // Counted from here: a request the load generator sent while its own pod network or the new
    // Service's rules were still coming up is not one the release could have failed.
    const warmUp = await tally(loadActive);

    await apply(ns(), blueGreenRollout("v2", 0, manual));
    const paused = await waitForPhase(ns(), "web", "Paused", 90_000);
    assert.deepEqual(
      paused.status?.pauseConditions?.map((p) => p.reason),
      ["BlueGreenPause"],
    );
    const [r1, r2] = await revisions(ns(), "web");
    assert.deepEqual([r1!.replicas, r2!.replicas], [2, 1], "previewReplicaCount: one v2 pod beside v1's two");
    await servedOnlyBy(loadPreview, "v2", "the preview Service before promotion");
    // Waiting for a person: a whole window of 200 answers through active, all v1, still Paused.
    const waiting = await nextAnswers(loadActive, 200);
    assert.deepEqual(Object.keys(waiting), ["v1"], "active stays on v1 while paused");
    assert.equal((await getRollout(ns(), "web")).status?.phase, "Paused");
    assert.equal(await selectorOf(ns(), "web-active"), r1!.hash);

    const promote = await kestrel(["promote", "web", "-n", ns()]);
    assert.equal(promote.code, 0, promote.stderr);
    await waitFor(
      "activeService to select v2",
      async () => ((await selectorOf(ns(), "web-active")) === r2!.hash ? true : undefined),
      { timeoutMs: 90_000 },
    );
    const v2Pods = await revisions(ns(), "web");
    assert.equal(v2Pods[1]!.available, 2, "v2 had both pods available when active switched");
    await servedOnlyBy(loadActive, "v2", "active after promotion");
    const ro = await waitForPhase(ns(), "web", "Healthy", 60_000);
    assert.equal(ro.status?.stableRS, r2!.hash);
    await waitFor(
      "v1 scaled down after scaleDownDelaySeconds",
      async () => ((await revisions(ns(), "web"))[0]!.replicas === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const got = await kestrel(["get", "rollout", "web", "-n", ns()]);
    assert.match(got.stdout, new RegExp(`revision 2 ReplicaSet web-${r2!.hash} \\(active, stable\\)`));

    const all = await tally(loadActive);
    assert.equal(
      all.noAnswer - warmUp.noAnswer,
      0,
      `no request through active failed (of ${all.total - warmUp.total})`,
    );
  });
});

describe("blue-green on the real node: a failed post-promotion analysis puts traffic back on v1", () => {
  useRealNode();
  const ns = useNamespace("bluegreen-post");
  useController(ns);

  it("v2 answers 500s after the switch; the analysis fails and active selects v1 again; v1 serves every request after", async function () {
    this.timeout(300_000);
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit: 1, inconclusiveLimit: 20 },
      }),
    );
    const activeIp = await createService(ns(), "web-active", { app: "web" });
    await createService(ns(), "web-preview", { app: "web" });
    const post = {
      postPromotionAnalysis: {
        templates: [{ templateName: "pod-success-rate" }],
        args: [
          { name: "namespace", value: ns() },
          { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
        ],
      },
    };
    await apply(ns(), blueGreenRollout("v1", 0, post));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const loadActive = await startLoadGenerator(ns(), "load-active", activeIp, 40);
    await servedOnlyBy(loadActive, "v1", "active before the release");
    // Counted from here: a request the load generator sent while its own pod network or the new
    // Service's rules were still coming up is not one the release could have failed.
    const warmUp = await tally(loadActive);

    await apply(ns(), blueGreenRollout("v2", 0.5, post));
    const r2 = await waitFor("the v2 ReplicaSet", async () => (await revisions(ns(), "web"))[1]);
    await waitFor(
      "v2 to serve through active",
      async () => ((await nextAnswers(loadActive, 20)).v2 ? true : undefined),
      { timeoutMs: 90_000 },
    );
    const ro = await waitForPhase(ns(), "web", "Degraded", 120_000);
    assert.match(ro.status?.message ?? "", /aborted by analysis: analysis run web-.*-post Failed/);
    const r1 = (await revisions(ns(), "web"))[0]!;
    assert.equal(await selectorOf(ns(), "web-active"), r1.hash, "active back on v1");
    assert.equal(ro.status?.blueGreen?.activeSelector, r1.hash);
    await servedOnlyBy(loadActive, "v1", "active after the failed analysis");
    assert.notEqual(r1.hash, r2.hash);
    const all = await tally(loadActive);
    assert.equal(
      all.noAnswer - warmUp.noAnswer,
      0,
      `no request through active went unanswered (of ${all.total - warmUp.total})`,
    );
  });
});

describe("the CRD refuses a blueGreen Rollout without activeService", () => {
  const ns = useNamespace("bluegreen-crd");

  it("names spec.strategy.blueGreen.activeService", async () => {
    const manifest = blueGreenRollout("v1", 0, {}) as {
      spec: { strategy: { blueGreen: Record<string, unknown> } };
    };
    delete manifest.spec.strategy.blueGreen.activeService;
    const res = await kubectl(["apply", "-n", ns(), "-f", "-"], { input: JSON.stringify(manifest) });
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /spec\.strategy\.blueGreen\.activeService: .*spec\.strategy\.blueGreen\.activeService is required/,
    );
  });
});
