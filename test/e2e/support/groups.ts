import * as k8s from "@kubernetes/client-node";
import type { RolloutGroup, RolloutGroupStatus } from "../../../controller/api/group.js";
import { testCluster } from "./cluster.js";
import { kubectl } from "./kubectl.js";
import { waitFor } from "./wait.js";

const kind = { group: "kestrel.dev", version: "v1alpha1", plural: "rolloutgroups" };

export async function getGroup(namespace: string, name: string): Promise<RolloutGroup> {
  const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({ ...kind, namespace, name })) as RolloutGroup;
}

/** A RolloutGroup manifest as a user writes it. */
export const groupManifest = (name: string, spec: RolloutGroup["spec"]): object => ({
  apiVersion: "kestrel.dev/v1alpha1",
  kind: "RolloutGroup",
  metadata: { name },
  spec,
});

/** Waits until the group's status satisfies `ok` (which throws or returns false to keep waiting). */
export const waitForGroupStatus = (
  namespace: string,
  name: string,
  what: string,
  ok: (s: RolloutGroupStatus) => boolean,
  timeoutMs = 90_000,
): Promise<RolloutGroupStatus> =>
  waitFor(
    `RolloutGroup ${name}: ${what}`,
    async () => {
      const s = (await getGroup(namespace, name)).status ?? {};
      if (!ok(s)) throw new Error(`phase ${s.phase}: ${s.message}`);
      return s;
    },
    { timeoutMs },
  );

/** The reasons of a RolloutGroup's Events, oldest first. */
export async function groupEventReasons(namespace: string, name: string): Promise<string[]> {
  const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=RolloutGroup,involvedObject.name=${name}`,
  });
  return list.items.map((e) => e.reason ?? "");
}

export async function deleteGroup(namespace: string, name: string): Promise<void> {
  const res = await kubectl(["delete", "rolloutgroup", name, "-n", namespace, "--wait=true"]);
  if (res.code !== 0) throw new Error(res.stderr);
}
