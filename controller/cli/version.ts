/**
 * `kubectl kestrel version`: the plugin's version and the controllers' found in the cluster,
 * worded here as pure functions (test/unit/cli/version.test.ts); main.ts does the listing.
 */
import type * as k8s from "@kubernetes/client-node";

/** Set by scripts/build-plugin.mjs (esbuild's define) from package.json, in the bundle and so the executable. */
declare const KESTREL_PLUGIN_VERSION: string | undefined;

/** The plugin's version, or why it is unknown (run from source, not from the build). */
export function pluginVersion(): string {
  return typeof KESTREL_PLUGIN_VERSION === "string"
    ? KESTREL_PLUGIN_VERSION
    : "unknown (run from source, not built by scripts/build-plugin.mjs)";
}

/** The labels the chart puts on the controller's Deployment (charts/kestrel/templates/_helpers.tpl). */
export const controllerSelector = "app.kubernetes.io/name=kestrel";
const versionLabel = "app.kubernetes.io/version";

export interface ControllerInfo {
  namespace: string;
  name: string;
  version: string;
  /** Ready replicas over desired ones. */
  ready: string;
}

/**
 * What the listing found. `scope` says where it looked: every namespace, or only `namespace`
 * when listing across namespaces was denied. `forbidden` is true when even that was denied.
 */
export interface ControllerLookup {
  scope: { allNamespaces: true } | { allNamespaces: false; namespace: string };
  forbidden: boolean;
  controllers: ControllerInfo[];
}

export function controllersOf(deployments: readonly k8s.V1Deployment[]): ControllerInfo[] {
  return deployments.map((d) => ({
    namespace: d.metadata?.namespace ?? "",
    name: d.metadata?.name ?? "",
    version: d.metadata?.labels?.[versionLabel] ?? imageTag(d) ?? "unknown",
    ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
  }));
}

/** The tag of the first container's image, when the Deployment carries no version label. */
function imageTag(d: k8s.V1Deployment): string | undefined {
  const image = d.spec?.template.spec?.containers[0]?.image ?? "";
  const m = /:([^/:@]+)(@.*)?$/.exec(image);
  return m?.[1];
}

/** The text `version` prints: one line for the plugin, one per controller, or why there is none. */
export function describeVersions(plugin: string, found: ControllerLookup): string {
  const where = found.scope.allNamespaces
    ? "in any namespace"
    : `in namespace ${found.scope.namespace} (you may not list Deployments across namespaces)`;
  const lines = [`plugin: ${plugin}`];
  if (found.forbidden)
    lines.push(
      `controller: unknown: you may not list Deployments ${found.scope.allNamespaces ? "across namespaces" : `in namespace ${found.scope.namespace}`}`,
    );
  else if (found.controllers.length === 0)
    lines.push(`controller: not found (no Deployment labelled ${controllerSelector} ${where})`);
  else
    for (const c of found.controllers)
      lines.push(`controller: ${c.version} (Deployment ${c.namespace}/${c.name}, ${c.ready} ready)`);
  return lines.join("\n");
}

/** The data `version -o json|yaml` prints. */
export function versionData(plugin: string, found: ControllerLookup): object {
  return {
    plugin: { version: plugin },
    controllers: found.controllers,
    searched: found.scope.allNamespaces ? "all namespaces" : found.scope.namespace,
    forbidden: found.forbidden,
  };
}
