import * as k8s from "@kubernetes/client-node";
import { log, phase } from "./progress.js";

/**
 * The quick proof that a cluster runs workloads, used by `npm run demo` until the full demo lands:
 * a 3-replica Deployment must become 3/3 available.
 */
export async function smokeCheck(kubeconfig: string, timeoutMs = 90_000): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const namespace = "kestrel-smoke";
  await phase("smoke check: a 3-replica Deployment becomes available", async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreConflict);
    await apps.deleteNamespacedDeployment({ name: "hello", namespace }).catch(() => undefined);
    const labels = { app: "hello" };
    await waitUntil(timeoutMs, async () => {
      await core.readNamespacedServiceAccount({ name: "default", namespace });
      return true;
    });
    await apps
      .createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: "hello" },
          spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: "hello", image: "example.com/hello:1" }] },
            },
          },
        },
      })
      .catch(ignoreConflict);
    await waitUntil(timeoutMs, async () => {
      const d = await apps.readNamespacedDeployment({ name: "hello", namespace });
      return d.status?.availableReplicas === 3;
    });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: "app=hello" });
    for (const p of pods.items) log(`  pod ${p.metadata?.name} on ${p.spec?.nodeName}: ${p.status?.phase}`);
  });
}

function ignoreConflict(err: unknown): void {
  if (err instanceof k8s.ApiException && err.code === 409) return;
  throw err;
}

/** Polls `check` until it returns true; the error names what was awaited and the last failure. */
export async function waitUntil(
  timeoutMs: number,
  check: () => Promise<boolean>,
  what = "the smoke check",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} ${last}`);
}
