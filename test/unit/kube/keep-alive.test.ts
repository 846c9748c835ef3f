import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { KeepAliveKubeConfig } from "../../../controller/kube/client.js";

function config(token: string, ca = "Y2E="): KeepAliveKubeConfig {
  const kc = new KeepAliveKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: ca, skipTLSVerify: false }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function authenticate(kc: KeepAliveKubeConfig): Promise<k8s.RequestContext> {
  const ctx = new k8s.RequestContext("https://127.0.0.1:6443/api/v1/pods", k8s.HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx;
}

describe("KeepAliveKubeConfig: API requests share keep-alive connections", () => {
  it("gives every request with the same TLS settings the same keep-alive agent", async () => {
    const kc = config("t1");
    const [a, b] = [await authenticate(kc), await authenticate(kc)];
    assert.ok(a.getAgent() instanceof https.Agent);
    assert.equal(a.getAgent(), b.getAgent(), "one agent, so connections are reused");
    assert.equal((a.getAgent() as https.Agent & { keepAlive?: boolean }).keepAlive, true);
  });

  it("still applies the bearer token to each request", async () => {
    const ctx = await authenticate(config("secret-token"));
    assert.equal(ctx.getHeaders().Authorization, "Bearer secret-token");
  });

  it("uses a separate agent when the TLS settings differ (another CA)", async () => {
    const kc = config("t1");
    const first = (await authenticate(kc)).getAgent();
    kc.clusters[0] = { ...kc.clusters[0]!, caData: "b3RoZXI=" };
    const second = (await authenticate(kc)).getAgent();
    assert.notEqual(first, second);
  });

  it("aborts an API request that gets no answer, so a worker is never held forever", async () => {
    // A real server that accepts the request and never answers it.
    const held: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const kc = new KeepAliveKubeConfig(200);
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    try {
      const started = Date.now();
      await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNamespace(), /abort/i);
      assert.ok(held.length === 1, "the request reached the server");
      assert.ok(Date.now() - started < 5_000, "aborted after the timeout, not left waiting");
    } finally {
      for (const res of held) res.destroy();
      server.close();
    }
  });
});
