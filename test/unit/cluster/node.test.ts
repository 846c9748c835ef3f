import assert from "node:assert/strict";
import { chooseCgroupRoot, hostProblems, mountsUnder, type HostFacts } from "../../cluster/node/host.js";
import { cniConfig, containmentRuleset } from "../../cluster/node/network.js";
import { realNodeMode } from "../../cluster/node/node.js";
import { kubeletConfig } from "../../cluster/node/config.js";
import { kubernetesPodsJob } from "../../cluster/prometheus.js";

const healthy: HostFacts = {
  uid: 0,
  missing: [],
  missingHierarchies: [],
  cgroupV2Only: false,
  overlayfs: true,
};

describe("real node: host preflight", () => {
  it("finds nothing wrong with a host that has everything", () => {
    assert.deepEqual(hostProblems(healthy), []);
  });

  const cases: [string, Partial<HostFacts>, RegExp][] = [
    ["not root", { uid: 1000 }, /needs root.*KESTREL_REAL_NODE=0/],
    [
      "no containerd",
      { missing: ["containerd", "/usr/lib/cni/bridge"] },
      /missing containerd, \/usr\/lib\/cni\/bridge: run bash scripts\/setup\.sh/,
    ],
    ["cgroup v2 only", { cgroupV2Only: true }, /only the cgroup v2 hierarchy/],
    [
      "a v1 hierarchy missing",
      { missingHierarchies: ["pids"] },
      /cgroup v1 hierarchies not mounted under \/sys\/fs\/cgroup: pids/,
    ],
    [
      "no netns",
      { netnsError: "Operation not permitted" },
      /cannot create a network namespace \(ip netns add\): Operation not permitted/,
    ],
    ["no nftables", { nftError: "Protocol not supported" }, /nftables does not work.*Protocol not supported/],
    ["no overlayfs", { overlayfs: false }, /no overlay filesystem/],
  ];
  for (const [name, facts, expected] of cases) {
    it(`says what is wrong and how to fix it: ${name}`, () => {
      const problems = hostProblems({ ...healthy, ...facts });
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0]!, expected);
    });
  }

  it("lists every problem at once", () => {
    assert.equal(hostProblems({ ...healthy, uid: 1, overlayfs: false, nftError: "x" }).length, 3);
  });
});

describe("real node: cgroups and mounts", () => {
  it("puts pods under the memory cgroup this process runs in", () => {
    const self = "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n0::/\n";
    assert.equal(chooseCgroupRoot(self), "/process_api/abc/kestrel-node");
    assert.equal(chooseCgroupRoot("4:memory:/\n"), "/kestrel-node");
  });

  it("finds mounts under the node's folders, deepest first, and nothing else", () => {
    const info = [
      "22 1 254:0 / / rw - ext4 /dev/vda rw",
      "30 22 0:40 / /var/lib/kestrel-node/kubelet/pods/a/volumes/x rw - tmpfs tmpfs rw",
      "31 22 0:41 / /var/lib/kestrel-node rw - tmpfs tmpfs rw",
      "32 22 0:42 / /var/lib/kestrel-node-other rw - tmpfs tmpfs rw",
      "33 22 0:43 / /run/netns/cni-1 rw - nsfs nsfs rw",
    ].join("\n");
    assert.deepEqual(mountsUnder(info, ["/var/lib/kestrel-node"]), [
      "/var/lib/kestrel-node/kubelet/pods/a/volumes/x",
      "/var/lib/kestrel-node",
    ]);
  });
});

describe("real node: network containment", () => {
  it("rejects pod and bridge traffic bound outside the pod and Service ranges, and lets pods open no connection to the host", () => {
    const rules = containmentRuleset();
    assert.match(
      rules,
      /ip saddr 10\.245\.0\.0\/24 ip daddr != \{ 10\.245\.0\.0\/24, 10\.96\.0\.0\/16 \} counter reject/,
    );
    assert.match(
      rules,
      /iifname "kestrel0" ip daddr != \{ 10\.245\.0\.0\/24, 10\.96\.0\.0\/16 \} counter reject/,
    );
    assert.match(rules, /iifname "kestrel0" meta nfproto ipv6 counter reject/);
    assert.match(
      rules,
      /iifname "kestrel0" ct state established,related accept\n\s*iifname "kestrel0" counter reject/,
    );
  });

  it("gives pods a route to Services only and no masquerading", () => {
    const bridge = (cniConfig("/x").plugins as Record<string, unknown>[])[0]!;
    assert.equal(bridge.ipMasq, false);
    assert.equal(bridge.isDefaultGateway, false);
    assert.deepEqual((bridge.ipam as { routes: unknown }).routes, [{ dst: "10.96.0.0/16" }]);
  });
});

describe("real node: KESTREL_REAL_NODE", () => {
  it("reads auto, required and off, and refuses anything else", () => {
    assert.equal(realNodeMode(undefined), "auto");
    assert.equal(realNodeMode("1"), "required");
    assert.equal(realNodeMode("0"), "off");
    assert.throws(
      () => realNodeMode("yes"),
      /KESTREL_REAL_NODE=yes: expected 1 \(required\), 0 \(off\) or auto/,
    );
  });
});

describe("real node: what the kubelet and Prometheus are told", () => {
  const ports = { kubelet: 1, kubeletHealthz: 2, proxyHealthz: 3, proxyMetrics: 4 };

  it("registers the node tainted, so only pods that tolerate it land there", () => {
    const c = kubeletConfig(ports, "/a/kestrel-node");
    assert.deepEqual(c.registerWithTaints, [
      { key: "kestrel.dev/real-node", value: "true", effect: "NoSchedule" },
    ]);
    assert.equal(c.cgroupRoot, "/a/kestrel-node");
    assert.equal(c.address, "10.245.0.1");
    assert.equal(c.readOnlyPort, 0);
  });

  it("discovers pods through the API server, keeps their labels, and scrapes only the real node's pod range", () => {
    const job = kubernetesPodsJob({ apiserver: "https://127.0.0.1:6443", caFile: "/ca", tokenFile: "/t" });
    const sd = (job.kubernetes_sd_configs as Record<string, unknown>[])[0]!;
    assert.equal(sd.role, "pod");
    assert.equal(sd.api_server, "https://127.0.0.1:6443");
    const relabel = job.relabel_configs as Record<string, unknown>[];
    assert.ok(relabel.some((r) => r.action === "labelmap" && r.regex === "__meta_kubernetes_pod_label_(.+)"));
    const ipRule = relabel.find(
      (r) => (r.source_labels as string[])?.[0] === "__meta_kubernetes_pod_ip" && r.action === "keep",
    )!;
    const ip = new RegExp(`^(?:${ipRule.regex as string})$`);
    assert.ok(ip.test("10.245.0.17"));
    assert.ok(!ip.test("10.244.0.17"), "kwok's addresses lead nowhere");
  });
});
