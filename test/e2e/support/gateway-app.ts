import { gatewayRoute, routeHost } from "../../traffic/gateway-rollout.js";
import { testCluster } from "./cluster.js";
import { sendThroughGateway, waitForRouteAccepted } from "./gateway.js";
import { apply, waitForPhase } from "./rollouts.js";
import { createService } from "./sample-app.js";
import { waitFor } from "./wait.js";

/**
 * An app behind the local cluster's Gateway, as the traffic tests start from: its stable and
 * canary Services, its HTTPRoute, the Rollout Healthy, and a first 200 through the gateway.
 */
export async function setUpGatewayApp(namespace: string, app: string, rollout: object): Promise<void> {
  const gateway = testCluster().gateway!;
  await createService(namespace, `${app}-stable`, { app });
  await createService(namespace, `${app}-canary`, { app });
  await apply(namespace, gatewayRoute(app, namespace, gateway));
  await apply(namespace, rollout);
  await waitForPhase(namespace, app, "Healthy", 120_000);
  await waitForRouteAccepted(namespace, app, gateway.name);
  // Traefik loads a route just after it reports it; until then it answers 404.
  await waitFor("a first 200 through the gateway", async () => {
    const t = await sendThroughGateway(gateway.url, routeHost(app, namespace), 1);
    return Object.keys(t.failures).length === 0 ? true : undefined;
  });
}
