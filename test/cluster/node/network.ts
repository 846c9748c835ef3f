/**
 * The real node's address plan and the host rules that keep every packet on this machine.
 *
 * | range | what |
 * | --- | --- |
 * | 10.96.0.0/16 | Service ClusterIPs (kube-apiserver --service-cluster-ip-range); kube-proxy translates them |
 * | 10.245.0.0/24 | pods on the real node, on the bridge `kestrel0`; the host is 10.245.0.1 (also the node IP) |
 * | 10.244.0.0/16 | kwok's placeholder pods: addresses only, nothing answers there |
 *
 * Containment (no packet may leave the machine): the bridge does no masquerading; pods get a route
 * for the Service range only (no default route); the host has `unreachable` routes for the
 * Service range and for kwok's range, so the host's own packets there never follow the default
 * route; a chain of the node's own refuses a pod's packet for a Service address kube-proxy did not
 * translate, and anything from the pod range or the bridge bound outside the pod and Service
 * ranges, so even a pod that adds its own default route cannot send a packet out.
 */

export const serviceRange = "10.96.0.0/16";
export const podRange = "10.245.0.0/24";
export const kwokPodRange = "10.244.0.0/16";
export const bridgeName = "kestrel0";
export const bridgeAddress = "10.245.0.1";
export const bridgePrefix = 24;
/** The node's name and its address: the host end of the bridge, so the API server reaches the kubelet locally. */
export const nodeName = "kestrel-node";
export const nodeIp = bridgeAddress;
/** Our own nftables table (family inet): dropping it removes every rule the node added. */
export const nftTable = "kestrel-node";
/** Routes the node adds on the host: untranslated Service packets and kwok addresses go nowhere. */
export const unreachableRoutes: readonly string[] = [serviceRange, kwokPodRange];

/** The comment on the rule that refuses Service addresses kube-proxy did not translate. */
export const untranslatedServiceComment = "Service address kube-proxy did not translate";

/**
 * The nftables ruleset (for `nft -f`). Reject rather than silently drop, so a request out of
 * bounds fails at once. Runs before the usual filter priority so no other table's accept can
 * come first; a reject is final whatever other tables say.
 */
export function containmentRuleset(): string {
  const allowed = `{ ${podRange}, ${serviceRange} }`;
  return [
    `table inet ${nftTable} {`,
    `  chain forward {`,
    `    type filter hook forward priority filter - 10; policy accept;`,
    `    ip saddr ${podRange} ip daddr != ${allowed} counter reject with icmpx type admin-prohibited comment "pod traffic bound outside the cluster"`,
    `    iifname "${bridgeName}" ip daddr != ${allowed} counter reject with icmpx type admin-prohibited comment "bridge traffic bound outside the cluster"`,
    `    iifname "${bridgeName}" meta nfproto ipv6 counter reject with icmpx type admin-prohibited comment "pods are IPv4 only"`,
    // A Service address still here was not translated by kube-proxy (no such Service, or not yet
    // synced). kube-proxy itself drops unallocated ClusterIPs silently once it has learned the
    // ServiceCIDR, so a client would hang; refusing first makes it fail at once, the same answer
    // kube-proxy gives for a Service without endpoints.
    `    iifname "${bridgeName}" ip daddr ${serviceRange} ct state new counter reject with icmpx type port-unreachable comment "${untranslatedServiceComment}"`,
    `  }`,
    `  chain input {`,
    `    type filter hook input priority filter - 10; policy accept;`,
    // Pods need nothing from the host (the kubelet trusts whoever reaches its port, the machine
    // runs its own services): only answers to connections the host opened come back in.
    `    iifname "${bridgeName}" ct state established,related accept`,
    `    iifname "${bridgeName}" counter reject with icmpx type admin-prohibited comment "pods may not open connections to the host"`,
    `  }`,
    `}`,
    "",
  ].join("\n");
}

/** The CNI network containerd gives every pod: our bridge, host-local addresses, a route for Services only. */
export function cniConfig(ipamDataDir: string): Record<string, unknown> {
  return {
    cniVersion: "0.4.0",
    name: "kestrel",
    plugins: [
      {
        type: "bridge",
        bridge: bridgeName,
        isGateway: true,
        isDefaultGateway: false,
        ipMasq: false,
        // A pod that calls its own Service may be sent back to itself.
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: podRange, gateway: bridgeAddress }]],
          routes: [{ dst: serviceRange }],
          dataDir: ipamDataDir,
        },
      },
    ],
  };
}
