import * as k8s from "@kubernetes/client-node";
import { userOf } from "./pki.js";

/** Prometheus' kubernetes_sd lists and watches pods: the built-in read-only `view` role, cluster-wide. */
export async function bindPrometheusReader(kubeconfig: string): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "kestrel-prometheus-view" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: userOf("prometheus") }],
      },
    });
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
  }
}
