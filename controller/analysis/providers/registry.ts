import type { MetricProvider, ProviderRegistry } from "../provider.js";
import { jobProvider, type JobClients } from "./job.js";
import { prometheusProvider } from "./prometheus.js";
import { webProvider } from "./web.js";

/** The providers that need no API client. */
export const providers: ProviderRegistry = new Map<string, MetricProvider>(
  [prometheusProvider, webProvider].map((p) => [p.name, p]),
);

/** Every provider the controller runs. A new provider is one entry here and one file beside it. */
export function allProviders(clients: JobClients): ProviderRegistry {
  return new Map<string, MetricProvider>(
    [prometheusProvider, webProvider, jobProvider(clients)].map((p) => [p.name, p]),
  );
}
