import assert from "node:assert/strict";
import type { Layout } from "../../cluster/components.js";
import { gatewayClusterRole, gatewayObjects, traefik } from "../../cluster/gateway.js";
import { gatewayEnabled } from "../../cluster/gateway-mode.js";

const layout = {
  state: "/s",
  logs: "/s/logs",
  pki: "/s/pki",
  ports: { gateway: 40123 },
} as unknown as Layout;

describe("local cluster: the gateway", () => {
  describe("KESTREL_GATEWAY", () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, true],
      ["", true],
      ["1", true],
      ["true", true],
      ["0", false],
      ["false", false],
    ];
    for (const [value, enabled] of cases)
      it(`${JSON.stringify(value)} -> ${enabled ? "on" : "off"}`, () =>
        assert.equal(gatewayEnabled(value), enabled));
    it("refuses anything else, naming what it accepts", () =>
      assert.throws(() => gatewayEnabled("yes"), /KESTREL_GATEWAY=yes: expected 1 .* or 0/));
  });

  describe("Traefik's command line", () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it("listens on loopback only, on the recorded port, and applies route changes without throttling", () => {
      const spec = traefik(layout, "https://127.0.0.1:6443", "/s/pki/ca.crt");
      assert.ok(spec.args.includes("--entryPoints.web.address=127.0.0.1:40123"));
      assert.deepEqual(
        spec.args.filter((a) => /address=/.test(a)),
        ["--entryPoints.web.address=127.0.0.1:40123"],
        "one listener, the loopback entry point",
      );
      assert.ok(spec.args.includes("--providers.providersThrottleDuration=0s"));
      assert.ok(spec.args.includes("--providers.kubernetesgateway.endpoint=https://127.0.0.1:6443"));
      assert.ok(spec.args.includes("--providers.kubernetesgateway.token=/s/pki/gateway.token"));
      assert.ok(spec.args.includes("--providers.kubernetesgateway.certAuthFilePath=/s/pki/ca.crt"));
    });

    it("takes nothing about the API server from the environment", () => {
      process.env.KUBECONFIG = "/elsewhere";
      process.env.KUBERNETES_SERVICE_HOST = "10.0.0.1";
      process.env.KUBERNETES_SERVICE_PORT = "443";
      process.env.KEEP_ME = "x";
      const env = traefik(layout, "https://127.0.0.1:6443", "/ca").env!;
      assert.equal(env.KUBECONFIG, undefined);
      assert.equal(env.KUBERNETES_SERVICE_HOST, undefined);
      assert.equal(env.KUBERNETES_SERVICE_PORT, undefined);
      assert.equal(env.KEEP_ME, "x");
    });
  });

  it("the Gateway's one listener is on the entry point's port and admits routes from every namespace", () => {
    const [cls, gw] = gatewayObjects(40123) as { kind: string; spec: Record<string, unknown> }[];
    assert.equal(cls!.kind, "GatewayClass");
    assert.equal(cls!.spec.controllerName, "traefik.io/gateway-controller");
    assert.equal(gw!.kind, "Gateway");
    assert.equal(gw!.spec.gatewayClassName, "traefik");
    assert.deepEqual(gw!.spec.listeners, [
      { name: "web", protocol: "HTTP", port: 40123, allowedRoutes: { namespaces: { from: "All" } } },
    ]);
  });

  it("Traefik may read what it routes by and write only the status of Gateway API objects", () => {
    const rules = gatewayClusterRole("r").rules as {
      apiGroups: string[];
      resources: string[];
      verbs: string[];
    }[];
    const writes = rules.filter((r) => r.verbs.some((v) => !["get", "list", "watch"].includes(v)));
    assert.ok(writes.length > 0);
    for (const r of writes) {
      assert.deepEqual(r.apiGroups, ["gateway.networking.k8s.io"]);
      assert.ok(
        r.resources.every((x) => x.endsWith("/status")),
        `writes only status: ${r.resources.join(", ")}`,
      );
    }
    const reads = rules.flatMap((r) => r.resources.map((x) => `${r.apiGroups[0]}/${x}`));
    for (const needed of [
      "/services",
      "discovery.k8s.io/endpointslices",
      "gateway.networking.k8s.io/httproutes",
    ])
      assert.ok(reads.includes(needed), `reads ${needed}`);
  });
});
