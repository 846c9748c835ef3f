import type { V1Container, V1EphemeralContainer, V1PodSpec, V1Volume } from "@kubernetes/client-node";

export type SourceKind = "ConfigMap" | "Secret";

/**
 * One place in a pod spec that names a ConfigMap or Secret. `rename` points that place at another
 * object of the same kind (the snapshot); it mutates the spec it was found in, so only call it on
 * a copy.
 */
export interface RefSite {
  kind: SourceKind;
  name: string;
  optional: boolean;
  /** Where, as a field path (for conditions and events): spec.containers[0].env[1].valueFrom... */
  path: string;
  rename: (name: string) => void;
}

type Visit = (site: RefSite) => void;

interface Named {
  name?: string;
  optional?: boolean;
}

function site(kind: SourceKind, ref: Named | undefined, path: string, visit: Visit): void {
  if (!ref?.name) return;
  visit({
    kind,
    name: ref.name,
    optional: ref.optional === true,
    path,
    rename: (name) => (ref.name = name),
  });
}

/** env[].valueFrom.{configMapKeyRef,secretKeyRef} and envFrom[].{configMapRef,secretRef}. */
function containerRefs(c: V1Container | V1EphemeralContainer, at: string, visit: Visit): void {
  (c.env ?? []).forEach((e, i) => {
    site("ConfigMap", e.valueFrom?.configMapKeyRef, `${at}.env[${i}].valueFrom.configMapKeyRef`, visit);
    site("Secret", e.valueFrom?.secretKeyRef, `${at}.env[${i}].valueFrom.secretKeyRef`, visit);
  });
  (c.envFrom ?? []).forEach((e, i) => {
    site("ConfigMap", e.configMapRef, `${at}.envFrom[${i}].configMapRef`, visit);
    site("Secret", e.secretRef, `${at}.envFrom[${i}].secretRef`, visit);
  });
}

/** volumes[].configMap, volumes[].secret (its field is secretName) and projected sources. */
function volumeRefs(v: V1Volume, at: string, visit: Visit): void {
  site("ConfigMap", v.configMap, `${at}.configMap`, visit);
  const secret = v.secret;
  if (secret?.secretName) {
    visit({
      kind: "Secret",
      name: secret.secretName,
      optional: secret.optional === true,
      path: `${at}.secret`,
      rename: (name) => (secret.secretName = name),
    });
  }
  (v.projected?.sources ?? []).forEach((p, i) => {
    site("ConfigMap", p.configMap, `${at}.projected.sources[${i}].configMap`, visit);
    site("Secret", p.secret, `${at}.projected.sources[${i}].secret`, visit);
  });
}

/**
 * Every place a pod's configuration comes from a ConfigMap or Secret, in a stable order. Left out
 * on purpose: imagePullSecrets and volume-plugin credentials (csi nodePublishSecretRef, cephfs,
 * rbd...), which are credentials of the node and its drivers, not the application's settings,
 * and which Kubernetes reads outside the pod's own lifecycle.
 */
export function forEachRef(spec: V1PodSpec | undefined, visit: Visit): void {
  if (!spec) return;
  (spec.initContainers ?? []).forEach((c, i) => containerRefs(c, `spec.initContainers[${i}]`, visit));
  (spec.containers ?? []).forEach((c, i) => containerRefs(c, `spec.containers[${i}]`, visit));
  (spec.ephemeralContainers ?? []).forEach((c, i) =>
    containerRefs(c, `spec.ephemeralContainers[${i}]`, visit),
  );
  (spec.volumes ?? []).forEach((v, i) => volumeRefs(v, `spec.volumes[${i}]`, visit));
}

/** A referenced source, with every place that names it; required unless every place is optional. */
export interface SourceRef {
  kind: SourceKind;
  name: string;
  optional: boolean;
  paths: string[];
}

export const sourceKey = (kind: SourceKind, name: string): string => `${kind}/${name}`;

/** The distinct sources a pod spec references, in order of first appearance. */
export function discoverRefs(spec: V1PodSpec | undefined): SourceRef[] {
  const found = new Map<string, SourceRef>();
  forEachRef(spec, (s) => {
    const key = sourceKey(s.kind, s.name);
    const ref = found.get(key) ?? { kind: s.kind, name: s.name, optional: true, paths: [] };
    ref.optional &&= s.optional;
    ref.paths.push(s.path);
    found.set(key, ref);
  });
  return [...found.values()];
}
