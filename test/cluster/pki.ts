import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Identities of the local cluster: static bearer tokens and the ServiceAccount signing key pair. */
export interface Credentials {
  tokens: Record<Identity, string>;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
}

export type Identity =
  | "admin"
  | "controller-manager"
  | "scheduler"
  | "kwok"
  | "kestrel-controller"
  | "kubelet"
  | "kube-proxy"
  | "prometheus";

/**
 * The control-plane components and the admin are in system:masters: RBAC is enforced for everyone
 * else (ServiceAccounts, impersonated users), which is what the tests exercise.
 * `kestrel-controller` is the controller under benchmark: a name of its own so the API server's
 * audit log can count its requests, and only its (see auditArgs in components.ts).
 */
const users: Record<Identity, string> = {
  admin: "kestrel-admin",
  "controller-manager": "system:kube-controller-manager",
  scheduler: "system:kube-scheduler",
  kwok: "kwok-controller",
  "kestrel-controller": "kestrel-controller",
  // The real node's identities are not masters: the Node authorizer and the built-in
  // system:node-proxier binding give them what upstream kubelets and kube-proxies get.
  kubelet: "system:node:kestrel-node",
  "kube-proxy": "system:kube-proxy",
  // Reads pods for kubernetes_sd (bound to the built-in `view` ClusterRole at start).
  prometheus: "kestrel-prometheus",
};

/** Groups per identity; everyone not listed here is in system:masters. */
const groups: Partial<Record<Identity, string>> = {
  kubelet: "system:nodes",
  "kube-proxy": "",
  prometheus: "",
};

/** The user name the API server authenticates an identity's token as. */
export const userOf = (id: Identity): string => users[id];

export function writeCredentials(dir: string): Credentials {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const serviceAccountKey = path.join(dir, "sa.key");
  const serviceAccountPub = path.join(dir, "sa.pub");
  fs.writeFileSync(serviceAccountKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  fs.writeFileSync(serviceAccountPub, publicKey.export({ type: "spki", format: "pem" }));
  const tokens = Object.fromEntries(
    (Object.keys(users) as Identity[]).map((id) => [id, crypto.randomBytes(24).toString("hex")]),
  ) as Record<Identity, string>;
  const tokenFile = path.join(dir, "tokens.csv");
  const lines = (Object.keys(users) as Identity[]).map((id) => {
    const group = groups[id] ?? "system:masters";
    return `${tokens[id]},${users[id]},${users[id]}${group ? `,"${group}"` : ""}`;
  });
  fs.writeFileSync(tokenFile, lines.join("\n") + "\n", { mode: 0o600 });
  return { tokens, serviceAccountKey, serviceAccountPub, tokenFile };
}

/** An identity's token from a running cluster's token file; undefined if the cluster predates it. */
export function readToken(dir: string, id: Identity): string | undefined {
  const lines = fs.readFileSync(path.join(dir, "tokens.csv"), "utf8").split("\n");
  return lines.map((l) => l.split(",")).find((cols) => cols[1] === users[id])?.[0];
}
