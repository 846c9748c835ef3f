import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  annotate,
  apply,
  getRollout,
  revisions,
  rolloutManifest,
  waitForPhase,
} from "../support/rollouts.js";
import {
  createService,
  podMetric,
  sampleAppTemplate,
  startLoadGenerator,
  useRealNode,
} from "../support/sample-app.js";
import { waitFor } from "../support/wait.js";

const hashLabel = "rollouts-pod-template-hash";
const core = (): k8s.CoreV1Api => testCluster().kc.makeApiClient(k8s.CoreV1Api);

/** The sample app as a Rollout with a stable and a canary Service and role labels (Argo's fields). */
function webRollout(version: string): object {
  const labels = { app: "web" };
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: sampleAppTemplate({ labels, version }),
      strategy: {
        canary: {
          stableService: "web-stable",
          canaryService: "web-canary",
          stableMetadata: { labels: { role: "stable" }, annotations: { "example.com/role": "stable" } },
          canaryMetadata: { labels: { role: "canary" } },
          steps: [{ setWeight: 50 }, { pause: {} }],
        },
      },
    },
  };
}

/** Answers the load generator has had so far, by the pod that served them (no-answer excluded). */
async function servedSoFar(loadIp: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const s of await podMetric(loadIp, "loadgen_responses_total")) {
    if (s.labels.code === "0") continue;
    const pod = s.labels.served_by ?? "";
    counts.set(pod, (counts.get(pod) ?? 0) + s.value);
  }
  return counts;
}

/** The next `n` (or more) answers, by pod: every one counted, none sampled. */
async function nextAnswers(loadIp: string, n: number): Promise<Map<string, number>> {
  const before = await servedSoFar(loadIp);
  return waitFor(`${n} more answers through ${loadIp}`, async () => {
    const now = await servedSoFar(loadIp);
    const delta = new Map<string, number>();
    for (const [pod, c] of now)
      if (c - (before.get(pod) ?? 0) > 0) delta.set(pod, c - (before.get(pod) ?? 0));
    const total = [...delta.values()].reduce((a, b) => a + b, 0);
    return total >= n ? delta : undefined;
  });
}

/** The pods of one revision, by name, with their labels and annotations. */
async function podsOf(namespace: string, hash: string): Promise<k8s.V1Pod[]> {
  const list = await core().listNamespacedPod({ namespace, labelSelector: `${hashLabel}=${hash}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/**
 * The Service selects exactly revision `hash` (the user's app key kept), that revision's pods carry
 * the role's ephemeral label, and requests through the Service reach only them: first waiting for
 * kube-proxy to follow the switch, then a whole window of 60 answers in which every answer must
 * come from one of those pods.
 */
async function expectRole(
  namespace: string,
  service: string,
  hash: string,
  role: string,
  loadIp: string,
): Promise<void> {
  await waitFor(`${service} to select ${hashLabel}=${hash}`, async () => {
    const svc = await core().readNamespacedService({ namespace, name: service });
    const selector = svc.spec?.selector ?? {};
    if (selector[hashLabel] !== hash) throw new Error(`selector ${JSON.stringify(selector)}`);
    assert.deepEqual(selector, { app: "web", [hashLabel]: hash }, "the user's selector key stays");
    return true;
  });
  const pods = await waitFor(`the ${hash} pods to be labelled role=${role}`, async () => {
    const list = await podsOf(namespace, hash);
    const roles = list.map((p) => p.metadata?.labels?.role);
    if (list.length === 0 || roles.some((r) => r !== role)) throw new Error(`roles ${roles.join(",")}`);
    return list;
  });
  const names = new Set(pods.map((p) => p.metadata?.name ?? ""));
  const onlyRole = (delta: Map<string, number>): boolean => [...delta.keys()].every((p) => names.has(p));
  await waitFor(
    `requests through ${service} to reach only ${[...names].join(", ")}`,
    async () => (onlyRole(await nextAnswers(loadIp, 20)) ? true : undefined),
    { timeoutMs: 30_000 },
  );
  const window = await nextAnswers(loadIp, 60);
  assert.ok(
    onlyRole(window),
    `every request through ${service} is served by a ${role} pod (${[...names].join(", ")}); saw ${JSON.stringify([...window])}`,
  );
}

describe("stableService and canaryService on the real node: each selects its role's pods through steps, abort, retry, promotion and undo", () => {
  useRealNode();
  const ns = useNamespace("services");
  useController(ns);

  it("pins both Services to the right revision at every stage, and requests through each reach only that role's pods", async function () {
    this.timeout(420_000);
    const stableIp = await createService(ns(), "web-stable", { app: "web" });
    const canaryIp = await createService(ns(), "web-canary", { app: "web" });
    await apply(ns(), webRollout("v1"));
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    const [loadStable, loadCanary] = await Promise.all([
      startLoadGenerator(ns(), "load-stable", stableIp, 30),
      startLoadGenerator(ns(), "load-canary", canaryIp, 30),
    ]);
    const h1 = (await revisions(ns(), "web"))[0]!.hash;
    // No canary: both Services on the only (stable) revision.
    await expectRole(ns(), "web-stable", h1, "stable", loadStable);
    await expectRole(ns(), "web-canary", h1, "stable", loadCanary);
    const v1Pod = (await podsOf(ns(), h1))[0]!;
    assert.equal(v1Pod.metadata?.annotations?.["example.com/role"], "stable", "stable annotation too");

    // Step 1 (weight 50): the canary Service moves to v2 once its pod is available; stable stays.
    await apply(ns(), webRollout("v2"));
    await waitForPhase(ns(), "web", "Paused", 90_000);
    const h2 = (await revisions(ns(), "web"))[1]!.hash;
    await expectRole(ns(), "web-canary", h2, "canary", loadCanary);
    await expectRole(ns(), "web-stable", h1, "stable", loadStable);
    const canaryPod = (await podsOf(ns(), h2))[0]!.metadata!;
    assert.equal(
      canaryPod.annotations?.["example.com/role"],
      undefined,
      "no stable annotation on a canary pod",
    );

    // Abort: the canary Service goes back to the stable pods.
    await annotate(ns(), "web", "kestrel.dev/abort=true");
    await waitForPhase(ns(), "web", "Degraded", 60_000);
    await expectRole(ns(), "web-canary", h1, "stable", loadCanary);
    await expectRole(ns(), "web-stable", h1, "stable", loadStable);

    // Retry: back to step 1, the canary Service on the (new) canary pods again.
    await annotate(ns(), "web", "kestrel.dev/retry=true");
    await waitForPhase(ns(), "web", "Paused", 90_000);
    await expectRole(ns(), "web-canary", h2, "canary", loadCanary);
    await expectRole(ns(), "web-stable", h1, "stable", loadStable);
    const retriedPod = (await podsOf(ns(), h2))[0]!.metadata!;

    // Full promotion: both Services on v2; its running pods relabelled in place (not restarted).
    await annotate(ns(), "web", "kestrel.dev/promote=full");
    await waitForPhase(ns(), "web", "Healthy", 90_000);
    await expectRole(ns(), "web-stable", h2, "stable", loadStable);
    await expectRole(ns(), "web-canary", h2, "stable", loadCanary);
    const promoted = await podsOf(ns(), h2);
    const same = promoted.find((p) => p.metadata?.uid === retriedPod.uid);
    assert.ok(same, `the canary pod ${retriedPod.name} still runs, now as stable`);
    assert.equal(same.metadata?.annotations?.["example.com/role"], "stable");

    // Undo to v1 (the emergency path): both Services back on v1's pods, labelled stable.
    const undo = await kubectl([
      ..."patch rollout web --type merge -p".split(" "),
      JSON.stringify({ spec: { rollbackTo: { revision: 0 } } }),
      "-n",
      ns(),
    ]);
    assert.equal(undo.code, 0, undo.stderr);
    await waitFor(
      "the undo to v1 to complete",
      async () => {
        const ro = await getRollout(ns(), "web");
        return ro.status?.phase === "Healthy" && ro.status.stableRS === h1 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    await expectRole(ns(), "web-stable", h1, "stable", loadStable);
    await expectRole(ns(), "web-canary", h1, "stable", loadCanary);
    const ro = await getRollout(ns(), "web");
    assert.equal(ro.spec.template.metadata?.labels?.role, undefined, "the undo copied no ephemeral label");
  });
});

describe("a Service the Rollout names but that does not exist", () => {
  const ns = useNamespace("services-missing");
  useController(ns);

  it("is InvalidSpec naming the field and the Service, and no ReplicaSet is made", async function () {
    this.timeout(60_000);
    await createService(ns(), "web-stable", { app: "web" });
    const manifest = rolloutManifest("web", { replicas: 2 });
    manifest.spec.strategy.canary = {
      ...manifest.spec.strategy.canary,
      stableService: "web-stable",
      canaryService: "web-canary",
    };
    await apply(ns(), manifest);
    const ro = await waitForPhase(ns(), "web", "Degraded");
    const invalid = ro.status?.conditions?.find((c) => c.type === "InvalidSpec");
    assert.equal(invalid?.status, "True");
    assert.match(
      invalid?.message ?? "",
      new RegExp(
        `^spec\\.strategy\\.canary\\.canaryService: Service "web-canary" not found in namespace ${ns()}`,
      ),
    );
    assert.doesNotMatch(invalid?.message ?? "", /web-stable/, "the existing Service is not reported");
    assert.deepEqual(await revisions(ns(), "web"), [], "nothing is created for an invalid spec");
  });
});
