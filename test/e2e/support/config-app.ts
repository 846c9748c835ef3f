import type { Rollout } from "../../../controller/api/rollout.js";
import { sampleRollout } from "./real-traffic.js";

/**
 * The sample app configured from a ConfigMap and a Secret, for the config-snapshot tests: VERSION
 * (what every answer and metric reports) is composed by Kubernetes from ConfigMap `app-config` key
 * `setting` and Secret `app-secret` key `token`, so a pod of a revision configured with blue and s1
 * answers "blue-s1"; ERROR_RATE comes from the ConfigMap's `errorRate`. No analysis unless a test adds one.
 */
export function configuredRollout(namespace: string, steps?: object[]): Rollout {
  const ro = sampleRollout("web", "unused", 0, namespace, steps) as Rollout;
  ro.spec.configSnapshots = true;
  ro.spec.template.spec!.containers[0]!.env = [
    { name: "SETTING", valueFrom: { configMapKeyRef: { name: "app-config", key: "setting" } } },
    { name: "TOKEN", valueFrom: { secretKeyRef: { name: "app-secret", key: "token" } } },
    { name: "VERSION", value: "$(SETTING)-$(TOKEN)" },
    { name: "ERROR_RATE", valueFrom: { configMapKeyRef: { name: "app-config", key: "errorRate" } } },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ];
  return ro;
}

/** ConfigMap `app-config`: the revision's setting and its pods' error rate. */
export const appConfig = (setting: string, errorRate = "0") => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "app-config" },
  data: { setting, errorRate },
});

/** Secret `app-secret` holding the token the pods' VERSION ends with. */
export const appSecret = (token: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "app-secret" },
  stringData: { token },
});
