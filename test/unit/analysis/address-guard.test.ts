import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { addressGuard, openGuard, refusedCode } from "../../../controller/analysis/address-guard.js";
import { addressPolicy } from "../../../controller/analysis/address-policy.js";

const metadataRule = "link-local range 169.254.0.0/16 (cloud instance metadata)";

/** The guard's lookup, as an agent calls it, turned into a promise of what it calls back with. */
function lookup(host: string, options: { all?: boolean } = {}) {
  return new Promise<{ err: NodeJS.ErrnoException | null; args: unknown[] }>((resolve) =>
    openGuard.lookup(host, options, (err: NodeJS.ErrnoException | null, ...args: unknown[]) =>
      resolve({ err, args }),
    ),
  );
}

describe("address guard: the policy at the edge", () => {
  it("a URL that does not parse is left to the provider to report", async () => {
    assert.equal(await openGuard.check("not a url"), undefined);
  });

  it("an ordinary address may be called; the metadata address is refused, naming the rule", async () => {
    assert.equal(await openGuard.check("http://127.0.0.1:9090/"), undefined);
    assert.equal(
      await openGuard.check("http://169.254.169.254/latest"),
      `169.254.169.254:80 is refused by the rule "${metadataRule}"`,
    );
  });

  it("resolves the URL's name: localhost on the API server's address and port is refused", async () => {
    const guard = addressGuard(addressPolicy([], "https://127.0.0.1:6443"));
    assert.equal(
      await guard.check("http://localhost:6443/metrics"),
      `localhost:6443 is refused by the rule "the API server's own address" (127.0.0.1:6443)`,
    );
    assert.equal(await guard.check("http://localhost:6444/metrics"), undefined);
  });

  it("resolves the API server's name: its address on its port is refused", async () => {
    const guard = addressGuard(addressPolicy([], "https://localhost:6443"));
    assert.equal(
      await guard.check("http://127.0.0.1:6443/"),
      `127.0.0.1:6443 is refused by the rule "the API server's own address" (localhost:6443)`,
    );
  });

  it("a name DNS does not know resolves to nothing, which no allowed CIDR holds", async () => {
    assert.equal(await openGuard.check("http://no-such-host.invalid/"), undefined);
    const guard = addressGuard(addressPolicy(["10.0.0.0/8"], undefined));
    assert.equal(
      await guard.check("http://no-such-host.invalid/"),
      `no-such-host.invalid:80 is refused by the rule "--provider-allowed-hosts": it matches none of 10.0.0.0/8`,
    );
  });

  it("lookup: an allowed address is given as one address and family, or all of them when asked", async () => {
    assert.deepEqual(await lookup("127.0.0.1"), { err: null, args: ["127.0.0.1", 4] });
    assert.deepEqual(await lookup("127.0.0.1", { all: true }), {
      err: null,
      args: [[{ address: "127.0.0.1", family: 4 }] satisfies LookupAddress[]],
    });
  });

  it("lookup: an address in a fixed refused range fails with EREFUSEDADDRESS, naming it and the rule", async () => {
    const { err, args } = await lookup("169.254.169.254");
    assert.equal(err?.code, refusedCode);
    assert.equal(refusedCode, "EREFUSEDADDRESS");
    assert.equal(
      err?.message,
      `169.254.169.254 resolved to 169.254.169.254 when connecting, refused by the rule "${metadataRule}"`,
    );
    assert.deepEqual(args, []);
  });

  it("lookup: a DNS failure is passed on as it is", async () => {
    const { err } = await lookup("no-such-host.invalid");
    assert.ok(err?.code === "ENOTFOUND" || err?.code === "EAI_AGAIN", String(err?.code));
  });
});
