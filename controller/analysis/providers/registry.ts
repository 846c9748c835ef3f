import type { MetricProvider, ProviderRegistry } from "../provider.js";
import { prometheusProvider } from "./prometheus.js";
import { webProvider } from "./web.js";

/** Every provider the controller runs. A new provider is one entry here and one file beside it. */
export const providers: ProviderRegistry = new Map<string, MetricProvider>(
  [prometheusProvider, webProvider].map((p) => [p.name, p]),
);
