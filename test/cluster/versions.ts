import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gatewayEnabled } from "./gateway-mode.js";
import { cacheRoot, modulesDir } from "./paths.js";

/** One upstream Go module and the binaries we build from it. */
export interface Component {
  /** Folder under test/cluster/modules holding the pinning go.mod. */
  module: string;
  /** The upstream module whose version keys the cache. */
  upstream: string;
  /** Output name -> Go package path. */
  binaries: Record<string, string>;
  /** Extra -X flags, built from the resolved version. */
  ldflags: (version: string) => string[];
  /** Folders copied into the cache from modules in the build's graph (e.g. manifests a module ships). */
  moduleFiles?: readonly ModuleFiles[];
  /** False when this machine runs without the component (an opt-out env var); absent = always. */
  enabled?: () => boolean;
}

/** A folder of a module that go.mod pins (its version is the one the build resolves), copied as `to`. */
export interface ModuleFiles {
  module: string;
  dir: string;
  to: string;
}

const k8sVersionFlags = (v: string): string[] => {
  const [major, minor] = v.replace(/^v/, "").split(".");
  const pkg = "k8s.io/component-base/version";
  return [
    `-X ${pkg}.gitVersion=${v}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ];
};

export const components: readonly Component[] = [
  {
    module: "kubernetes",
    upstream: "k8s.io/kubernetes",
    binaries: {
      "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
      "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
      "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
      kubectl: "k8s.io/kubernetes/cmd/kubectl",
    },
    ldflags: k8sVersionFlags,
  },
  {
    // The real node, from the same k8s.io/kubernetes version with the same flags: its own module
    // folder (go.sum has what the kubelet adds) so the control plane's cache key is untouched,
    // while the Go build cache makes this build cheap after the control plane's.
    module: "node",
    upstream: "k8s.io/kubernetes",
    binaries: {
      kubelet: "k8s.io/kubernetes/cmd/kubelet",
      "kube-proxy": "k8s.io/kubernetes/cmd/kube-proxy",
    },
    ldflags: k8sVersionFlags,
  },
  {
    module: "etcd",
    upstream: "go.etcd.io/etcd/server/v3",
    binaries: { etcd: "go.etcd.io/etcd/server/v3" },
    ldflags: () => [],
  },
  {
    module: "kwok",
    upstream: "sigs.k8s.io/kwok",
    binaries: { kwok: "sigs.k8s.io/kwok/cmd/kwok" },
    ldflags: () => [],
  },
  {
    module: "prometheus",
    upstream: "github.com/prometheus/prometheus",
    binaries: { prometheus: "github.com/prometheus/prometheus/cmd/prometheus" },
    // The module is tagged v0.X.Y for Prometheus 2.X.Y.
    ldflags: (v) => [`-X github.com/prometheus/common/version.Version=${v.replace(/^v0\./, "2.")}`],
  },
  {
    // The Gateway API data plane (see modules/traefik/README.md), with the Gateway API CRDs of the
    // version its go.mod resolves, so the CRDs always match the implementation that serves them.
    module: "traefik",
    upstream: "github.com/traefik/traefik/v3",
    binaries: { traefik: "github.com/traefik/traefik/v3/cmd/traefik" },
    ldflags: (v) => [`-X github.com/traefik/traefik/v3/pkg/version.Version=${v}`],
    moduleFiles: [{ module: "sigs.k8s.io/gateway-api", dir: "config/crd/standard", to: "gateway-api-crds" }],
    enabled: gatewayEnabled,
  },
  {
    module: "helm",
    upstream: "helm.sh/helm/v3",
    binaries: { helm: "helm.sh/helm/v3/cmd/helm" },
    ldflags: (v) => [`-X helm.sh/helm/v3/internal/version.version=${v}`],
  },
];

/** The version go.mod requires for the component's upstream module. */
export function upstreamVersion(c: Component): string {
  const goMod = fs.readFileSync(path.join(modulesDir, c.module, "go.mod"), "utf8");
  const escaped = c.upstream.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`test/cluster/modules/${c.module}/go.mod does not require ${c.upstream}`);
  return match[1];
}

let goVersionMemo: string | undefined;
/** The local Go toolchain's version; part of the cache key because binaries differ per toolchain. */
export function goVersion(): string {
  goVersionMemo ??= execFileSync("go", ["env", "GOVERSION"], {
    encoding: "utf8",
    env: { ...process.env, GOTOOLCHAIN: "local" },
  }).trim();
  return goVersionMemo;
}

/** Where one component's binaries are cached: keyed by component, upstream version and Go version. */
export function componentCacheDir(c: Component): string {
  return path.join(cacheRoot, `${c.module}-${upstreamVersion(c)}-${goVersion()}`);
}

/** Absolute path of a built binary (or of a system one, for those we take from Debian). */
export function binary(name: string): string {
  for (const c of components) {
    if (name in c.binaries) return path.join(componentCacheDir(c), name);
  }
  throw new Error(`unknown cluster binary ${name}`);
}
