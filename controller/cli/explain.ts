/** An error in words for people: the API server's own message, with what kind of failure it was. */
import * as k8s from "@kubernetes/client-node";
import { CliError } from "./actions.js";
import { UsageError } from "./args.js";
import { RunCommandError } from "./run-commands.js";

export function explain(err: unknown): string {
  if (err instanceof CliError || err instanceof UsageError || err instanceof RunCommandError)
    return err.message;
  if (err instanceof k8s.ApiException) {
    let message = String(err.body);
    try {
      message = (JSON.parse(String(err.body)) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
    if (err.code === 404) return `not found: ${message}`;
    if (err.code === 403) return `forbidden (RBAC): ${message}`;
    return `the API server said ${err.code}: ${message}`;
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  if (
    e.code === "ECONNREFUSED" ||
    e.cause?.code === "ECONNREFUSED" ||
    /ECONNREFUSED|fetch failed/.test(e.message ?? "")
  ) {
    return "no cluster reachable: check --kubeconfig, --context or KUBECONFIG";
  }
  return e.message ?? String(err);
}
