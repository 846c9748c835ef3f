import os from "node:os";
import { parseArgs } from "node:util";
import { parseAllowed } from "./analysis/address-policy.js";
import type { LogLevel } from "./log.js";

/** Controller settings: flags first, then KESTREL_* environment variables, then defaults. */
export interface ControllerConfig {
  kubeconfig?: string;
  /** Namespaces to watch; empty means the whole cluster. */
  namespaces: string[];
  metricsPort: number;
  bindAddress: string;
  logLevel: LogLevel;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  workers: number;
  resyncSeconds: number;
  /** Each watch is re-opened after this long (jittered up to twice it), as client-go's reflector does. */
  watchTimeoutSeconds: number;
  /**
   * Hosts, addresses, CIDRs or *.domains metric providers may call (Prometheus address, Web url);
   * empty means any. The link-local range and the API server are refused whatever this says.
   */
  providerAllowedHosts: string[];
  /**
   * Handle only Rollouts (and AnalysisRuns) labelled kestrel.dev/controller-instance-id with this
   * value; undefined handles only those without the label.
   */
  instanceId?: string;
}

const levels: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: "string" },
      namespaces: { type: "string" },
      "metrics-port": { type: "string" },
      "bind-address": { type: "string" },
      "log-level": { type: "string" },
      "leader-elect": { type: "boolean" },
      "lease-namespace": { type: "string" },
      "lease-name": { type: "string" },
      workers: { type: "string" },
      "resync-seconds": { type: "string" },
      "watch-timeout-seconds": { type: "string" },
      "provider-allowed-hosts": { type: "string" },
      "instance-id": { type: "string" },
    },
    strict: true,
  });
  const logLevel = (values["log-level"] ?? env.KESTREL_LOG_LEVEL ?? "info") as LogLevel;
  if (!levels.includes(logLevel))
    throw new Error(`--log-level: "${logLevel}" is not one of ${levels.join(", ")}`);
  const providerAllowedHosts = commaList(
    values["provider-allowed-hosts"] ?? env.KESTREL_PROVIDER_ALLOWED_HOSTS,
  );
  parseAllowed(providerAllowedHosts); // a bad entry stops start-up, naming it
  const instanceId = parseInstanceId(values["instance-id"] ?? env.KESTREL_INSTANCE_ID);
  return {
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    namespaces: commaList(values.namespaces ?? env.KESTREL_NAMESPACES),
    metricsPort: positiveInt(
      "--metrics-port",
      values["metrics-port"] ?? env.KESTREL_METRICS_PORT ?? "8080",
      true,
    ),
    bindAddress: values["bind-address"] ?? env.KESTREL_BIND_ADDRESS ?? "0.0.0.0",
    logLevel,
    leaderElect: values["leader-elect"] ?? env.KESTREL_LEADER_ELECT === "true",
    leaseNamespace:
      values["lease-namespace"] ?? env.KESTREL_LEASE_NAMESPACE ?? env.POD_NAMESPACE ?? "default",
    // Instances elect their leaders apart: one lease for all would leave all but one instance idle.
    leaseName:
      values["lease-name"] ??
      env.KESTREL_LEASE_NAME ??
      (instanceId ? `kestrel-controller-${instanceId}` : "kestrel-controller"),
    identity: env.POD_NAME ?? `${os.hostname()}-${process.pid}`,
    workers: positiveInt("--workers", values.workers ?? env.KESTREL_WORKERS ?? "16"),
    resyncSeconds: positiveInt(
      "--resync-seconds",
      values["resync-seconds"] ?? env.KESTREL_RESYNC_SECONDS ?? "300",
    ),
    watchTimeoutSeconds: positiveInt(
      "--watch-timeout-seconds",
      values["watch-timeout-seconds"] ?? env.KESTREL_WATCH_TIMEOUT_SECONDS ?? "300",
    ),
    providerAllowedHosts,
    instanceId,
  };
}

/** "a, b,,c" -> ["a", "b", "c"]; unset or empty -> []. */
function commaList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The id is a label value and part of the default lease name, so it must be both: lower-case
 * letters, digits, "-" and ".", starting and ending with a letter or digit, at most 63 characters
 * (a label value's limit; upper case and "_", which a label value allows, a Lease name refuses).
 */
function parseInstanceId(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw.length > 63 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(raw)) {
    throw new Error(
      `--instance-id: "${raw}" must be 1-63 lower-case letters, digits, "-" or ".", starting and ending with a letter or digit (e.g. "canary-v2")`,
    );
  }
  return raw;
}

function positiveInt(flag: string, raw: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new Error(`${flag}: "${raw}" must be a ${allowZero ? "non-negative" : "positive"} integer`);
  }
  return n;
}
