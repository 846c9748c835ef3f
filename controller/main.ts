/**
 * Kestrel controller entry point: configuration, clients, leader election, the controllers,
 * /metrics /healthz /readyz, and a graceful shutdown that releases the lease.
 */
import * as k8s from "@kubernetes/client-node";
import { loadConfig, type ControllerConfig } from "./config.js";
import { loadKubeConfig } from "./kube/client.js";
import { LeaderElector } from "./kube/leader.js";
import { defaultTiming } from "./kube/lease-decision.js";
import { createLogger, type Logger } from "./log.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { startServer } from "./server.js";
import { Controllers } from "./kube/controllers.js";

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2));
  const log = createLogger(config.logLevel);
  const metrics = createMetrics();
  const kc = loadKubeConfig(config.kubeconfig);
  const controllers = new Controllers({ kc, config, log, metrics });
  const server = startServer(config.metricsPort, config.bindAddress, metrics.registry, {
    readiness: () => controllers.readiness(),
  });
  log.info("kestrel controller starting", {
    identity: config.identity,
    namespaces: config.namespaces.length ? config.namespaces : "all",
    leaderElect: config.leaderElect,
    instanceId: config.instanceId ?? "none (only Rollouts without the instance-id label)",
    metricsPort: config.metricsPort,
  });

  // Caches fill on every replica, so a standby that takes over acts at once.
  await controllers.startInformers();
  // atMs: since the process started, as the informers' own list logs give it.
  log.debug("caches synced", { atMs: Math.round(performance.now()) });

  const elector = config.leaderElect ? elect({ config, kc, controllers, metrics, log }) : undefined;
  if (!elector) {
    metrics.isLeader.set(1);
    controllers.startWorkers(() => true);
  }
  stopOnSignals(log, async () => {
    await controllers.stop();
    await elector?.stop();
    server.close();
  });
}

interface Parts {
  config: ControllerConfig;
  kc: k8s.KubeConfig;
  controllers: Controllers;
  metrics: Metrics;
  log: Logger;
}

/** Workers run only while this replica holds the lease; losing it ends the process. */
function elect({ config, kc, controllers, metrics, log }: Parts): LeaderElector {
  const elector: LeaderElector = new LeaderElector({
    api: kc.makeApiClient(k8s.CustomObjectsApi),
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    timing: defaultTiming,
    log,
    onStartedLeading: () => {
      log.debug("leading", { atMs: Math.round(performance.now()) });
      metrics.isLeader.set(1);
      controllers.startWorkers(() => elector.isLeader());
    },
    onStoppedLeading: () => {
      metrics.isLeader.set(0);
      // Whatever was in flight must not finish a write: exit, and let the Deployment restart us as a standby.
      log.error("leadership lost; exiting so no further action is taken", { identity: config.identity });
      process.exit(1);
    },
  });
  elector.start();
  return elector;
}

/** SIGTERM / SIGINT: stop once, releasing the lease; forced out after 20 s if stopping hangs. */
function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`kestrel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
