import fs from "node:fs";
import { stringify } from "yaml";

/** A kubeconfig with one cluster, one token user and one context, named after the local cluster. */
export function writeKubeconfig(file: string, server: string, caFile: string, token: string): void {
  const name = "kestrel-local";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: { server, "certificate-authority-data": fs.readFileSync(caFile).toString("base64") },
      },
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: "default" } }],
    "current-context": name,
  };
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}
