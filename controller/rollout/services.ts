import type { V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import type { Rollout, StoredRollout } from "../api/rollout.js";
import type { FieldError } from "../api/validate.js";
import { podTemplateHashLabel } from "./labels.js";
import { availableReplicas, revisionOf, specReplicas } from "./revisions.js";
import { event, type PlanState } from "./state.js";

type ServiceField = "stableService" | "canaryService" | "activeService" | "previewService";
type Named = { strategy: "canary" | "blueGreen"; field: ServiceField; name: string };

/** The Services the strategy names (canary: stable/canary; blueGreen: active/preview), by field. */
export function namedServices(ro: StoredRollout): Named[] {
  const { canary, blueGreen } = ro.spec?.strategy ?? {};
  const named: Named[] = [];
  const add = (strategy: Named["strategy"], field: ServiceField, name: string | undefined): void => {
    if (name) named.push({ strategy, field, name });
  };
  add("canary", "stableService", canary?.stableService);
  add("canary", "canaryService", canary?.canaryService);
  add("blueGreen", "activeService", blueGreen?.activeService);
  add("blueGreen", "previewService", blueGreen?.previewService);
  return named;
}

/** A named Service that does not exist is the user's to fix: InvalidSpec naming the field and the Service. */
export function missingServices(ro: Rollout, services: ReadonlyMap<string, V1Service>): FieldError[] {
  return namedServices(ro)
    .filter(({ name }) => !services.has(name))
    .map(({ strategy, field, name }) => ({
      field: `spec.strategy.${strategy}.${field}`,
      message: `Service "${name}" not found in namespace ${ro.metadata.namespace ?? "default"}; create it or name an existing Service`,
    }));
}

/**
 * The revision each Service should select, as Argo does it: the stable Service the stable
 * ReplicaSet; the canary Service the newest ReplicaSet (so with no canary running, or once it is
 * promoted, the stable one too), and the stable one again on abort, so it never points at nothing.
 * Blue-green: the active Service what the strategy decided (activeHash); the preview one as the
 * canary Service.
 */
export function serviceTarget(s: PlanState, field: ServiceField): string | undefined {
  if (field === "stableService") return s.stableHash;
  if (field === "activeService") return s.activeHash;
  return s.abort ? s.stableHash : s.hash;
}

/**
 * Fully available: every replica it has and is about to have serves, and it has at least one,
 * unless the Rollout itself is scaled to zero: then no revision has pods and the Service follows
 * the revisions as they are, else it never settles (Argo counts 0 of 0 as available).
 */
function readiness(
  s: PlanState,
  hash: string,
  rs: V1ReplicaSet | undefined,
): { ready: boolean; have: number; want: number } {
  const want = Math.max(specReplicas(rs), s.desired.get(hash) ?? 0);
  const have = availableReplicas(rs);
  return { ready: rs !== undefined && (want > 0 || s.replicas === 0) && have >= want, have, want };
}

/**
 * Points each named Service at its role's ReplicaSet, adding rollouts-pod-template-hash to its
 * selector. Never to a ReplicaSet that is not fully available: the Service keeps what it
 * selects, and the message (and an Event, once) says what it waits for. Runs before the ReplicaSet
 * actions, so a switch away from a revision is applied before that revision is scaled down.
 */
export function serviceActions(s: PlanState): void {
  for (const { field, name } of namedServices(s.ro)) {
    const svc = s.services.get(name);
    const hash = serviceTarget(s, field);
    if (!svc || hash === undefined) continue;
    const current = svc.spec?.selector?.[podTemplateHashLabel];
    if (current === hash) continue;
    const rs = s.byHash.get(hash);
    const rsName = rs?.metadata?.name ?? `${s.ro.metadata.name}-${hash}`;
    const { ready, have, want } = readiness(s, hash, rs);
    if (!ready) {
      const wait = `${field} ${name} stays on ${current ?? "its own selector"} until ReplicaSet ${rsName} is fully available`;
      if (!s.prev.message?.includes(wait)) event(s, "Normal", "ServiceSwitchWaiting", wait);
      s.serviceWaits.push(`${wait} (${have}/${want})`);
      continue;
    }
    s.actions.push({
      kind: "patchServiceSelector",
      service: name,
      hash,
      resourceVersion: svc.metadata?.resourceVersion ?? "",
    });
    const revision = rs ? revisionOf(rs) : "?";
    event(
      s,
      "Normal",
      "SwitchService",
      `${field} ${name} now selects revision ${revision} (${podTemplateHashLabel}=${hash}), was ${current ?? "its own selector"}`,
    );
  }
  if (s.serviceWaits.length > 0) s.message = [s.message, ...s.serviceWaits].filter(Boolean).join("; ");
}
