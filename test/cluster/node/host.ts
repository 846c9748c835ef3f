import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { foreignPaths, hostDirs, nodePaths } from "./config.js";
import {
  bridgeAddress,
  bridgeName,
  bridgePrefix,
  containmentRuleset,
  nftTable,
  unreachableRoutes,
} from "./network.js";

/** Debian's CNI plugins (containernetworking-plugins); overridable for machines that keep them elsewhere. */
export const cniBinDir = process.env.KESTREL_CNI_BIN_DIR ?? "/usr/lib/cni";
/** The v1 hierarchies the kubelet (cgroupfs driver) writes; `systemd` is a named one it also expects. */
export const cgroupHierarchies = [
  "cpu",
  "cpuacct",
  "cpuset",
  "memory",
  "devices",
  "freezer",
  "blkio",
  "pids",
  "systemd",
];
const cgroupFs = "/sys/fs/cgroup";
const installHint =
  "run bash scripts/setup.sh (as root it installs Debian's containerd runc containernetworking-plugins nftables iptables)";

/** What preflight learned about the host; gathered by hostFacts(), judged by hostProblems(). */
export interface HostFacts {
  uid: number;
  /** Commands not found on PATH (or files missing) among those the node needs. */
  missing: string[];
  /** v1 hierarchies not mounted under /sys/fs/cgroup. */
  missingHierarchies: string[];
  cgroupV2Only: boolean;
  /** Error text from creating a throwaway network namespace, or undefined when it worked. */
  netnsError?: string;
  /** Error text from `nft list tables`, or undefined. */
  nftError?: string;
  overlayfs: boolean;
}

/** The problems that stop the node from starting, each with how to fix it. Pure: table-tested. */
export function hostProblems(f: HostFacts): string[] {
  const problems: string[] = [];
  if (f.uid !== 0)
    problems.push(
      "the real node needs root (kubelet, containerd, a bridge and nftables rules): run as root, or set KESTREL_REAL_NODE=0 for a cluster of kwok nodes only",
    );
  if (f.missing.length > 0) problems.push(`missing ${f.missing.join(", ")}: ${installHint}`);
  if (f.cgroupV2Only)
    problems.push(
      "this host has only the cgroup v2 hierarchy; the real node is set up for cgroup v1 (mount the v1 controllers under /sys/fs/cgroup), or set KESTREL_REAL_NODE=0",
    );
  else if (f.missingHierarchies.length > 0)
    problems.push(
      `cgroup v1 hierarchies not mounted under ${cgroupFs}: ${f.missingHierarchies.join(", ")} (mount them, e.g. mount -t cgroup -o <name> cgroup ${cgroupFs}/<name>)`,
    );
  if (f.netnsError)
    problems.push(
      `cannot create a network namespace (ip netns add): ${f.netnsError}; the pods need them (CAP_SYS_ADMIN, a kernel with CONFIG_NET_NS)`,
    );
  if (f.nftError)
    problems.push(
      `nftables does not work (nft list tables): ${f.nftError}; kube-proxy and the containment rules need it (a kernel with nf_tables)`,
    );
  if (!f.overlayfs)
    problems.push(
      "the kernel has no overlay filesystem (see /proc/filesystems); containerd's snapshotter needs it",
    );
  return problems;
}

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function errorText(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : (r.stderr || r.stdout || `exit code ${r.status}`).trim();
}

export function hostFacts(): HostFacts {
  const missing = ["containerd", "containerd-shim-runc-v2", "runc", "ctr", "nft", "ip"].filter(
    (c) => !onPath(c),
  );
  for (const plugin of ["bridge", "host-local", "loopback"]) {
    if (!fs.existsSync(path.join(cniBinDir, plugin))) missing.push(path.join(cniBinDir, plugin));
  }
  const missingHierarchies = cgroupHierarchies.filter(
    (h) => !fs.existsSync(path.join(cgroupFs, h, "cgroup.procs")),
  );
  const cgroupV2Only = fs.existsSync(path.join(cgroupFs, "cgroup.controllers"));
  let netnsError: string | undefined;
  if (onPath("ip")) {
    const probe = `kestrel-probe-${process.pid}`;
    netnsError = errorText("ip", ["netns", "add", probe]);
    if (!netnsError) spawnSync("ip", ["netns", "delete", probe]);
  }
  const nftError = onPath("nft") ? errorText("nft", ["list", "tables"]) : undefined;
  const overlayfs = /\toverlay$/m.test(fs.readFileSync("/proc/filesystems", "utf8"));
  return {
    uid: process.getuid?.() ?? -1,
    missing,
    missingHierarchies,
    cgroupV2Only,
    netnsError,
    nftError,
    overlayfs,
  };
}

/** Throws one message listing everything the host lacks, so the user fixes it in one go. */
export function assertHostReady(): void {
  const problems = hostProblems(hostFacts());
  if (problems.length > 0)
    throw new Error(
      `the real node cannot start on this host:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
}

function run(cmd: string, args: string[], input?: string): void {
  try {
    execFileSync(cmd, args, { input, stdio: ["pipe", "pipe", "pipe"], encoding: "utf8" });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

/**
 * The cgroup the node's pods go under: a child of this process's own (memory) cgroup, created in
 * every v1 hierarchy. Pods at the hierarchy roots would sit outside the machine's own cgroup.
 */
export function chooseCgroupRoot(procSelfCgroup: string): string {
  const memory = procSelfCgroup.split("\n").find((l) => l.split(":")[1]?.split(",").includes("memory"));
  const own = memory?.split(":")[2] ?? "/";
  return path.posix.join(own, "kestrel-node");
}

export function createCgroups(root: string): void {
  for (const h of cgroupHierarchies) {
    const base = path.join(cgroupFs, h);
    let dir = base;
    for (const part of root.split("/").filter(Boolean)) {
      const parent = dir;
      dir = path.join(dir, part);
      if (!fs.existsSync(dir)) fs.mkdirSync(dir);
      // A new cpuset has no CPUs or memory nodes: inherit them, or nothing can join it.
      if (h === "cpuset") {
        for (const f of ["cpuset.cpus", "cpuset.mems"]) {
          if (fs.readFileSync(path.join(dir, f), "utf8").trim() === "")
            fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(parent, f), "utf8"));
        }
      }
    }
  }
}

/** Creates the bridge (its address is the node IP the kubelet checks for), routes, rules, forwarding, CNI config. */
export function setUpHost(cniConf: Record<string, unknown>): void {
  for (const dir of [...Object.values(hostDirs), nodePaths.cniConfDir, nodePaths.cniIpamDir])
    fs.mkdirSync(dir, { recursive: true });
  run("ip", ["link", "add", bridgeName, "type", "bridge"]);
  run("ip", ["addr", "add", `${bridgeAddress}/${bridgePrefix}`, "dev", bridgeName]);
  run("ip", ["link", "set", bridgeName, "up"]);
  for (const range of unreachableRoutes) run("ip", ["route", "replace", "unreachable", range]);
  run("nft", ["-f", "-"], containmentRuleset());
  const forward = "/proc/sys/net/ipv4/ip_forward";
  const previous = path.join(hostDirs.run, "ip_forward.before");
  if (!fs.existsSync(previous)) fs.writeFileSync(previous, fs.readFileSync(forward, "utf8"));
  fs.writeFileSync(forward, "1\n");
  fs.writeFileSync(path.join(nodePaths.cniConfDir, "10-kestrel.conflist"), JSON.stringify(cniConf, null, 2));
}

/** Mount points at or under any of the given folders, deepest first. */
export function mountsUnder(mountinfo: string, prefixes: readonly string[]): string[] {
  const points = mountinfo
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => prefixes.some((pre) => p === pre || p.startsWith(pre + "/")));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** PIDs in a cgroup folder and every folder below it. */
function cgroupPids(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) pids.push(...cgroupPids(path.join(dir, entry.name)));
  }
  const procs = fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8");
  pids.push(...procs.split("\n").filter(Boolean).map(Number));
  return pids;
}

/** containerd's shims for our socket: the one argument that names our containerd, not a broad name. */
function ourShims(): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("containerd-shim-runc-v2") && args.includes(nodePaths.containerdSocket))
        pids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function removeCgroupTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  fs.rmdirSync(dir);
}

/**
 * Removes everything the node created on the host, whatever state it is in (a clean stop, a
 * crash, a half-finished start): container processes, shims, netns, mounts, kube-proxy's and our
 * nftables tables, routes, the bridge, cgroups, folders; restores ip_forward. Each step runs even
 * when an earlier one failed; the failures are reported together. Call after the kubelet,
 * kube-proxy and containerd have stopped.
 */
export async function tearDownHost(cgroupRoot: string | undefined): Promise<void> {
  const errors: string[] = [];
  const step = (what: string, work: () => void): void => {
    try {
      work();
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const kill = (pids: number[]): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const pidsHierarchy = path.join(cgroupFs, "pids");
  step("stopping container processes", () => {
    kill(ourShims());
    if (cgroupRoot) kill(cgroupPids(path.join(pidsHierarchy, cgroupRoot)));
  });
  // Killed processes leave their cgroups a moment later.
  for (let i = 0; i < 50 && cgroupRoot && cgroupPids(path.join(pidsHierarchy, cgroupRoot)).length > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  step("removing pod network namespaces", () => {
    if (!fs.existsSync("/run/netns")) return;
    // containerd names pod namespaces cni-<uuid>; nothing else on the machine uses that prefix.
    for (const ns of fs.readdirSync("/run/netns").filter((n) => n.startsWith("cni-"))) {
      spawnSync("umount", [path.join("/run/netns", ns)]);
      fs.rmSync(path.join("/run/netns", ns), { force: true });
    }
  });
  step("unmounting", () => {
    const prefixes = [...Object.values(hostDirs), ...foreignPaths];
    for (const point of mountsUnder(fs.readFileSync("/proc/self/mountinfo", "utf8"), prefixes)) {
      if (spawnSync("umount", [point]).status !== 0) run("umount", ["-l", point]);
    }
  });
  step("removing nftables tables", () => {
    const tables = execFileSync("nft", ["list", "tables"], { encoding: "utf8" });
    for (const [family, name] of [
      ["inet", nftTable],
      ["ip", "kube-proxy"],
      ["ip6", "kube-proxy"],
    ]) {
      if (new RegExp(`^table ${family} ${name}$`, "m").test(tables))
        run("nft", ["delete", "table", family!, name!]);
    }
  });
  step("removing routes", () => {
    for (const range of unreachableRoutes) spawnSync("ip", ["route", "del", "unreachable", range]);
  });
  step("removing the bridge", () => {
    if (spawnSync("ip", ["link", "show", bridgeName], { stdio: "ignore" }).status === 0)
      run("ip", ["link", "del", bridgeName]);
  });
  step("restoring ip_forward", () => {
    const previous = path.join(hostDirs.run, "ip_forward.before");
    if (fs.existsSync(previous))
      fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", fs.readFileSync(previous, "utf8"));
  });
  step("removing cgroups", () => {
    if (!cgroupRoot) return;
    for (const h of cgroupHierarchies) removeCgroupTree(path.join(cgroupFs, h, cgroupRoot));
  });
  step("removing folders", () => {
    for (const dir of [...Object.values(hostDirs), ...foreignPaths])
      fs.rmSync(dir, { recursive: true, force: true });
    // Left empty once device-plugins is gone; ours to remove only when nothing else is in it.
    for (const dir of ["/var/lib/kubelet", "/var/lib/cni"]) {
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
  });
  if (errors.length > 0)
    throw new Error(`cleaning up the real node left something behind:\n  ${errors.join("\n  ")}`);
}

/** What of the node is still on the host (empty after a clean `cluster:down`); for tests and status. */
export function hostLeftovers(): string[] {
  const left: string[] = [];
  if (spawnSync("ip", ["link", "show", bridgeName], { stdio: "ignore" }).status === 0)
    left.push(`bridge ${bridgeName}`);
  const tables = spawnSync("nft", ["list", "tables"], { encoding: "utf8" }).stdout ?? "";
  for (const t of [`inet ${nftTable}`, "ip kube-proxy", "ip6 kube-proxy"])
    if (tables.includes(`table ${t}\n`)) left.push(`nft table ${t}`);
  const routes = spawnSync("ip", ["route", "show", "type", "unreachable"], { encoding: "utf8" }).stdout ?? "";
  for (const r of unreachableRoutes) if (routes.includes(r)) left.push(`route unreachable ${r}`);
  for (const dir of [...Object.values(hostDirs), ...foreignPaths]) if (fs.existsSync(dir)) left.push(dir);
  if (fs.existsSync("/run/netns"))
    for (const ns of fs.readdirSync("/run/netns").filter((n) => n.startsWith("cni-")))
      left.push(`netns ${ns}`);
  const mounts = mountsUnder(fs.readFileSync("/proc/self/mountinfo", "utf8"), [
    ...Object.values(hostDirs),
    ...foreignPaths,
  ]);
  left.push(...mounts.map((m) => `mount ${m}`));
  return left;
}
