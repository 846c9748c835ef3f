import path from "node:path";
import { repoRoot } from "../../cluster/paths.js";
import { binary } from "../../cluster/versions.js";
import { testCluster } from "./cluster.js";
import { run, type CommandResult } from "./kubectl.js";

export const chartDir = path.join(repoRoot, "charts", "kestrel");

/** The helm built with the cluster, pointed at the test cluster. */
export function helm(args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  return run(binary("helm"), ["--kubeconfig", testCluster().kubeconfigPath, ...args], { timeoutMs });
}
