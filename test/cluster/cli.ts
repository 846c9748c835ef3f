import { ensureBinaries, logBuildState } from "./build.js";
import { clusterDown, clusterStatus, clusterUp } from "./cluster.js";
import { log, timings } from "./progress.js";
import { smokeCheck } from "./smoke.js";

const usage = "usage: tsx test/cluster/cli.ts build|up|down|status|demo";

async function main(verb: string | undefined): Promise<number> {
  const started = Date.now();
  switch (verb) {
    case "build":
      logBuildState();
      await ensureBinaries();
      break;
    case "up": {
      const cluster = await clusterUp();
      log(`cluster ready; export KUBECONFIG=${cluster.kubeconfig}`);
      break;
    }
    case "demo": {
      // Until the full demo lands: the local cluster, proven by a workload, left running to explore.
      const cluster = await clusterUp();
      await smokeCheck(cluster.kubeconfig);
      log("the local cluster is up and runs workloads. Explore it:");
      log(`  export KUBECONFIG=${cluster.kubeconfig}`);
      log("  kubectl get nodes; kubectl -n kestrel-smoke get deploy,rs,pods");
      log(`  Prometheus: ${cluster.prometheus}`);
      log("  npm run cluster:down   # when done");
      break;
    }
    case "down":
      await clusterDown();
      break;
    case "status":
      return (await clusterStatus()) ? 0 : 1;
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
  if (timings.length > 0) {
    log(`phases: ${timings.map((t) => `${t.name} ${t.seconds.toFixed(1)}s`).join("; ")}`);
    log(`total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
