import type { V1ReplicaSet } from "@kubernetes/client-node";
import { podTemplateHashLabel } from "./labels.js";
import { availableReplicas, hashOf, revisionOf, specReplicas } from "./revisions.js";
import { isFastUndo, markCompleted, firstVersion } from "./settled.js";
import { event, requeueIn, type PlanState } from "./state.js";
import type { Strategy } from "./strategy.js";
import { postPromotion, promotionGate } from "./bluegreen-gates.js";
import { splitByDelayLimit } from "./scale-down-limit.js";

/**
 * Blue-green (Argo's strategy.blueGreen): the new revision comes up beside the stable (active)
 * one, behind previewService; promotion switches activeService to it once it is fully available;
 * the previous revision stays at full scale until postPromotionAnalysis passed and
 * scaleDownDelaySeconds ran out, so going back is one selector switch. stableHash stays the old
 * revision until postPromotionAnalysis passes: until then an abort (or a failed analysis) still has
 * something to go back to.
 */
export const blueGreenStrategy: Strategy = {
  decide(s) {
    if (s.stableHash === undefined) {
      firstVersion(s);
      s.activeHash = s.hash;
    } else if (s.hash === s.stableHash) settled(s);
    else if (s.abort) aborted(s);
    else if (isFastUndo(s)) undoToCompleted(s);
    else progress(s);
    s.weight = s.activeHash === s.hash ? 100 : 0;
    // The moment activeService first selects activeHash (the previous revision's delay starts).
    if (observedActive(s) !== s.activeHash || s.switchedAt === undefined) s.switchedAt = s.now.toISOString();
  },
};

const blueGreenOf = (s: PlanState) => s.spec.strategy.blueGreen!;

/** The revision activeService selects now, as observed. */
export function observedActive(s: PlanState): string | undefined {
  return s.services.get(blueGreenOf(s).activeService ?? "")?.spec?.selector?.[podTemplateHashLabel];
}

/**
 * Every replica spec.template's ReplicaSet is to have exists and serves. Zero replicas count only
 * when the Rollout itself is scaled to zero (then 0 of 0 is all there is, as in Argo).
 */
export function fullyAvailable(s: PlanState, replicas: number): boolean {
  return (
    s.newRS !== undefined &&
    specReplicas(s.newRS) === replicas &&
    availableReplicas(s.newRS) >= replicas &&
    (replicas > 0 || s.replicas === 0)
  );
}

/**
 * spec.template is the stable revision (promoted, or undone to it): activeService on it once it
 * is fully available; the others keep their pods until activeService has left them for
 * scaleDownDelaySeconds (an undo or a failed analysis keeps the bad one warm as long: Argo's
 * delay, so requests in flight finish), then go to zero.
 */
function settled(s: PlanState): void {
  const { replicas } = s;
  s.desired.set(s.hash, replicas);
  const ready = fullyAvailable(s, replicas) || replicas === 0;
  const previous = observedActive(s);
  s.activeHash = ready ? s.hash : (previous ?? s.hash);
  const switched = observedActive(s) === s.hash;
  const delayMs = (blueGreenOf(s).scaleDownDelaySeconds ?? 30) * 1000;
  const since = switched && s.switchedAt ? s.now.getTime() - Date.parse(s.switchedAt) : 0;
  const left = switched ? Math.max(0, delayMs - since) : delayMs;
  const up = s.replicaSets.filter((rs) => hashOf(rs) !== s.hash && specReplicas(rs) > 0);
  // The one activeService still selects is serving, not waiting: never cut by the limit.
  const waiting = up.filter((rs) => hashOf(rs) !== previous);
  const { cut } = splitByDelayLimit(waiting, blueGreenOf(s).scaleDownDelayRevisionLimit);
  const others = up.filter((rs) => !cut.includes(rs));
  for (const rs of others) s.desired.set(hashOf(rs) ?? "", left > 0 ? specReplicas(rs) : 0);
  if (others.length > 0 && left > 0) requeueIn(s, left);
  for (const rs of cut) limitedScaleDown(s, rs);
  s.pauseConditions = [];
  s.scaleUpPreviewCheckPoint = false;
  const avail = availableReplicas(s.newRS);
  if (!ready || !switched) {
    s.phase = "Progressing";
    s.message = `stable revision ${s.newRevision}: ${avail}/${replicas} available, activeService switching to it`;
    return;
  }
  s.phase = "Healthy";
  s.message =
    others.length > 0 && left > 0
      ? `healthy: revision ${s.newRevision} active (${avail}/${replicas} available); previous revision kept ${Math.ceil(left / 1000)}s more (scaleDownDelaySeconds)`
      : `healthy: revision ${s.newRevision} active (${avail}/${replicas} available)`;
}

/** A previous ReplicaSet beyond scaleDownDelayRevisionLimit: to zero now, with an Event saying why. */
function limitedScaleDown(s: PlanState, rs: V1ReplicaSet): void {
  s.desired.set(hashOf(rs) ?? "", 0);
  const limit = blueGreenOf(s).scaleDownDelayRevisionLimit ?? 0;
  event(
    s,
    "Normal",
    "ScaleDownDelayRevisionLimit",
    `scaling down revision ${revisionOf(rs)} without waiting for scaleDownDelaySeconds: scaleDownDelayRevisionLimit ${limit} keeps only the ${limit} newest previous revision(s) up`,
  );
}

/**
 * Aborted (by a person, a failed analysis or the deadline): activeService back on the stable
 * revision at once; the new ReplicaSet keeps its pods until nothing selects it for
 * abortScaleDownDelaySeconds, so requests it is serving finish.
 */
function aborted(s: PlanState): void {
  const stableRS = s.byHash.get(s.stableHash ?? "");
  s.desired.set(s.stableHash ?? "", s.replicas);
  s.activeHash = s.stableHash;
  s.scaleUpPreviewCheckPoint = false;
  s.pauseConditions = [];
  const delayMs = (blueGreenOf(s).abortScaleDownDelaySeconds ?? 30) * 1000;
  const since = s.now.getTime() - Date.parse(s.abortedAt ?? s.now.toISOString());
  const left = observedActive(s) === s.hash ? delayMs : Math.max(0, delayMs - since);
  s.desired.set(s.hash, left > 0 ? specReplicas(s.newRS) : 0);
  if (left > 0 && specReplicas(s.newRS) > 0) requeueIn(s, left);
  s.phase = "Degraded";
  const kept =
    left > 0 && specReplicas(s.newRS) > 0 ? `; new ReplicaSet scaled down in ${Math.ceil(left / 1000)}s` : "";
  s.message = `${s.abortReason}: activeService back on stable revision ${stableRS ? revisionOf(stableRS) : "?"} (${availableReplicas(stableRS)}/${s.replicas} available)${kept}; retry with the kestrel.dev/retry annotation`;
}

/** Undo to a revision that once completed: it goes to full at once, then takes activeService (no analysis). */
function undoToCompleted(s: PlanState): void {
  if (!fullyAvailable(s, s.replicas)) {
    s.desired.set(s.hash, s.replicas);
    s.desired.set(s.stableHash ?? "", specReplicas(s.byHash.get(s.stableHash ?? "")));
    s.activeHash = observedActive(s) ?? s.stableHash;
    s.phase = "Progressing";
    s.message = `undo to revision ${s.newRevision}: scaling it to full (${availableReplicas(s.newRS)}/${s.replicas} available) before activeService switches, skipping analysis`;
    return;
  }
  s.stableHash = s.hash;
  event(s, "Normal", "UndoCompleted", `revision ${s.newRevision} is stable again at ${s.replicas} replicas`);
  settled(s);
}

/**
 * At least `preview` pods available, not exactly `preview` ReplicaSet replicas: a pass that starts
 * from the status before a promotion (its write lost to a 409 or a crash, or not yet in the cache)
 * finds the ReplicaSet already above the preview count, its status not yet caught up with the new
 * spec; the pods counted available before the scale-up still are (a scale-up kills none). The gate,
 * asked again, then promotes again instead of the preview being scaled down and up for nothing.
 */
function previewReady(s: PlanState, preview: number): boolean {
  if (s.newRS === undefined) return false;
  // A Rollout scaled to zero has a zero preview, and 0 of 0 is all it will ever have.
  if (preview <= 0) return s.replicas === 0;
  const scaledUp = specReplicas(s.newRS) > preview;
  const lastSeen = scaledUp ? (s.newRS.status?.availableReplicas ?? 0) : availableReplicas(s.newRS);
  return lastSeen >= preview;
}

/**
 * A new revision on its way: preview, then (promotion decided) full scale, then the switch, then
 * post-promotion analysis; the stable revision stays at full scale all along.
 */
function progress(s: PlanState): void {
  const bg = blueGreenOf(s);
  s.desired.set(s.stableHash ?? "", s.replicas);
  s.activeHash = s.stableHash;
  if (!s.scaleUpPreviewCheckPoint) {
    const preview = Math.min(bg.previewReplicaCount ?? s.replicas, s.replicas);
    s.desired.set(s.hash, preview);
    if (!previewReady(s, preview)) {
      s.phase = "Progressing";
      s.message = `preview revision ${s.newRevision}: ${availableReplicas(s.newRS)}/${preview} available behind previewService`;
      return;
    }
    const waiting = promotionGate(s);
    if (waiting !== undefined) {
      s.phase = s.paused ? "Paused" : "Progressing";
      s.message = `preview revision ${s.newRevision} ready (${preview}/${preview}): ${waiting}`;
      return;
    }
    s.scaleUpPreviewCheckPoint = true;
  }
  s.desired.set(s.hash, s.replicas);
  if (!fullyAvailable(s, s.replicas) && observedActive(s) !== s.hash) {
    s.phase = "Progressing";
    s.message = `promoting revision ${s.newRevision}: ${availableReplicas(s.newRS)}/${s.replicas} available before activeService switches`;
    return;
  }
  s.activeHash = s.hash;
  const waiting = postPromotion(s);
  if (waiting !== undefined) {
    s.phase = s.paused ? "Paused" : "Progressing";
    s.message = `revision ${s.newRevision} active: ${waiting}; previous revision kept at full scale`;
    return;
  }
  s.stableHash = s.hash;
  markCompleted(s);
  event(s, "Normal", "RolloutCompleted", `revision ${s.newRevision} is stable at ${s.replicas} replicas`);
  settled(s);
}
