import dns from "node:dns";
import net from "node:net";
import { fixedRefusal, refusal, targetOf, type AddressPolicy } from "./address-policy.js";

/** The address policy at the edge: resolves names, and guards the connection itself. */
export interface AddressGuard {
  /** Why the URL may not be called, naming the rule, or undefined when it may. */
  check(url: string): Promise<string | undefined>;
  /**
   * A DNS lookup for the HTTP agents: a name that resolved to an allowed address when checked
   * but to a refused range when connecting (DNS rebinding) fails with code EREFUSEDADDRESS.
   */
  lookup: net.LookupFunction;
}

export const refusedCode = "EREFUSEDADDRESS";

const resolveAll = async (host: string): Promise<string[]> => {
  if (net.isIP(host)) return [host];
  try {
    return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // An unknown name is the request's own failure (DNS), reported by the provider as such.
    return [];
  }
};

export function addressGuard(policy: AddressPolicy): AddressGuard {
  return {
    async check(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined; // the provider reports the bad URL itself
      }
      const { host, port } = targetOf(parsed);
      const [ips, apiIps] = await Promise.all([
        resolveAll(host),
        policy.apiServer ? resolveAll(policy.apiServer.host) : Promise.resolve([]),
      ]);
      return refusal({ host, port, ips }, policy, apiIps);
    },
    lookup: ((hostname: string, options: dns.LookupOptions, callback: (...a: unknown[]) => void) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err);
        const bad = addresses.find((a) => fixedRefusal(a.address));
        if (bad) {
          const e = Object.assign(
            new Error(
              `${hostname} resolved to ${bad.address} when connecting, refused by the rule "${fixedRefusal(bad.address)}"`,
            ),
            { code: refusedCode },
          );
          return callback(e);
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0]!;
        return callback(null, first.address, first.family);
      });
    }) as net.LookupFunction,
  };
}

/** Only the fixed refusals (link-local), for callers without a configured policy. */
export const openGuard: AddressGuard = addressGuard({ allowed: [] });
