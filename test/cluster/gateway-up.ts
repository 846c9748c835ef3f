import * as k8s from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { failureMessage } from "./build.js";
import type { ComponentRecord } from "./cluster.js";
import type { ComponentSpec, Layout } from "./components.js";
import {
  gatewayApiCrdsDir,
  gatewayClusterRole,
  gatewayName,
  gatewayNamespace,
  gatewayObjects,
  gatewayServiceAccount,
  gatewayTokenFile,
  gatewayUrl,
  gatewayClassName,
  traefik,
  type GatewayInfo,
} from "./gateway.js";
import { binary } from "./versions.js";

/**
 * Brings up the data plane on a running cluster: the Gateway API CRDs (server-side apply), Traefik's
 * identity and token, Traefik itself, then the GatewayClass and Gateway; returns once the Gateway
 * is Programmed (Traefik has loaded it and listens on its port).
 */

/** A started component's record, and whether it has exited since (known to its parent only). */
export interface Started {
  record: ComponentRecord;
  exited: () => boolean;
}

export interface GatewayContext {
  layout: Layout;
  kubeconfig: string;
  apiserver: string;
  caFile: string;
  /** Starts a component the way the cluster starts all others (recorded, logged). */
  start: (spec: ComponentSpec) => Promise<Started>;
  timeoutMs: number;
}

const fieldManager = "kestrel-cluster";
const run = promisify(execFile);

export async function startGateway(ctx: GatewayContext): Promise<GatewayInfo> {
  await applyGatewayApiCrds(ctx.kubeconfig, ctx.timeoutMs);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(ctx.kubeconfig);
  const token = await gatewayToken(kc, ctx.kubeconfig);
  fs.writeFileSync(gatewayTokenFile(ctx.layout), token, { mode: 0o600 });
  const proc = await ctx.start(traefik(ctx.layout, ctx.apiserver, ctx.caFile));
  await kubectlApply(ctx.kubeconfig, gatewayObjects(ctx.layout.ports.gateway));
  await waitForProgrammed(kc, proc, ctx.timeoutMs);
  return {
    url: gatewayUrl(ctx.layout),
    name: gatewayName,
    namespace: gatewayNamespace,
    className: gatewayClassName,
  };
}

/** The standard channel's CRDs, applied server-side as the project's docs install them. */
async function applyGatewayApiCrds(kubeconfig: string, timeoutMs: number): Promise<void> {
  const dir = gatewayApiCrdsDir();
  await kubectl(kubeconfig, ["apply", "--server-side", `--field-manager=${fieldManager}`, "-f", dir]);
  await kubectl(kubeconfig, [
    "wait",
    "--for=condition=Established",
    `--timeout=${timeoutMs / 1000}s`,
    "-f",
    dir,
  ]);
}

/** Server-side apply of objects given as JSON on kubectl's stdin. */
async function kubectlApply(kubeconfig: string, objects: Record<string, unknown>[]): Promise<void> {
  const list = { apiVersion: "v1", kind: "List", items: objects };
  await kubectl(
    kubeconfig,
    ["apply", "--server-side", `--field-manager=${fieldManager}`, "-f", "-"],
    JSON.stringify(list),
  );
}

async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const full = ["--kubeconfig", kubeconfig, ...args];
  const child = run(binary("kubectl"), full, { encoding: "utf8" });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`kubectl ${args.join(" ")} failed: ${stderr.trim()}`, { cause: err });
  }
}

/**
 * Traefik's token: a ServiceAccount bound to the ClusterRole it needs, and a bound token for it
 * (long-lived: the cluster is a test cluster, and Traefik reads the token once at start).
 */
async function gatewayToken(kc: k8s.KubeConfig, kubeconfig: string): Promise<string> {
  const roleName = "kestrel-gateway-traefik";
  await kubectlApply(kubeconfig, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: gatewayNamespace } },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: gatewayServiceAccount, namespace: gatewayNamespace },
    },
    gatewayClusterRole(roleName),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: roleName },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
      subjects: [{ kind: "ServiceAccount", name: gatewayServiceAccount, namespace: gatewayNamespace }],
    },
  ]);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    name: gatewayServiceAccount,
    namespace: gatewayNamespace,
    body: { spec: { audiences: [], expirationSeconds: 365 * 24 * 3600 } },
  });
  const token = res.status?.token;
  if (!token)
    throw new Error(
      `the API server issued no token for ServiceAccount ${gatewayNamespace}/${gatewayServiceAccount}`,
    );
  return token;
}

/** Waits for Traefik to report the current Gateway generation Programmed; a failure shows Traefik's log. */
async function waitForProgrammed(kc: k8s.KubeConfig, started: Started, timeoutMs: number): Promise<void> {
  const proc = started.record;
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let last = "no status yet";
  while (Date.now() < deadline) {
    if (started.exited())
      throw new Error(
        failureMessage(
          `starting ${proc.name}`,
          [proc.command, ...proc.args].join(" "),
          "the process exited",
          proc.logFile,
        ),
      );
    const gw = (await api.getNamespacedCustomObject({
      group: "gateway.networking.k8s.io",
      version: "v1",
      namespace: gatewayNamespace,
      plural: "gateways",
      name: gatewayName,
    })) as { metadata: { generation: number }; status?: { conditions?: k8s.V1Condition[] } };
    const programmed = gw.status?.conditions?.find((c) => c.type === "Programmed");
    if (programmed?.status === "True" && programmed.observedGeneration === gw.metadata.generation) return;
    last = programmed
      ? `Programmed=${programmed.status} (${programmed.reason}: ${programmed.message})`
      : last;
    await sleep(250);
  }
  throw new Error(
    failureMessage(
      `starting ${proc.name}`,
      [proc.command, ...proc.args].join(" "),
      `Gateway ${gatewayNamespace}/${gatewayName} not Programmed within ${timeoutMs / 1000}s (last: ${last})`,
      proc.logFile,
    ),
  );
}
