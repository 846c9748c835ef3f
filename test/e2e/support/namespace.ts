import * as k8s from "@kubernetes/client-node";
import crypto from "node:crypto";
import { testCluster } from "./cluster.js";
import { waitFor } from "./wait.js";

/**
 * Gives the enclosing describe block its own namespace, created before its tests and deleted
 * after them, so tests never see each other's objects. Returns a getter for the name.
 */
export function useNamespace(prefix: string): () => string {
  let name = "";
  before(async function () {
    this.timeout(60_000);
    name = `${prefix}-${crypto.randomBytes(3).toString("hex")}`;
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name, labels: { "kestrel.dev/e2e": "true" } } } });
    // Pod admission refuses pods until the namespace's default ServiceAccount exists.
    await waitFor(`the default ServiceAccount in ${name}`, () =>
      core.readNamespacedServiceAccount({ name: "default", namespace: name }).then(() => true),
    );
  });
  after(async function () {
    this.timeout(60_000);
    if (!name || process.env.KESTREL_KEEP_NAMESPACES === "1") return;
    const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return () => name;
}
