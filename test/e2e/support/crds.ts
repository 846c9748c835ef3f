import * as k8s from "@kubernetes/client-node";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "./cluster.js";
import { kubectl } from "./kubectl.js";
import { waitFor } from "./wait.js";

/** Installs Kestrel's CRDs from crds/ (what `helm install` or `kubectl apply -f crds/` does) and waits until served. */
export async function installCrds(): Promise<void> {
  const res = await kubectl([
    "apply",
    "--server-side",
    "--force-conflicts",
    "-f",
    path.join(repoRoot, "crds"),
  ]);
  if (res.code !== 0) throw new Error(`installing the CRDs failed: ${res.stderr}`);
  const ext = testCluster().kc.makeApiClient(k8s.ApiextensionsV1Api);
  const names = [...res.stdout.matchAll(/customresourcedefinition\.apiextensions\.k8s\.io\/(\S+)/g)].map(
    (m) => m[1]!,
  );
  for (const name of names) {
    await waitFor(`CRD ${name} to be Established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return (
        crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") || undefined
      );
    });
  }
}
