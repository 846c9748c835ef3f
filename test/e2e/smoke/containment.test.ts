import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  bridgeAddress,
  nftTable,
  serviceRange,
  untranslatedServiceComment,
} from "../../cluster/node/network.js";
import { useNamespace } from "../support/namespace.js";
import { runToCompletion, useRealNode } from "../support/sample-app.js";

/** A documentation address (TEST-NET-1): outside the pod and Service ranges, so it must never be reached. */
const outside = "192.0.2.1";

/** The packets the node's own rule with this comment has rejected. */
function rejectedBy(comment: string): number {
  const table = execFileSync("nft", ["list", "table", "inet", nftTable], { encoding: "utf8" });
  const line = table.split("\n").find((l) => l.includes(`comment "${comment}"`));
  assert.ok(
    line,
    `the rule "${comment}" is in table inet ${nftTable}; without it this test must not send anything`,
  );
  return Number(/counter packets (\d+)/.exec(line)![1]);
}

const outbound = "pod traffic bound outside the cluster";

describe("smoke: no packet from a pod leaves the machine", () => {
  useRealNode();
  const ns = useNamespace("containment");

  it("a pod has no route out: a request to an address outside both ranges fails at once", async function () {
    this.timeout(90_000);
    rejectedBy(outbound);
    const r = await runToCompletion(ns(), "no-route", {
      command: ["sh", "-c", `wget -O- http://${outside}/ 2>&1; echo "exit=$?"`],
    });
    assert.match(r.log, /Network is unreachable/);
    assert.match(r.log, /exit=1/);
  });

  it("a pod that adds its own default route is rejected on the host, not routed out", async function () {
    this.timeout(90_000);
    const before = rejectedBy(outbound);
    const r = await runToCompletion(ns(), "own-route", {
      command: [
        "sh",
        "-c",
        `ip route add default via ${bridgeAddress} && wget -O- http://${outside}/ 2>&1; echo "exit=$?"`,
      ],
      securityContext: { capabilities: { add: ["NET_ADMIN"] } },
    });
    // admin-prohibited ICMP from the host: the connect fails at once, no timeout.
    assert.match(r.log, /No route to host|Host is unreachable/);
    assert.match(r.log, /exit=1/);
    assert.ok(rejectedBy(outbound) > before, "the host's containment rule counted the rejected packet");
  });

  it("a Service-range address that kube-proxy does not translate is refused on the host, never answered", async function () {
    this.timeout(90_000);
    const routes = execFileSync("ip", ["route", "show", "type", "unreachable"], { encoding: "utf8" });
    assert.match(routes, new RegExp(`unreachable ${serviceRange.replace(/\./g, "\\.")}`));
    rejectedBy(untranslatedServiceComment);
    // Which host rule answers depends on the kernel's path: the `unreachable` route (No route to
    // host) or the node's nft rule (Connection refused). `timeout` bounds a silent drop
    // (kube-proxy's own rule for unallocated ClusterIPs) so it shows as a failure of this test
    // (exit 143) instead of a hang (Debian's busybox wget crashes on its own -T).
    const r = await runToCompletion(ns(), "no-service", {
      command: ["sh", "-c", `timeout 20 wget -O- http://10.96.255.254:8080/ 2>&1; echo "exit=$?"`],
    });
    assert.match(r.log, /Connection refused|No route to host/);
    assert.match(r.log, /exit=1\b/);
  });
});
