import * as k8s from "@kubernetes/client-node";
import type { AnalysisRun } from "../../../controller/api/analysis.js";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "./cluster.js";
import { kubectl } from "./kubectl.js";
import { waitFor } from "./wait.js";

const ro = { group: "kestrel.dev", version: "v1alpha1", plural: "rollouts" };

/** The images the tests deliver: kwok runs no containers, so any name is a version. */
export const v1 = "example.com/app:1";
export const v2 = "example.com/app:2";
export const v3 = "example.com/app:3";

export interface RolloutOptions {
  replicas?: number;
  image?: string;
  steps?: NonNullable<Rollout["spec"]["strategy"]["canary"]>["steps"];
  extraSpec?: Partial<Rollout["spec"]>;
}

/** A Rollout manifest as a user writes it (Argo field names), ready for kubectl apply. */
export function rolloutManifest(name: string, o: RolloutOptions = {}): Rollout {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      replicas: o.replicas ?? 10,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: o.image ?? v1 }] },
      },
      strategy: {
        canary: {
          steps: o.steps ?? [
            { setWeight: 20 },
            { pause: { duration: "5s" } },
            { setWeight: 50 },
            { pause: {} },
            { setWeight: 100 },
          ],
        },
      },
      ...o.extraSpec,
    },
  };
}

export async function apply(namespace: string, manifest: object): Promise<void> {
  const res = await kubectl(["apply", "-n", namespace, "-f", "-"], { input: JSON.stringify(manifest) });
  if (res.code !== 0) throw new Error(`kubectl apply failed: ${res.stderr}`);
}

export async function getRollout(namespace: string, name: string): Promise<Rollout> {
  const custom = testCluster().kc.makeApiClient(k8s.CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({ ...ro, namespace, name })) as Rollout;
}

export interface RevisionView {
  name: string;
  hash: string;
  revision: number;
  replicas: number;
  available: number;
  image: string;
  completed: boolean;
}

/** The Rollout's ReplicaSets as the API server has them, oldest revision first. */
export async function revisions(namespace: string, name: string): Promise<RevisionView[]> {
  const apps = testCluster().kc.makeApiClient(k8s.AppsV1Api);
  const list = await apps.listNamespacedReplicaSet({ namespace });
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Rollout" && o.name === name))
    .map((rs) => ({
      name: rs.metadata?.name ?? "",
      hash: rs.metadata?.labels?.["rollouts-pod-template-hash"] ?? "",
      revision: Number(rs.metadata?.annotations?.["kestrel.dev/revision"] ?? 0),
      replicas: rs.spec?.replicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
      image: rs.spec?.template?.spec?.containers[0]?.image ?? "",
      completed: rs.metadata?.annotations?.["kestrel.dev/completed"] === "true",
    }))
    .sort((a, b) => a.revision - b.revision);
}

/** image -> spec.replicas, the compact view the scenarios assert on. */
export async function split(namespace: string, name: string): Promise<Record<string, number>> {
  return Object.fromEntries((await revisions(namespace, name)).map((r) => [r.image, r.replicas]));
}

export async function waitForSplit(
  namespace: string,
  name: string,
  expected: Record<string, number>,
  { available = true, timeoutMs = 60_000 }: { available?: boolean; timeoutMs?: number } = {},
): Promise<RevisionView[]> {
  return waitFor(
    `ReplicaSets of ${name} to read ${JSON.stringify(expected)}`,
    async () => {
      const revs = await revisions(namespace, name);
      const actual = Object.fromEntries(revs.map((r) => [r.image, r.replicas]));
      const ok =
        Object.entries(expected).every(([image, n]) => (actual[image] ?? 0) === n) &&
        revs.every((r) => r.image in expected || r.replicas === 0) &&
        (!available || revs.every((r) => r.available >= r.replicas));
      if (!ok) throw new Error(`saw ${JSON.stringify(actual)}`);
      return revs;
    },
    { timeoutMs },
  );
}

export async function waitForPhase(
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 60_000,
): Promise<Rollout> {
  return waitFor(
    `${name} to be ${phase}`,
    async () => {
      const r = await getRollout(namespace, name);
      if (r.status?.phase !== phase) throw new Error(`phase ${r.status?.phase}: ${r.status?.message}`);
      return r;
    },
    { timeoutMs },
  );
}

export async function setImage(namespace: string, name: string, image: string): Promise<void> {
  const res = await kubectl([
    "patch",
    "rollout",
    name,
    "-n",
    namespace,
    "--type",
    "json",
    "-p",
    JSON.stringify([{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }]),
  ]);
  if (res.code !== 0) throw new Error(res.stderr);
}

export async function annotate(namespace: string, name: string, annotation: string): Promise<void> {
  const res = await kubectl(["annotate", "rollout", name, "-n", namespace, "--overwrite", annotation]);
  if (res.code !== 0) throw new Error(res.stderr);
}

export async function rolloutEvents(namespace: string, name: string): Promise<k8s.CoreV1Event[]> {
  const core = testCluster().kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Rollout,involvedObject.name=${name}`,
  });
  return list.items;
}

/** The AnalysisRuns a Rollout created, as kubectl lists them. */
export async function runsOf(namespace: string, rollout: string): Promise<AnalysisRun[]> {
  const res = await kubectl([
    "get",
    "analysisruns",
    "-n",
    namespace,
    "-l",
    `kestrel.dev/rollout=${rollout}`,
    "-o",
    "json",
  ]);
  return (JSON.parse(res.stdout) as { items: AnalysisRun[] }).items;
}
