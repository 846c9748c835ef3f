import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import { apply, rolloutManifest, setImage, waitForPhase, waitForSplit } from "../support/rollouts.js";

/** A gateway in front of the real Prometheus that, like a hosted one, wants a token and a tenant header. */
function authenticatingGateway(token: string): Promise<{ url: string; close: () => void }> {
  const upstream = new URL(testCluster().prometheusUrl);
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}` || req.headers["x-scope-orgid"] !== "team-a") {
      res.writeHead(401, { "Content-Type": "text/plain" }).end("unauthorized");
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { "content-type": req.headers["content-type"] ?? "" },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () => server.close(),
      }),
    ),
  );
}

describe("Analysis: Prometheus behind authentication, credentials from a Secret", () => {
  const ns = useNamespace("auth");
  useController(ns);
  let gateway: { url: string; close: () => void };
  before(async () => {
    gateway = await authenticatingGateway("s3cret-token");
  });
  after(() => gateway.close());

  async function canary(name: string, secretValue: string): Promise<void> {
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({
      namespace: ns(),
      body: { metadata: { name: `${name}-token` }, stringData: { token: secretValue } },
    });
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name },
      spec: {
        metrics: [
          {
            name: "up",
            count: 1,
            consecutiveErrorLimit: 0,
            successCondition: "result[0] == 1",
            provider: {
              prometheus: {
                address: gateway.url,
                query: "vector(1)",
                headers: [{ key: "X-Scope-OrgID", value: "team-a" }],
                authentication: { bearerTokenSecret: { name: `${name}-token`, key: "token" } },
              },
            },
          },
        ],
      },
    });
    const manifest: Rollout = rolloutManifest(name, { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: name }] } }],
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, "example.com/app:2");
  }

  it("reads the bearer token from the Secret, sends the extra header, and promotes", async function () {
    this.timeout(60_000);
    await canary("right", "s3cret-token");
    await waitForSplit(ns(), "right", { "example.com/app:2": 2 });
    await waitForPhase(ns(), "right", "Healthy");
  });

  it("with a wrong token the measurement is an Error that says HTTP 401, and the canary is aborted", async function () {
    this.timeout(60_000);
    await canary("wrong", "not-the-token");
    const ro = await waitForPhase(ns(), "wrong", "Degraded");
    assert.match(ro.status?.message ?? "", /Prometheus HTTP error: HTTP 401/);
  });
});
