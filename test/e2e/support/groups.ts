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

/** The group's status, {} before the controller first wrote one. */
export async function groupStatus(namespace: string, name: string): Promise<RolloutGroupStatus> {
  return (await getGroup(namespace, name)).status ?? {};
}

/**
 * Waits until the group's status satisfies `ok` (which throws or returns false to keep waiting).
 * A crash drill polls faster (intervalMs 100) to catch a state that lasts a second.
 */
export const waitForGroupStatus = (
  namespace: string,
  name: string,
  what: string,
  ok: (s: RolloutGroupStatus) => boolean,
  { timeoutMs = 90_000, intervalMs }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<RolloutGroupStatus> =>
  waitFor(
    `RolloutGroup ${name}: ${what}`,
    async () => {
      const s = await groupStatus(namespace, name);
      if (!ok(s)) throw new Error(`phase ${s.phase}: ${s.message}`);
      return s;
    },
    { timeoutMs, intervalMs },
  );

/** The group's Events (reason and message), oldest first. */
export async function groupEvents(
  namespace: string,
  name: string,
): Promise<{ reason: string; message: string }[]> {
  const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=RolloutGroup,involvedObject.name=${name}`,
  });
  const at = (e: k8s.CoreV1Event) => new Date(e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  return list.items
    .sort((a, b) => at(a) - at(b))
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

/** The reasons of a RolloutGroup's Events, oldest first. */
export async function groupEventReasons(namespace: string, name: string): Promise<string[]> {
  return (await groupEvents(namespace, name)).map((e) => e.reason);
}

export async function deleteGroup(namespace: string, name: string): Promise<void> {
  const res = await kubectl(["delete", "rolloutgroup", name, "-n", namespace, "--wait=true"]);
  if (res.code !== 0) throw new Error(res.stderr);
}
