import path from "node:path";
import { bridgeAddress, nodeIp, nodeName, podRange } from "./network.js";

/**
 * Where the real node lives on the host. Fixed paths (not under the state folder) because the
 * kernel objects are machine-wide anyway (one bridge, one kube-proxy table), the kubelet mounts
 * volumes under its root, and `cluster:down` (or the next `up` after a crash) must find them all.
 */
export const hostDirs = {
  varLib: "/var/lib/kestrel-node",
  run: "/run/kestrel-node",
} as const;

export const nodePaths = {
  containerdRoot: path.join(hostDirs.varLib, "containerd"),
  containerdState: path.join(hostDirs.run, "containerd"),
  containerdSocket: path.join(hostDirs.run, "containerd.sock"),
  containerdConfig: path.join(hostDirs.run, "containerd.toml"),
  kubeletRoot: path.join(hostDirs.varLib, "kubelet"),
  cniConfDir: path.join(hostDirs.run, "cni"),
  cniIpamDir: path.join(hostDirs.varLib, "cni-networks"),
  /** What the lock records: which cluster owns the node (one per machine: see node.ts). */
  owner: path.join(hostDirs.run, "owner.json"),
} as const;

/**
 * Paths outside our own folders that the kubelet and containerd write on their own (seen in a
 * trial: REAL-NODE.md); `cluster:down` removes them too.
 */
export const foreignPaths: readonly string[] = [
  "/var/lib/kubelet/device-plugins",
  "/var/log/pods",
  "/var/log/containers",
  "/run/containerd",
  "/var/lib/cni/results",
];

/** The one taint and label of the real node: only pods that tolerate the taint run there. */
export const realNodeTaint = { key: "kestrel.dev/real-node", value: "true", effect: "NoSchedule" } as const;
export const realNodeLabel = { key: "kestrel.dev/real-node", value: "true" } as const;

/** What a pod spec needs to run on the real node (spread into `spec`). */
export const onRealNode = {
  nodeSelector: { [realNodeLabel.key]: realNodeLabel.value },
  tolerations: [
    { key: realNodeTaint.key, operator: "Equal", value: realNodeTaint.value, effect: realNodeTaint.effect },
  ],
};

export const sandboxImage = "kestrel.local/pause:3.10";

/** containerd's config (TOML, version 2 as containerd 1.6 reads it). */
export function containerdConfig(cniBinDir: string): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `version = 2
root = "${nodePaths.containerdRoot}"
state = "${nodePaths.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${nodePaths.containerdSocket}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(hostDirs.varLib, "opt")}"

[${cri}]
  sandbox_image = "${sandboxImage}"
  # Root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below its own.
  restrict_oom_score_adj = true
  enable_cdi = false

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${cniBinDir}"
  conf_dir = "${nodePaths.cniConfDir}"
`;
}

export interface KubeletPorts {
  kubelet: number;
  kubeletHealthz: number;
  proxyHealthz: number;
  proxyMetrics: number;
}

/**
 * The kubelet's configuration. Each non-default value is there because this machine needs it
 * (REAL-NODE.md): cgroup v1 inside the machine's own cgroup, no swap check, no host DNS, no
 * iptables chains of its own (containment is ours), no image GC (images cannot be pulled back).
 */
export function kubeletConfig(ports: KubeletPorts, cgroupRoot: string): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: nodeIp,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: ports.kubeletHealthz,
    // The API server has no client certificate for kubelets; the nft input rule keeps pods off this port.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    containerRuntimeEndpoint: `unix://${nodePaths.containerdSocket}`,
    cgroupDriver: "cgroupfs",
    cgroupsPerQOS: true,
    cgroupRoot,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    makeIPTablesUtilChains: false,
    resolvConf: "",
    maxPods: 60,
    podCIDR: podRange,
    serializeImagePulls: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      "memory.available": "1Mi",
      "nodefs.available": "1%",
      "nodefs.inodesFree": "1%",
      "imagefs.available": "1%",
    },
    registerWithTaints: [realNodeTaint],
    // Short so a test sees a deleted pod's process end soon.
    shutdownGracePeriod: "0s",
    nodeStatusUpdateFrequency: "5s",
  };
}

export function kubeProxyConfig(ports: KubeletPorts, kubeconfig: string): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "nftables",
    clientConnection: { kubeconfig },
    hostnameOverride: nodeName,
    bindAddress: "127.0.0.1",
    healthzBindAddress: `127.0.0.1:${ports.proxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${ports.proxyMetrics}`,
    clusterCIDR: podRange,
    // NodePorts only on the node's bridge address, never on the machine's own interfaces.
    nodePortAddresses: [`${bridgeAddress}/32`],
    // Leave the machine's conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
  };
}
