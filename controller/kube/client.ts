import * as k8s from "@kubernetes/client-node";

/** In a pod: the ServiceAccount's in-cluster config. Elsewhere: --kubeconfig, $KUBECONFIG, then ~/.kube/config. */
export function loadKubeConfig(kubeconfig?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}
