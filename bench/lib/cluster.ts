import * as k8s from "@kubernetes/client-node";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { clusterUp, type ClusterInfo } from "../../test/cluster/cluster.js";
import { auditLogFile } from "../../test/cluster/components.js";
import { waitForDefaultServiceAccount } from "../../test/cluster/nodes.js";
import { readToken, userOf } from "../../test/cluster/pki.js";
import { applyCrds } from "../../test/e2e/support/crds.js";
import { AuditLog } from "./audit.js";
import { log, progress, sleep, waitUntil } from "./log.js";

/** Everything a benchmark needs from the cluster it runs on. */
export interface BenchContext {
  /** The admin's kubeconfig: what the benchmark itself creates and watches with. */
  kubeconfig: string;
  kc: k8s.KubeConfig;
  /** The identity the controller under benchmark runs as; the audit log records only its requests. */
  controllerKubeconfig: string;
  prometheusUrl: string;
  prometheusTargets: string;
  audit: AuditLog;
  /** The control plane's rate-limit flags in force, printed with every result. */
  controlPlane: Record<string, string[]>;
}

/** Brings up (or reuses) the local cluster of KESTREL_CLUSTER_STATE and installs the CRDs. */
export async function localBenchContext(): Promise<BenchContext> {
  const info = await clusterUp();
  const ctx = benchContext(info);
  await applyCrds(ctx.kubeconfig, ctx.kc);
  return ctx;
}

/** The benchmark's view of a running local cluster (e.g. the e2e suite's, whose CRDs are installed). */
export function benchContext(info: ClusterInfo): BenchContext {
  const pki = path.join(info.state, "pki");
  const token = readToken(pki, "kestrel-controller");
  const apiserver = info.processes.find((p) => p.name === "kube-apiserver");
  if (!token || !apiserver?.args.some((a) => a.startsWith("--audit-policy-file="))) {
    throw new Error(
      `the cluster in ${info.state} was started before the benchmark's audited identity existed; ` +
        `restart it: KESTREL_CLUSTER_STATE=${info.state} npm run cluster:down, then run the benchmark again`,
    );
  }
  const controllerKubeconfig = path.join(pki, "kestrel-controller.kubeconfig");
  // The admin's kubeconfig with the controller's token: same server, same CA, another user.
  const config = parse(fs.readFileSync(info.kubeconfig, "utf8")) as { users: { user: { token: string } }[] };
  for (const u of config.users) u.user.token = token;
  fs.writeFileSync(controllerKubeconfig, stringify(config), { mode: 0o600 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const rateFlags = /qps|burst|inflight|concurrent|max-pods|parallelism/;
  const controlPlane = Object.fromEntries(
    info.processes
      .filter((p) => p.name.startsWith("kube-") || p.name === "kwok")
      .map((p) => [p.name, p.args.filter((a) => rateFlags.test(a))]),
  );
  return {
    kubeconfig: info.kubeconfig,
    kc,
    controllerKubeconfig,
    prometheusUrl: info.prometheus,
    prometheusTargets: info.prometheusTargets,
    audit: new AuditLog(auditLogFile(info.state), userOf("kestrel-controller")),
    controlPlane,
  };
}

/** A fresh namespace for one benchmark, labelled so a leftover one is easy to find. */
export async function createNamespace(ctx: BenchContext, prefix: string): Promise<string> {
  const name = `${prefix}-${crypto.randomBytes(3).toString("hex")}`;
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels: { "kestrel.dev/bench": "true" } } } });
  await waitForDefaultServiceAccount(ctx.kubeconfig, 60_000, name);
  return name;
}

/**
 * Deletes a namespace and waits until it is gone, so the next benchmark does not share the
 * machine with its garbage collection (thousands of ReplicaSets and pods take a while).
 */
export async function deleteNamespace(
  ctx: BenchContext,
  name: string,
  timeoutMs = 15 * 60_000,
): Promise<void> {
  if (process.env.KESTREL_KEEP_NAMESPACES === "1") {
    log(`keeping namespace ${name} (KESTREL_KEEP_NAMESPACES=1)`);
    return;
  }
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
  const t0 = Date.now();
  let lastLog = t0;
  while (Date.now() - t0 < timeoutMs) {
    const gone = await core.readNamespace({ name }).then(
      () => false,
      (err: unknown) => err instanceof k8s.ApiException && err.code === 404,
    );
    if (gone) return;
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`namespace ${name} still terminating (${Math.round((Date.now() - t0) / 1000)}s)`);
    }
    await sleep(500);
  }
  log(`namespace ${name} still terminating after ${timeoutMs / 1000}s; leaving it to the API server`);
}

/**
 * Makes sure the kwok nodes can hold `pods` more pods: clones the cluster's first kwok node
 * (same labels, annotation and capacity) under new names until they fit, and waits for them to
 * be Ready. Returns the node count and the capacity used.
 */
export async function ensurePodCapacity(
  ctx: BenchContext,
  pods: number,
): Promise<{ nodes: number; podsPerNode: number; capacity: number; existingPods: number }> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode()).items.filter((n) => n.metadata?.labels?.type === "kwok");
  const template = nodes[0];
  if (!template) throw new Error("no kwok node in the cluster");
  const podsPerNode = quantity(template.status?.allocatable?.pods ?? "110");
  let existingPods = 0;
  let _continue: string | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ limit: 5000, _continue });
    existingPods += page.items.length;
    _continue = page.metadata?._continue;
  } while (_continue);
  // 10% headroom: a rolling update surges, and terminating pods still hold their slot.
  const needed = Math.ceil((existingPods + pods) * 1.1);
  const missing = Math.max(0, Math.ceil((needed - nodes.length * podsPerNode) / podsPerNode));
  if (missing > 0) {
    log(
      `adding ${missing} kwok node(s) of ${podsPerNode} pods for ${pods} pods (${existingPods} already exist)`,
    );
    const tick = progress("kwok nodes added", missing);
    for (let i = 0; i < missing; i++) {
      const name = `kwok-bench-${Date.now().toString(36)}-${i}`;
      const capacity = template.status?.capacity;
      await core.createNode({
        body: {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name,
            labels: { ...template.metadata?.labels, "kubernetes.io/hostname": name },
            annotations: Object.fromEntries(
              Object.entries(template.metadata?.annotations ?? {}).filter(([k]) =>
                k.startsWith("kwok.x-k8s.io/"),
              ),
            ),
          },
          status: { capacity, allocatable: template.status?.allocatable ?? capacity },
        },
      });
      tick(i + 1);
    }
    const total = nodes.length + missing;
    await waitUntil(
      `${total} kwok nodes to be Ready`,
      async () => {
        const all = (await core.listNode()).items.filter((n) => n.metadata?.labels?.type === "kwok");
        const ready = all.filter((n) =>
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length >= total || undefined;
      },
      { intervalMs: 500 },
    );
  }
  const count = nodes.length + missing;
  return { nodes: count, podsPerNode, capacity: count * podsPerNode, existingPods };
}

/** A Kubernetes quantity as a number ("1k" -> 1000, "2Ki" -> 2048); enough for pod counts. */
export function quantity(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(q.trim());
  if (!m) throw new Error(`cannot read the quantity "${q}"`);
  const scale: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
}
