import * as k8s from "@kubernetes/client-node";
import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";

/** Idle connections are closed after this long, well before the API server's own 90s idle timeout. */
export const idleSocketMs = 30_000;

/**
 * A KubeConfig whose API clients reuse connections. client-node 1.x builds a fresh https.Agent
 * for every request, so each call pays a new TCP connection and TLS handshake on both ends; under
 * a burst of reconciles that handshake, not the API server's work, dominated the latency of a
 * write. Here every request whose TLS settings are the same shares one keep-alive agent.
 * Credentials carried in headers (tokens, exec plugins) are still applied per request, and a
 * rotated client certificate gets an agent of its own.
 */
export class KeepAliveKubeConfig extends k8s.KubeConfig {
  private readonly agents = new Map<string, http.Agent>();

  /**
   * @param requestTimeoutMs every API request (not watches, which have their own timeout) is
   *   aborted after this long. client-node sets none, so one answer that never came (a socket
   *   the other end lost) would hold a worker and its key forever: the key's later events only
   *   mark it dirty, and nothing reconciles it again.
   */
  constructor(private readonly requestTimeoutMs = 60_000) {
    super();
  }

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
    const fresh = context.getAgent();
    // Proxy agents are left alone: their options are not plain TLS settings.
    if (!fresh || (fresh.constructor !== https.Agent && fresh.constructor !== http.Agent)) return;
    const options = (fresh as https.Agent).options;
    const key = agentKey(fresh.constructor === https.Agent, options);
    let shared = this.agents.get(key);
    if (!shared) {
      // The API server closes a connection idle for 90s; closing ours first means a request
      // never goes out on a socket the server is closing at that moment ("socket hang up").
      const keepAlive = { ...options, keepAlive: true, timeout: idleSocketMs };
      shared = fresh.constructor === https.Agent ? new https.Agent(keepAlive) : new http.Agent(keepAlive);
      this.agents.set(key, shared);
    }
    context.setAgent(shared);
  }
}

/** The TLS settings that decide which connections may be shared, hashed so certificates are not kept twice. */
function agentKey(tls: boolean, o: https.AgentOptions): string {
  const text = (v: unknown): string =>
    v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("base64") : JSON.stringify(v);
  const parts = [tls, o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername];
  return crypto.createHash("sha256").update(parts.map(text).join("\0")).digest("hex");
}

/** In a pod: the ServiceAccount's in-cluster config. Elsewhere: --kubeconfig, $KUBECONFIG, then ~/.kube/config. */
export function loadKubeConfig(kubeconfig?: string): k8s.KubeConfig {
  const kc = new KeepAliveKubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}
