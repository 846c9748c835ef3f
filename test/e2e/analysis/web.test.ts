import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { kubectl } from "../support/kubectl.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  rolloutEvents,
  rolloutManifest,
  setImage,
  v2,
  waitForPhase,
  waitForSplit,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/** A small HTTP service on loopback (the e2e controller runs on the host, so it reaches it). */
function healthService(): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; close: () => void }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const json = (res: http.ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(body);
  };
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === "/ok") return json(res, 200, '{"message":"It worked!"}');
    if (req.url === "/other") return json(res, 200, '{"message":"It did not"}');
    // Echoes what it was sent, as a careless service might: the measurement must not show it.
    if (req.url === "/echo") return json(res, 200, JSON.stringify({ auth: req.headers.authorization ?? "" }));
    if (req.url === "/500") return json(res, 500, '{"message":"It worked!"}');
    // Slower than the metric's timeout; answered anyway so the socket ends.
    if (req.url === "/slow") {
      setTimeout(() => json(res, 200, '{"message":"It worked!"}'), 4_000);
      return;
    }
    json(res, 404, "{}");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        seen,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

const custom = (): k8s.CustomObjectsApi => testCluster().kc.makeApiClient(k8s.CustomObjectsApi);

async function getRun(namespace: string, name: string): Promise<AnalysisRun> {
  return (await custom().getNamespacedCustomObject({
    group: "kestrel.dev",
    version: "v1alpha1",
    namespace,
    plural: "analysisruns",
    name,
  })) as AnalysisRun;
}

/** A one-measurement run of one Web metric; any Error ends it (consecutiveErrorLimit 0). */
async function webRun(namespace: string, name: string, web: Record<string, unknown>): Promise<AnalysisRun> {
  await apply(namespace, {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name },
    spec: {
      metrics: [
        {
          name: "hello",
          count: 1,
          consecutiveErrorLimit: 0,
          successCondition: "result == 'It worked!'",
          provider: { web: { timeoutSeconds: 1, jsonPath: "{$.message}", ...web } },
        },
      ],
    },
  });
  return waitFor(`AnalysisRun ${name} to end`, async () => {
    const run = await getRun(namespace, name);
    return ["Successful", "Failed", "Error", "Inconclusive"].includes(run.status?.phase ?? "")
      ? run
      : undefined;
  });
}

const measurement = (run: AnalysisRun) => run.status?.metricResults?.[0]?.measurements?.[0];

describe("Analysis: the Web provider", () => {
  const ns = useNamespace("web");
  const controller = useController(ns);
  let svc: Awaited<ReturnType<typeof healthService>>;
  before(async () => {
    svc = await healthService();
  });
  after(() => svc.close());

  it('passes when the value at jsonPath is "It worked!"', async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "ok", { url: `${svc.url}/ok` });
    assert.equal(run.status?.phase, "Successful");
    assert.equal(measurement(run)?.value, '"It worked!"');
  });

  it("fails on another message", async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "other", { url: `${svc.url}/other` });
    assert.equal(run.status?.phase, "Failed");
    assert.equal(measurement(run)?.phase, "Failed");
    assert.equal(measurement(run)?.value, '"It did not"');
  });

  it("is an Error when the service answers later than timeoutSeconds", async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "slow", { url: `${svc.url}/slow` });
    assert.equal(run.status?.phase, "Error");
    assert.equal(measurement(run)?.message, `Web call to ${svc.url}/slow failed: no answer within 1s`);
  });

  it("is an Error on HTTP 500, even with a passing body", async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "five-hundred", { url: `${svc.url}/500` });
    assert.equal(run.status?.phase, "Error");
    assert.equal(measurement(run)?.message, `Web call to ${svc.url}/500 answered HTTP 500, want 2xx`);
  });

  it("is an Error when jsonPath matches nothing", async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "no-path", { url: `${svc.url}/ok`, jsonPath: "$.data.message" });
    assert.equal(run.status?.phase, "Error");
    assert.equal(
      measurement(run)?.message,
      `Web call to ${svc.url}/ok: jsonPath $.data.message matched nothing in the response`,
    );
  });

  it("refuses a metadata-range URL before any request, naming the rule", async function () {
    this.timeout(30_000);
    const run = await webRun(ns(), "metadata", { url: "http://169.254.169.254/latest/meta-data/" });
    assert.equal(run.status?.phase, "Error");
    assert.equal(
      measurement(run)?.message,
      'Web call to http://169.254.169.254/latest/meta-data/ not sent: 169.254.169.254:80 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    );
  });

  it("sends a header from a Secret-backed argument, and the value appears in no run (masked where a service echoes it), Event or log", async function () {
    this.timeout(60_000);
    const token = `tok-${Math.random().toString(36).slice(2, 12)}`;
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({
      namespace: ns(),
      body: { metadata: { name: "web-token" }, stringData: { token } },
    });
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "web-check" },
      spec: {
        args: [{ name: "token", valueFrom: { secretKeyRef: { name: "web-token", key: "token" } } }],
        metrics: [
          {
            name: "hello",
            count: 1,
            successCondition: "result == 'It worked!'",
            provider: {
              web: {
                url: `${svc.url}/ok`,
                jsonPath: "$.message",
                headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }],
              },
            },
          },
          {
            name: "echo",
            count: 1,
            successCondition: "result != ''",
            provider: {
              web: {
                url: `${svc.url}/echo`,
                jsonPath: "$.auth",
                headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }],
              },
            },
          },
        ],
      },
    });
    const manifest: Rollout = rolloutManifest("secret-header", { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "web-check" }] } }],
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), "secret-header", "Healthy");
    await setImage(ns(), "secret-header", v2);
    await waitForSplit(ns(), "secret-header", { [v2]: 2 });
    await waitForPhase(ns(), "secret-header", "Healthy");

    assert.ok(
      svc.seen.some((h) => h.authorization === `Bearer ${token}`),
      "the service received the Secret's value in the Authorization header",
    );
    const runs = await kubectl(["get", "ar", "-n", ns(), "-o", "yaml"]);
    assert.match(runs.stdout, /Bearer \{\{args\.token\}\}/, "the run keeps the header as written");
    assert.equal(runs.stdout.includes(token), false, "kubectl get ar -o yaml shows the Secret's value");
    assert.match(runs.stdout, /value: '"Bearer \[redacted\]"'/, "the echoed value is recorded masked");
    const events = JSON.stringify(await rolloutEvents(ns(), "secret-header"));
    assert.equal(events.includes(token), false, "an Event shows the Secret's value");
    const allEvents = await kubectl(["get", "events", "-n", ns(), "-o", "yaml"]);
    assert.equal(
      allEvents.stdout.includes(token),
      false,
      "an Event in the namespace shows the Secret's value",
    );
    assert.equal(
      controller().tail(10_000).includes(token),
      false,
      "the controller's log shows the Secret's value",
    );
  });
});
