import * as k8s from "@kubernetes/client-node";
import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "./cluster.js";
import { kubectlBinary, run } from "./kubectl.js";
import { waitFor } from "./wait.js";

/**
 * Installs Kestrel's CRDs from crds/ as a user does (`kubectl apply -f crds/`, what `helm install`
 * also does) and waits until the API server serves them. The benchmarks use it too.
 */
export async function applyCrds(kubeconfig: string, kc: k8s.KubeConfig): Promise<void> {
  const res = await run(kubectlBinary(), [
    "--kubeconfig",
    kubeconfig,
    "apply",
    "--server-side",
    "--force-conflicts",
    "-f",
    path.join(repoRoot, "crds"),
  ]);
  if (res.code !== 0) throw new Error(`installing the CRDs failed: ${res.stderr}`);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
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

/** The CRDs on the e2e run's cluster. */
export const installCrds = (): Promise<void> => applyCrds(testCluster().kubeconfigPath, testCluster().kc);
