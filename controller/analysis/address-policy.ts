import net from "node:net";

/**
 * Which addresses a metric provider may call. Template authors write provider URLs and the
 * controller calls them from inside the cluster with its own network position, so some
 * addresses are refused whatever the settings say: the link-local range, where clouds serve
 * instance metadata and credentials, and the API server the controller itself talks to. With
 * `--provider-allowed-hosts`, every other address must also match one of its entries. Pure.
 */

export type AllowRule =
  | { kind: "cidr"; text: string; list: net.BlockList }
  | { kind: "host"; name: string }
  | { kind: "suffix"; suffix: string };

export interface AddressPolicy {
  /** Empty: any address the fixed rules do not refuse. */
  allowed: AllowRule[];
  /** The API server's host and port, from the controller's kubeconfig. */
  apiServer?: { host: string; port: string };
}

/** Where a provider is about to connect: the URL's host and port and what the host resolves to. */
export interface Target {
  host: string;
  port: string;
  ips: string[];
}

export const linkLocalRule = "link-local range 169.254.0.0/16 (cloud instance metadata)";
export const linkLocalV6Rule = "link-local range fe80::/10";
export const apiServerRule = "the API server's own address";
export const allowedHostsRule = "--provider-allowed-hosts";

const linkLocal = new net.BlockList();
linkLocal.addSubnet("169.254.0.0", 16, "ipv4");
const linkLocalV6 = new net.BlockList();
linkLocalV6.addSubnet("fe80::", 10, "ipv6");

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d) is the IPv4 address. */
function plainIp(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  return v4 ?? ip.replace(/^\[|\]$/g, "");
}

const inList = (list: net.BlockList, ip: string): boolean => {
  const p = plainIp(ip);
  const family = net.isIP(p);
  return family === 4 ? list.check(p, "ipv4") : family === 6 ? list.check(p, "ipv6") : false;
};

/** The fixed rule an IP address breaks, if any (also used when a name resolves at connect time). */
export function fixedRefusal(ip: string): string | undefined {
  if (inList(linkLocal, ip)) return linkLocalRule;
  if (inList(linkLocalV6, ip)) return linkLocalV6Rule;
  return undefined;
}

/** Parses the allowed entries: CIDRs (10.0.0.0/8), addresses, host names, or *.suffix names. */
export function parseAllowed(entries: string[]): AllowRule[] {
  return entries.map((raw) => {
    const entry = raw.trim().toLowerCase();
    const [addr = "", bits] = entry.split("/");
    const family = net.isIP(addr);
    if (family) {
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : Number.NaN;
      if (!(prefix >= 0 && prefix <= max))
        throw new Error(`${allowedHostsRule}: "${raw}" has a bad prefix length; want e.g. 10.0.0.0/8`);
      const list = new net.BlockList();
      list.addSubnet(addr, prefix, family === 4 ? "ipv4" : "ipv6");
      return { kind: "cidr", text: entry, list };
    }
    if (entry.startsWith("*.")) return { kind: "suffix", suffix: entry.slice(1) };
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(entry))
      throw new Error(`${allowedHostsRule}: "${raw}" is not a host name, an address, a CIDR or *.domain`);
    return { kind: "host", name: entry };
  });
}

/**
 * Why the target is refused, naming the rule, or undefined when it may be called. `apiServerIps`
 * is what the API server's host resolves to (its host itself when it is an address).
 */
export function refusal(target: Target, policy: AddressPolicy, apiServerIps: string[]): string | undefined {
  const host = plainIp(target.host.toLowerCase());
  const where = `${host}:${target.port}`;
  for (const ip of [host, ...target.ips]) {
    const rule = fixedRefusal(ip);
    if (rule) return `${where} is refused by the rule "${rule}"${ip === host ? "" : ` (${host} is ${ip})`}`;
  }
  const api = policy.apiServer;
  if (api && api.port === target.port) {
    const apiHost = plainIp(api.host.toLowerCase());
    const same = apiHost === host || target.ips.some((ip) => apiServerIps.map(plainIp).includes(plainIp(ip)));
    if (same) return `${where} is refused by the rule "${apiServerRule}" (${apiHost}:${api.port})`;
  }
  if (policy.allowed.length === 0) return undefined;
  const ips = net.isIP(host) ? [host] : target.ips;
  const allowed = policy.allowed.some((rule) => {
    if (rule.kind === "host") return rule.name === host;
    if (rule.kind === "suffix") return host.endsWith(rule.suffix);
    return ips.length > 0 && ips.every((ip) => inList(rule.list, ip));
  });
  if (allowed) return undefined;
  const list = policy.allowed.map((r) =>
    r.kind === "cidr" ? r.text : r.kind === "host" ? r.name : `*${r.suffix}`,
  );
  return `${where} is refused by the rule "${allowedHostsRule}": it matches none of ${list.join(", ")}`;
}

/** The host and port a URL connects to. */
export function targetOf(url: URL): { host: string; port: string } {
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (url.protocol === "https:" ? "443" : "80"),
  };
}

/** The policy from the setting's entries and the API server URL of the controller's kubeconfig. */
export function addressPolicy(allowed: string[], apiServerUrl: string | undefined): AddressPolicy {
  let apiServer: AddressPolicy["apiServer"];
  try {
    if (apiServerUrl) apiServer = targetOf(new URL(apiServerUrl));
  } catch {
    apiServer = undefined; // the client fails on such a URL long before any measurement
  }
  return { allowed: parseAllowed(allowed), apiServer };
}
