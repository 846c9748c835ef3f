import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { chartDir, helm } from "../support/helm.js";

type Manifest = k8s.KubernetesObject & { spec?: Record<string, unknown>; rules?: unknown[] };

/** `helm template` offline (no --validate: no cluster is asked), every object it renders. */
async function render(...sets: string[]): Promise<Manifest[]> {
  const res = await helm(["template", "k", chartDir, "-n", "kestrel", ...sets.flatMap((s) => ["--set", s])]);
  assert.equal(res.code, 0, res.stderr);
  // Plain objects, as written (client-node's loadAllYaml would build its model classes).
  return parseAllDocuments(res.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const find = (objs: Manifest[], kind: string): Manifest | undefined => objs.find((o) => o.kind === kind);
const args = (objs: Manifest[]): string[] =>
  (find(objs, "Deployment") as k8s.V1Deployment).spec!.template.spec!.containers[0]!.args!;

describe("Helm chart rendering (helm template, no cluster)", () => {
  it("renders without --kube-version: Helm's built-in default version is no cluster's, so it is not checked", async () => {
    const res = await helm(["template", "k", chartDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.doesNotMatch(res.stderr, /kubeVersion/);
    assert.match(res.stdout, /kind: Deployment/);
  });

  it("checks the version against a real cluster (template --validate asks it) and passes on this one", async () => {
    const res = await helm(["template", "k", chartDir, "--validate", "-n", "default"]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /kind: Deployment/);
  });

  it("lints clean with --strict, with every optional object on", async () => {
    const res = await helm([
      "lint",
      "--strict",
      chartDir,
      "--set",
      "networkPolicy.enabled=true,podDisruptionBudget.enabled=true,instanceId=blue,serviceMonitor.enabled=true",
    ]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  describe("PodDisruptionBudget", () => {
    it("is there with the default two replicas: one pod at a time may go", async () => {
      const pdb = find(await render(), "PodDisruptionBudget");
      assert.deepEqual(pdb?.spec, {
        maxUnavailable: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": "kestrel", "app.kubernetes.io/instance": "k" } },
      });
      assert.equal(pdb?.metadata?.namespace, "kestrel");
    });

    it("is not there with one replica (it would block every drain), unless forced", async () => {
      assert.equal(
        find(await render("replicaCount=1", "leaderElection.enabled=false"), "PodDisruptionBudget"),
        undefined,
      );
      const forced = await render("replicaCount=1", "podDisruptionBudget.enabled=true");
      assert.equal(find(forced, "PodDisruptionBudget")?.spec?.maxUnavailable, 1);
    });

    it("can be turned off with several replicas, and takes minAvailable instead of maxUnavailable", async () => {
      assert.equal(
        find(await render("replicaCount=3", "podDisruptionBudget.enabled=false"), "PodDisruptionBudget"),
        undefined,
      );
      const spec = find(
        await render("replicaCount=3", "podDisruptionBudget.minAvailable=2"),
        "PodDisruptionBudget",
      )?.spec;
      assert.equal(spec?.minAvailable, 2);
      assert.equal(spec?.maxUnavailable, undefined);
    });
  });

  describe("NetworkPolicy", () => {
    it("is off by default", async () => {
      assert.equal(find(await render(), "NetworkPolicy"), undefined);
    });

    it("when on: ingress only to the metrics port; egress to the API server, DNS and the providers given", async () => {
      const np = find(
        await render(
          "networkPolicy.enabled=true",
          "metricsPort=9000",
          "networkPolicy.apiServer.cidrs={172.18.0.2/32}",
          "networkPolicy.apiServer.ports={6443}",
          "networkPolicy.providers[0].cidr=10.0.42.0/24",
          "networkPolicy.providers[0].ports={9090}",
          "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring",
        ),
        "NetworkPolicy",
      ) as k8s.V1NetworkPolicy | undefined;
      assert.ok(np, "rendered");
      assert.deepEqual(np.spec?.policyTypes, ["Ingress", "Egress"]);
      assert.deepEqual(np.spec?.ingress, [
        {
          ports: [{ port: 9000, protocol: "TCP" }],
          from: [{ namespaceSelector: { matchLabels: { team: "monitoring" } } }],
        },
      ]);
      assert.deepEqual(np.spec?.egress, [
        { ports: [{ port: 6443, protocol: "TCP" }], to: [{ ipBlock: { cidr: "172.18.0.2/32" } }] },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
        { to: [{ ipBlock: { cidr: "10.0.42.0/24" } }], ports: [{ port: 9090, protocol: "TCP" }] },
      ]);
    });

    it("refuses a provider entry without ports, naming it", async () => {
      const res = await helm([
        "template",
        "k",
        chartDir,
        "--set",
        "networkPolicy.enabled=true,networkPolicy.providers[0].cidr=10.0.0.0/8",
      ]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /networkPolicy\/providers\/0.*ports/);
    });
  });

  describe("instanceId", () => {
    it("passes --instance-id and elects on its own lease, which the leader-election Role names", async () => {
      const objs = await render("instanceId=blue");
      assert.ok(args(objs).includes("--instance-id=blue"));
      assert.ok(args(objs).includes("--lease-name=kestrel-controller-blue"));
      const role = objs.find((o) => o.kind === "Role" && o.metadata?.name === "k-kestrel-leader-election") as
        k8s.V1Role | undefined;
      assert.deepEqual(role?.rules?.find((r) => r.resourceNames)?.resourceNames, ["kestrel-controller-blue"]);
    });

    it("without one: no flag and the usual lease; an explicit leaseName wins", async () => {
      const plain = args(await render());
      assert.equal(plain.filter((a) => a.startsWith("--instance-id")).length, 0);
      assert.ok(plain.includes("--lease-name=kestrel-controller"));
      assert.ok(
        args(await render("instanceId=blue", "leaderElection.leaseName=mine")).includes("--lease-name=mine"),
      );
    });

    it("refuses an id that is not a lower-case label value, naming instanceId", async () => {
      const res = await helm(["template", "k", chartDir, "--set", "instanceId=Blue_1"]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /instanceId/);
    });
  });
});
