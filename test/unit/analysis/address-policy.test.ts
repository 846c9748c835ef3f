import assert from "node:assert/strict";
import {
  addressPolicy,
  parseAllowed,
  refusal,
  type AddressPolicy,
  type Target,
} from "../../../controller/analysis/address-policy.js";
import { loadConfig } from "../../../controller/config.js";

const api = { host: "10.96.0.1", port: "443" };
const policy = (allowed: string[] = []): AddressPolicy => ({
  allowed: parseAllowed(allowed),
  apiServer: api,
});
const t = (host: string, port = "80", ips: string[] = []): Target => ({ host, port, ips });

describe("provider address policy", () => {
  const cases: { name: string; target: Target; allowed?: string[]; apiIps?: string[]; want?: string }[] = [
    { name: "an ordinary service with no list", target: t("prometheus.monitoring", "9090", ["10.0.3.4"]) },
    {
      name: "the metadata address",
      target: t("169.254.169.254"),
      want: '169.254.169.254:80 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    },
    {
      name: "the top of the link-local range",
      target: t("169.254.255.255", "8080"),
      want: '169.254.255.255:8080 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    },
    { name: "just outside the range", target: t("169.255.0.1") },
    {
      name: "a name that resolves into the range",
      target: t("metadata.internal", "80", ["169.254.169.254"]),
      want: 'metadata.internal:80 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)" (metadata.internal is 169.254.169.254)',
    },
    {
      name: "the range written as IPv4-mapped IPv6",
      target: t("::ffff:169.254.169.254"),
      want: '169.254.169.254:80 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    },
    {
      name: "IPv6 link-local",
      target: t("fe80::1"),
      want: 'fe80::1:80 is refused by the rule "link-local range fe80::/10"',
    },
    {
      name: "the API server by address and port",
      target: t("10.96.0.1", "443"),
      want: `10.96.0.1:443 is refused by the rule "the API server's own address" (10.96.0.1:443)`,
    },
    {
      name: "the API server by a name that resolves to it",
      target: t("kubernetes.default.svc", "443", ["10.96.0.1"]),
      apiIps: ["10.96.0.1"],
      want: `kubernetes.default.svc:443 is refused by the rule "the API server's own address" (10.96.0.1:443)`,
    },
    { name: "the API server's host on another port", target: t("10.96.0.1", "9090") },
    {
      name: "a host in the allowed list",
      target: t("prometheus.monitoring", "9090"),
      allowed: ["prometheus.monitoring"],
    },
    {
      name: "a subdomain of an allowed *.domain",
      target: t("api.health.shop.example"),
      allowed: ["*.shop.example"],
    },
    {
      name: "an address in an allowed CIDR",
      target: t("prom.internal", "9090", ["10.1.2.3"]),
      allowed: ["10.0.0.0/8"],
    },
    {
      name: "a host matching no entry",
      target: t("evil.example", "80", ["203.0.113.9"]),
      allowed: ["10.0.0.0/8", "*.shop.example", "prometheus.monitoring"],
      want: 'evil.example:80 is refused by the rule "--provider-allowed-hosts": it matches none of 10.0.0.0/8, *.shop.example, prometheus.monitoring',
    },
    {
      name: "a name resolving partly outside an allowed CIDR",
      target: t("mixed.internal", "80", ["10.1.2.3", "192.168.0.1"]),
      allowed: ["10.0.0.0/8"],
      want: 'mixed.internal:80 is refused by the rule "--provider-allowed-hosts": it matches none of 10.0.0.0/8',
    },
    {
      name: "the metadata range even when a CIDR allows it",
      target: t("169.254.169.254"),
      allowed: ["169.254.0.0/16"],
      want: '169.254.169.254:80 is refused by the rule "link-local range 169.254.0.0/16 (cloud instance metadata)"',
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.want ? "refused" : "allowed"}`, () => {
      assert.equal(refusal(c.target, policy(c.allowed), c.apiIps ?? []), c.want);
    });
  }

  it("refuses a bad entry, naming it", () => {
    assert.throws(() => parseAllowed(["10.0.0.0/33"]), /"10.0.0.0\/33" has a bad prefix length/);
    assert.throws(
      () => parseAllowed(["http://x"]),
      /"http:\/\/x" is not a host name, an address, a CIDR or \*.domain/,
    );
  });

  it("takes the API server from the kubeconfig's URL, with the scheme's port by default", () => {
    assert.deepEqual(addressPolicy([], "https://10.96.0.1").apiServer, { host: "10.96.0.1", port: "443" });
    assert.deepEqual(addressPolicy([], "https://127.0.0.1:6443").apiServer, {
      host: "127.0.0.1",
      port: "6443",
    });
  });

  it("reads --provider-allowed-hosts and KESTREL_PROVIDER_ALLOWED_HOSTS, and refuses a bad entry at start-up", () => {
    assert.deepEqual(loadConfig(["--provider-allowed-hosts=10.0.0.0/8, *.svc"], {}).providerAllowedHosts, [
      "10.0.0.0/8",
      "*.svc",
    ]);
    assert.deepEqual(loadConfig([], { KESTREL_PROVIDER_ALLOWED_HOSTS: "prom" }).providerAllowedHosts, [
      "prom",
    ]);
    assert.deepEqual(loadConfig([], {}).providerAllowedHosts, []);
    assert.throws(() => loadConfig(["--provider-allowed-hosts=a b"], {}), /"a b" is not a host name/);
  });
});
