import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { binary } from "./versions.js";
import { prometheusArgs, prometheusBinary } from "./prometheus.js";
import { userOf, type Credentials } from "./pki.js";
import { serviceRange } from "./node/network.js";

/** The loopback ports one local cluster listens on, chosen free at start. */
export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  prometheus: number;
  /** The Gateway API data plane's one listener (absent on clusters started before it, or with KESTREL_GATEWAY=0). */
  gateway: number;
}
export const portNames: readonly (keyof Ports)[] = [
  "etcdClient",
  "etcdPeer",
  "apiserver",
  "controllerManager",
  "scheduler",
  "kwok",
  "prometheus",
  "gateway",
];

export interface Layout {
  state: string;
  logs: string;
  pki: string;
  ports: Ports;
  creds: Credentials;
}

export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  /** An HTTP(S) URL that answers 200 once the component is ready; absent = readiness checked elsewhere. */
  healthUrl?: string;
  healthHeaders?: Record<string, string>;
  /** The process's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local";
export const servingCertDir = (l: Layout): string => path.join(l.pki, "serving");
/** kube-apiserver writes a self-signed serving certificate followed by the CA that signed it. */
export const servingCaBundle = (l: Layout): string => path.join(servingCertDir(l), "apiserver.crt");
export const componentKubeconfig = (l: Layout, who: string): string => path.join(l.pki, `${who}.kubeconfig`);
export const apiserverUrl = (l: Layout): string => `https://127.0.0.1:${l.ports.apiserver}`;
export const prometheusUrl = (l: Layout): string => `http://127.0.0.1:${l.ports.prometheus}`;
export const prometheusDir = (l: Layout): string => path.join(l.state, "prometheus");
/** The token Prometheus' kubernetes_sd reads pods with (written by cluster.ts once the CA exists). */
export const prometheusTokenFile = (l: Layout): string => path.join(l.pki, "prometheus.token");

export function etcd(l: Layout): ComponentSpec {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return {
    name: "etcd",
    command: binary("etcd"),
    args: [
      "--name=kestrel",
      `--data-dir=${path.join(l.state, "etcd")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=kestrel=${peer}`,
      // A throwaway test store: durability is not worth the fsync latency.
      "--unsafe-no-fsync",
      "--quota-backend-bytes=8589934592",
      "--log-level=warn",
    ],
    healthUrl: `${client}/health`,
  };
}

/** The API server's audit log: only the benchmarked controller's requests (see auditArgs). */
export const auditLogFile = (state: string): string => path.join(state, "logs", "kube-apiserver-audit.log");

/**
 * The benchmarks count the controller's API requests as the API server saw them. The policy logs
 * request metadata (no bodies) for the `kestrel-controller` identity only and nothing for anyone
 * else, so the rest of the cluster and every other test pay one rule match per request.
 */
function auditArgs(l: Layout): string[] {
  const policyFile = path.join(l.state, "audit-policy.yaml");
  fs.writeFileSync(
    policyFile,
    stringify({
      apiVersion: "audit.k8s.io/v1",
      kind: "Policy",
      omitStages: ["RequestReceived"],
      rules: [{ level: "Metadata", users: [userOf("kestrel-controller")] }, { level: "None" }],
    }),
  );
  return [
    `--audit-policy-file=${policyFile}`,
    `--audit-log-path=${auditLogFile(l.state)}`,
    // Megabytes (~0.9 KB an event, ~50 MB for 10,000 Rollouts); the benchmark reads by time across rotations.
    "--audit-log-maxsize=200",
    "--audit-log-maxbackup=2",
  ];
}

export function kubeApiserver(l: Layout): ComponentSpec {
  return {
    name: "kube-apiserver",
    command: binary("kube-apiserver"),
    args: [
      `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${l.ports.apiserver}`,
      `--cert-dir=${servingCertDir(l)}`,
      `--token-auth-file=${l.creds.tokenFile}`,
      `--service-account-issuer=${serviceAccountIssuer}`,
      `--service-account-key-file=${l.creds.serviceAccountPub}`,
      `--service-account-signing-key-file=${l.creds.serviceAccountKey}`,
      `--service-cluster-ip-range=${serviceRange}`,
      // `kubectl logs/exec` reach the real node's kubelet at its bridge address.
      "--kubelet-preferred-address-types=InternalIP",
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      "--profiling=false",
      "--event-ttl=1h",
      // The benchmarks drive thousands of objects; the defaults (400/200) throttle them, not us.
      "--max-requests-inflight=2000",
      "--max-mutating-requests-inflight=1000",
      ...auditArgs(l),
    ],
    healthUrl: `${apiserverUrl(l)}/readyz`,
    healthHeaders: { Authorization: `Bearer ${l.creds.tokens.admin}` },
  };
}

export function kubeControllerManager(l: Layout): ComponentSpec {
  const kc = componentKubeconfig(l, "controller-manager");
  return {
    name: "kube-controller-manager",
    command: binary("kube-controller-manager"),
    args: [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${l.ports.controllerManager}`,
      "--leader-elect=false",
      `--service-account-private-key-file=${l.creds.serviceAccountKey}`,
      `--root-ca-file=${servingCaBundle(l)}`,
      "--use-service-account-credentials=false",
      // ReplicaSets of hundreds of pods must not wait on the client's default 20 qps.
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      "--concurrent-replicaset-syncs=10",
      "--concurrent-gc-syncs=40",
    ],
    healthUrl: `https://127.0.0.1:${l.ports.controllerManager}/healthz`,
  };
}

export function kubeScheduler(l: Layout): ComponentSpec {
  const kc = componentKubeconfig(l, "scheduler");
  return {
    name: "kube-scheduler",
    command: binary("kube-scheduler"),
    args: [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${l.ports.scheduler}`,
      "--leader-elect=false",
    ],
    healthUrl: `https://127.0.0.1:${l.ports.scheduler}/healthz`,
  };
}

/** Nodes carrying this annotation are simulated by kwok: pods bound to them become Running and Ready. */
export const kwokNodeAnnotation = { key: "kwok.x-k8s.io/node", value: "fake" };

export function kwok(l: Layout): ComponentSpec {
  return {
    name: "kwok",
    command: binary("kwok"),
    args: [
      `--kubeconfig=${componentKubeconfig(l, "kwok")}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation.key}=${kwokNodeAnnotation.value}`,
      // Heartbeats through Leases, as real kubelets do, instead of a status write per node per 10s.
      "--node-lease-duration-seconds=40",
      "--cidr=10.244.0.0/16",
      "--node-ip=127.0.0.1",
      `--server-address=127.0.0.1:${l.ports.kwok}`,
    ],
    healthUrl: `http://127.0.0.1:${l.ports.kwok}/healthz`,
  };
}

export function prometheus(l: Layout): ComponentSpec {
  return {
    name: "prometheus",
    command: prometheusBinary(),
    args: prometheusArgs(prometheusDir(l), l.ports.prometheus, {
      apiserver: apiserverUrl(l),
      caFile: servingCaBundle(l),
      tokenFile: prometheusTokenFile(l),
    }),
    healthUrl: `${prometheusUrl(l)}/-/ready`,
  };
}
