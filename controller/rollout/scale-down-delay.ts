import type { V1ReplicaSet } from "@kubernetes/client-node";
import { scaleDownDeadlineAnnotation } from "./labels.js";
import { routesNoMoreThan } from "./routed.js";
import { hashOf, isCompleted, revisionOf, specReplicas } from "./revisions.js";
import { event, requeueIn, type PlanState } from "./state.js";

/**
 * canary.scaleDownDelaySeconds (with a router): once a promotion is done and every route sends
 * the canary Service nothing, the previous ReplicaSets keep their pods for the delay, so a data
 * plane still applying the last route change never sends a request to a pod that is gone. The
 * deadline lives on each ReplicaSet (kestrel.dev/scale-down-deadline), so a restarted controller
 * keeps it; scaleDownDelayRevisionLimit bounds how many wait at once (the newest are kept).
 * Runs after the strategy and keepUntilRoutesIdle, before the ReplicaSet actions.
 */
export function delayScaleDown(s: PlanState): void {
  const r = s.routing;
  if (!r) return;
  // A deadline starts once promoted with the routes idle; one already written runs out even
  // when a newer canary has started meanwhile.
  const starts = s.stableHash === s.hash && r.scaleDownDelayMs > 0 && routesNoMoreThan(s, 0);
  const candidates = s.replicaSets
    .filter((rs) => hashOf(rs) !== s.hash && hashOf(rs) !== s.stableHash && specReplicas(rs) > 0)
    .filter((rs) => (s.desired.get(hashOf(rs) ?? "") ?? 0) < specReplicas(rs))
    // A revision that once completed was a stable one; an aborted canary is not kept for this delay.
    .filter((rs) => (starts && isCompleted(rs)) || deadlineOf(rs) !== undefined)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const waiting: string[] = [];
  const limit = r.scaleDownDelayRevisionLimit ?? candidates.length;
  for (const rs of candidates.slice(limit))
    event(
      s,
      "Normal",
      "ScaleDownDelayLimited",
      `ReplicaSet ${rs.metadata?.name} (revision ${revisionOf(rs)}) scaled down without waiting: scaleDownDelayRevisionLimit ${limit} keeps only newer revisions waiting`,
    );
  for (const rs of candidates.slice(0, limit)) {
    const written = deadlineOf(rs);
    const deadline = written ?? s.now.getTime() + r.scaleDownDelayMs;
    const left = deadline - s.now.getTime();
    if (left <= 0) continue;
    if (written === undefined) {
      const at = new Date(deadline).toISOString();
      s.actions.push({
        kind: "annotateReplicaSet",
        name: rs.metadata?.name ?? "",
        annotations: { [scaleDownDeadlineAnnotation]: at },
      });
      event(
        s,
        "Normal",
        "ScaleDownDelayed",
        `ReplicaSet ${rs.metadata?.name} (revision ${revisionOf(rs)}) keeps its pods until ${at} (scaleDownDelaySeconds), so no request reaches a pod that is gone`,
      );
    }
    s.desired.set(hashOf(rs) ?? "", specReplicas(rs));
    requeueIn(s, left);
    waiting.push(`revision ${revisionOf(rs)} kept ${Math.ceil(left / 1000)}s more`);
  }
  clearDeadlines(s);
  if (waiting.length > 0) s.message += ` (scaleDownDelaySeconds: ${waiting.join(", ")})`;
}

function deadlineOf(rs: V1ReplicaSet): number | undefined {
  const at = Date.parse(rs.metadata?.annotations?.[scaleDownDeadlineAnnotation] ?? "");
  return Number.isNaN(at) ? undefined : at;
}

/** The deadline goes from a ReplicaSet left with no pods this pass, or serving again. */
function clearDeadlines(s: PlanState): void {
  for (const rs of s.replicaSets) {
    if (rs.metadata?.annotations?.[scaleDownDeadlineAnnotation] === undefined) continue;
    const h = hashOf(rs) ?? "";
    const serving = h === s.hash || h === s.stableHash;
    if (!serving && (s.desired.get(h) ?? 0) > 0) continue;
    s.actions.push({
      kind: "annotateReplicaSet",
      name: rs.metadata?.name ?? "",
      annotations: { [scaleDownDeadlineAnnotation]: null },
    });
  }
}
