import { ensureBinaries, logBuildState } from "./build.js";
import { clusterDown, clusterStatus, clusterUp } from "./cluster.js";
import { log, phase, timings } from "./progress.js";
import { smokeCheck } from "./smoke.js";
import { ensureImages } from "./node/images.js";
import { realNodeMode } from "./node/node.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dashboardHint, runDemo, stopDemo } from "./demo.js";
import { freePorts } from "./net.js";
import { stateDir } from "./paths.js";
import { startDetached } from "./proc.js";
import { prometheusArgs, prometheusBinary, targetsDir } from "./prometheus.js";

const usage = "usage: tsx test/cluster/cli.ts build|up|down|status|demo";

async function main(verb: string | undefined): Promise<number> {
  const started = Date.now();
  switch (verb) {
    case "build":
      logBuildState();
      await ensureBinaries();
      if (realNodeMode() !== "off") await phase("the real node's images", async () => void ensureImages(log));
      break;
    case "up": {
      const cluster = await clusterUp();
      log(`cluster ready; export KUBECONFIG=${cluster.kubeconfig}`);
      break;
    }
    case "demo": {
      if (process.env.KESTREL_CLUSTER === "existing") {
        // The user's cluster: a local Prometheus scrapes the local sample app; the controller runs here.
        const state = path.join(stateDir(), "..", "demo-existing");
        await stopDemo(state);
        const prom = path.join(state, "prometheus");
        fs.mkdirSync(path.join(state, "logs"), { recursive: true });
        const [port] = await freePorts(1);
        const p = startDetached(
          "prometheus",
          prometheusBinary(),
          prometheusArgs(prom, port!),
          path.join(state, "logs", "prometheus.log"),
        );
        const kubeconfig = process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
        await phase("the demo on your cluster", () =>
          runDemo(
            {
              kubeconfig,
              prometheusUrl: `http://127.0.0.1:${port}`,
              prometheusTargets: targetsDir(prom),
              state,
            },
            [{ name: p.name, pid: p.pid, command: p.command, args: p.args, logFile: p.logFile }],
          ),
        );
        log(`stop it with: KESTREL_CLUSTER_STATE=${path.join(state)} npm run cluster:down`);
        break;
      }
      const cluster = await clusterUp();
      await smokeCheck(cluster.kubeconfig);
      await stopDemo(cluster.state);
      await phase("the demo", () =>
        runDemo({
          kubeconfig: cluster.kubeconfig,
          prometheusUrl: cluster.prometheus,
          prometheusTargets: cluster.prometheusTargets,
          state: cluster.state,
          realPods: cluster.realNode !== undefined,
        }),
      );
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
  if (verb === "demo") dashboardHint();
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
