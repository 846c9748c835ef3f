import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { podSuccessRateTemplate } from "../../apps/success-rate.js";
import { gatewayRollout, routeHost, routeWeights } from "../../traffic/gateway-rollout.js";
import { cutover, startRequestLoop } from "../../traffic/request-loop.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { setUpGatewayApp } from "../support/gateway-app.js";
import { readRoute, sendThroughGateway, useGateway, waitForRouteAccepted } from "../support/gateway.js";
import { useNamespace } from "../support/namespace.js";
import { annotate, apply, getRollout, revisions, runsOf } from "../support/rollouts.js";
import { podMetric, useRealNode } from "../support/sample-app.js";
import { promQuery } from "../support/metrics-app.js";
import { waitFor } from "../support/wait.js";

/**
 * Real requests through the local cluster's Gateway API data plane (Traefik) to a Rollout's real
 * pods: the share the canary's pods serve follows setWeight, and a bad canary judged on its own
 * pods stops being served once the route puts it at 0.
 */

const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

/** Requests to / the pods of `app` counted themselves, by version (every code), read from each pod by IP. */
async function servedByPods(namespace: string, app: string, hash?: string): Promise<Record<string, number>> {
  const selector = hash ? `app=${app},rollouts-pod-template-hash=${hash}` : `app=${app}`;
  const pods = await core().listNamespacedPod({ namespace, labelSelector: selector });
  const served: Record<string, number> = {};
  for (const p of pods.items.filter((p) => p.status?.podIP))
    for (const s of await podMetric(p.status!.podIP!, "app_requests_total"))
      served[s.labels.version!] = (served[s.labels.version!] ?? 0) + s.value;
  return served;
}

/**
 * Requests served by the pods of `app`, by rollouts-pod-template-hash, as Prometheus counts them:
 * each pod's app_requests_total (every code) from its latest scrape, once every pod of the app
 * has been scraped after `after` (ms) and Prometheus scrapes exactly the app's Running pods, so a
 * difference of two readings counts the requests between them, whatever the scrape timing.
 */
async function servedByHash(namespace: string, app: string, after: number): Promise<Record<string, number>> {
  const pods = await core().listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  const running = pods.items.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
  const targets = `namespace="${namespace}",app="${app}"`;
  await waitFor(
    `Prometheus to scrape the ${running.length} pods of ${app} after the last request`,
    async () => {
      const [n] = await promQuery(`count(up{${targets}} == 1)`);
      const [oldest] = await promQuery(`min(timestamp(up{${targets}}))`);
      const scraped =
        Number(n?.value[1] ?? 0) === running.length && Number(oldest?.value[1] ?? 0) * 1000 > after;
      return scraped ? true : undefined;
    },
  );
  const served: Record<string, number> = {};
  for (const r of await promQuery(`sum by (rollouts_pod_template_hash) (app_requests_total{${targets}})`))
    served[r.metric.rollouts_pod_template_hash ?? ""] = Number(r.value[1]);
  return served;
}

describe("Rollout: real requests through the Gateway follow the canary's weight", () => {
  useRealNode();
  const gateway = useGateway();
  const ns = useNamespace("traffic-share");
  useController(ns);

  it("at setWeight 10, 50 and 90 the canary's pods serve that share of 1,000 requests as Prometheus counts them, within 3 points", async function () {
    this.timeout(420_000);
    const steps = [
      { setWeight: 10 },
      { pause: {} },
      { setWeight: 50 },
      { pause: {} },
      { setWeight: 90 },
      { pause: {} },
    ];
    const rollout = (version: string): object => gatewayRollout("web", { replicas: 5, version, steps });
    await setUpGatewayApp(ns(), "web", rollout("v1"));
    const host = routeHost("web", ns());
    await apply(ns(), rollout("v2"));
    const [stableRs, canaryRs] = await waitFor("the v2 ReplicaSet", async () => {
      const revs = await revisions(ns(), "web");
      return revs.length === 2 ? revs : undefined;
    });
    const [stableHash, canaryHash] = [stableRs!.hash, canaryRs!.hash];

    let previous = 0;
    for (const [i, weight] of [10, 50, 90].entries()) {
      if (i > 0) await annotate(ns(), "web", "kestrel.dev/promote=step");
      await waitFor(
        `the route at ${100 - weight}/${weight} and the Rollout paused on it`,
        async () => {
          const r = await getRollout(ns(), "web");
          const w = routeWeights(await readRoute(ns(), "web"));
          const paused = r.status?.phase === "Paused" && r.status.currentStepIndex === 2 * i + 1;
          return paused && w.join() === `${100 - weight},${weight}` ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
      await waitForRouteAccepted(ns(), "web", gateway().name);
      // Traefik applies what it reported just after: wait until 20 requests in a row are no longer
      // split at the previous weight (halfway between the two, a gate, not the measurement).
      const gate = Math.ceil(((previous + weight) / 2) * 0.2);
      await waitFor(`the data plane to carry weight ${weight} (>= ${gate} of 20 to v2)`, async () => {
        const t = await sendThroughGateway(gateway().url, host, 20, {}, 1);
        return (t.byVersion.v2 ?? 0) >= gate ? true : undefined;
      });
      const before = await servedByHash(ns(), "web", Date.now());
      const tally = await sendThroughGateway(gateway().url, host, 1000);
      const after = await servedByHash(ns(), "web", Date.now());
      const served = (hash: string): number => (after[hash] ?? 0) - (before[hash] ?? 0);
      const byPods = { stable: served(stableHash), canary: served(canaryHash) };
      assert.deepEqual(tally.failures, {}, `every request answered 200 at weight ${weight}`);
      assert.equal(
        byPods.stable + byPods.canary,
        1000,
        `Prometheus counted the 1,000 requests on the pods (${JSON.stringify({ before, after })})`,
      );
      const share = (byPods.canary / 1000) * 100;
      assert.ok(
        Math.abs(share - weight) <= 3,
        `weight ${weight}: canary pods served ${share}% (${byPods.canary} of 1,000 by Prometheus), not within 3 points`,
      );
      assert.equal(
        tally.byVersion.v2 ?? 0,
        byPods.canary,
        "the answers' x-version agrees with Prometheus' count of the canary pods' requests",
      );
      previous = weight;
    }
  });
});

describe("Rollout: a bad canary behind the Gateway is judged on its own pods and stops being served", () => {
  useRealNode();
  const gateway = useGateway();
  const ns = useNamespace("traffic-cut");
  useController(ns);

  it("30% errors fail the canary-only query, the route goes to 0 and the canary serves nothing more over a 1,000-request window while its pods are still up", async function () {
    this.timeout(420_000);
    const failureLimit = 2;
    await apply(
      ns(),
      podSuccessRateTemplate("pod-success-rate", testCluster().prometheusUrl, {
        metric: { interval: "3s", failureLimit, inconclusiveLimit: 10 },
      }),
    );
    const rollout = (version: string, errorRate: number): object =>
      gatewayRollout("bad", {
        replicas: 5,
        version,
        errorRate,
        // At weight 10 a query over stable and canary mixed would read about 0.97 and pass.
        steps: [{ setWeight: 10 }, { pause: {} }],
        analysis: { template: "pod-success-rate", namespace: ns() },
        abortScaleDownDelaySeconds: 60,
      });
    await setUpGatewayApp(ns(), "bad", rollout("v1", 0));
    const loop = startRequestLoop(gateway().url, routeHost("bad", ns()));
    // Reads of the route through the canary and its abort: when did its weight reach 0?
    let canaryHadWeight = false;
    let zeroSeenAt: number | undefined;
    let watching = true;
    const watcher = (async () => {
      while (watching && zeroSeenAt === undefined) {
        const w = routeWeights(await readRoute(ns(), "bad"));
        if (w[1]! > 0) canaryHadWeight = true;
        else if (canaryHadWeight) zeroSeenAt = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let canaryHash = "";
    let counterAtCut: Record<string, number> | undefined;
    try {
      await apply(ns(), rollout("v2", 0.3));
      canaryHash = (await waitFor("the v2 ReplicaSet", async () => (await revisions(ns(), "bad"))[1])).hash;
      await waitFor(
        "the abort",
        async () => ((await getRollout(ns(), "bad")).status?.abort ? true : undefined),
        { timeoutMs: 180_000 },
      );
      await waitFor("the route read at canary weight 0", async () =>
        zeroSeenAt !== undefined ? true : undefined,
      );
      // Once 200 answers in a row came from stable the new configuration is live (at weight 10
      // the canary gets every tenth): snapshot the canary pods' own counters there.
      await waitFor("200 stable answers in a row", async () => {
        const last = loop.answers.slice(-200);
        return last.length === 200 && last.every((a) => a.version === "v1") ? true : undefined;
      });
      counterAtCut = await servedByPods(ns(), "bad", canaryHash);
      const mark = loop.answers.length;
      await waitFor(
        "1,000 more answers",
        async () => (loop.answers.length >= mark + 1000 ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
    } finally {
      watching = false;
      await watcher;
      await loop.stop();
    }
    // The canary's pods were still there to serve through the whole window.
    const canaryRs = (await revisions(ns(), "bad")).find((r) => r.hash === canaryHash)!;
    assert.ok(canaryRs.available > 0, `the canary's pods are still available (${JSON.stringify(canaryRs)})`);
    assert.deepEqual(
      await servedByPods(ns(), "bad", canaryHash),
      counterAtCut,
      "the canary pods' own counters did not move over the window",
    );

    const [run] = (await runsOf(ns(), "bad")).filter((r) => r.status?.phase === "Failed");
    const failed = (run?.status?.metricResults?.[0]?.measurements ?? [])
      .filter((m) => m.phase === "Failed" && m.finishedAt)
      .sort((a, b) => Date.parse(a.finishedAt!) - Date.parse(b.finishedAt!));
    const deciding = failed[failureLimit];
    assert.ok(deciding, `a Failed AnalysisRun with ${failureLimit + 1} failed measurements`);
    const value = Number(/[\d.]+/.exec(deciding.value ?? "")?.[0]);
    assert.ok(
      value <= 0.8,
      `the query read the canary's pods only: ${deciding.value} (a 10% mix reads ~0.97)`,
    );
    const decidedAt = Date.parse(deciding.finishedAt!);

    const cut = cutover(loop.answers, (v) => v === "v2");
    assert.ok(cut.canaryAnswers > 0, "the canary served some of the loop's requests before the verdict");
    assert.ok(cut.cutoverAt !== undefined, "the canary stopped being served");
    // In flight: a canary answer to a request sent before the data plane applied the weight-0
    // route. That instant is cutoverAt (by construction every canary answer was sent before it);
    // what is asserted is that it came at most once: after it, over at least 1,000 requests, the
    // canary served nothing, by the loop's answers and by its pods' counters above.
    assert.ok(cut.afterCutover >= 1000, `${cut.afterCutover} answers after the cutover, all from stable`);
    const afterCut = loop.answers.filter((a) => a.sentAt >= cut.cutoverAt!);
    const notOk = afterCut.filter((a) => a.status !== 200);
    assert.deepEqual(
      notOk.length,
      0,
      // Status 0 is no answer at all (a connection the gateway refused or dropped), not a 5xx.
      `stable answered every request after the cutover with 200; not: ${JSON.stringify(
        notOk
          .slice(0, 5)
          .map((a) => ({ status: a.status, version: a.version, msAfterCut: a.sentAt - cut.cutoverAt! })),
      )}`,
    );
    process.stdout.write(
      `      deciding measurement ${deciding.finishedAt} (value ${deciding.value}); route at 0 read ` +
        `${zeroSeenAt! - decidedAt} ms later; cutover ${cut.cutoverAt - decidedAt} ms; last canary answer ` +
        `${cut.lastCanaryAt! - decidedAt} ms after the decision\n`,
    );
  });
});
