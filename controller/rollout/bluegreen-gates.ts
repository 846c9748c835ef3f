import { buildRun } from "./analysis.js";
import { holdForInconclusive } from "./canary-steps.js";
import { podTemplateHashLabel, promoteAnnotation } from "./labels.js";
import { event, postPromotionRunName, prePromotionRunName, requeueIn, type PlanState } from "./state.js";
import { trigger } from "./triggers.js";

/** What stands between a ready preview and promotion (blue-green), or undefined once nothing does. */

type When = "prePromotion" | "postPromotion";

/**
 * One analysis of blue-green, started once per revision and attempt: undefined once it passed (or
 * a person's promote accepted its Inconclusive verdict), else why it holds. Failed and Error are
 * the verdict stage's (it aborts before the strategy runs).
 */
function analysisGate(s: PlanState, when: When): string | undefined {
  const ref = s.spec.strategy.blueGreen?.[`${when}Analysis`];
  if (!ref) return undefined;
  const name = when === "prePromotion" ? prePromotionRunName(s) : postPromotionRunName(s);
  const run = s.runs.get(name);
  if (!run) {
    const hashes = { stable: s.stableHash, latest: s.hash };
    s.actions.push({ kind: "createAnalysisRun", run: buildRun(s.ro, name, when, ref, s.templates, hashes) });
    event(s, "Normal", "AnalysisRunStarted", `started ${when}Analysis ${name}`);
    return `${when}Analysis ${name} started`;
  }
  const phase = run.status?.phase ?? "Pending";
  if (phase === "Successful" || s.inconclusiveAccepted === name) return undefined;
  if (phase === "Inconclusive") {
    if (promoteAnnotation in s.annotations && trigger(s, promoteAnnotation)) {
      s.inconclusiveAccepted = name;
      s.pauseConditions = s.pauseConditions.filter((p) => p.reason !== "InconclusiveAnalysis");
      event(s, "Normal", "RolloutPromoted", `${when}Analysis ${name} Inconclusive, accepted by promote`);
      return undefined;
    }
    const why = run.status?.message ?? "no verdict";
    holdForInconclusive(s, `${name}: ${why}; paused until promoted`);
    return `${when}Analysis ${name} inconclusive (${why}), paused until promoted`;
  }
  return `waiting for ${when}Analysis ${name} (${phase})`;
}

/** Sets (once, with an Event) or keeps a pause condition; returns when it started. */
function pauseFor(s: PlanState, reason: string, why: string): number {
  let pc = s.pauseConditions.find((p) => p.reason === reason);
  if (!pc) {
    pc = { reason, startTime: s.now.toISOString() };
    s.pauseConditions.push(pc);
    event(s, "Normal", "RolloutPaused", why);
  }
  s.paused = true;
  return Date.parse(pc.startTime);
}

const unpause = (s: PlanState, reason: string): void => {
  s.pauseConditions = s.pauseConditions.filter((p) => p.reason !== reason);
};

/**
 * Promotion of a ready preview, as Argo decides it: prePromotionAnalysis must pass; spec.paused
 * holds; then a promote trigger, or autoPromotionSeconds after the preview was ready, or at once
 * when autoPromotionEnabled (default true); with autoPromotionEnabled false and no
 * autoPromotionSeconds, only a person's promote.
 */
export function promotionGate(s: PlanState): string | undefined {
  const bg = s.spec.strategy.blueGreen!;
  const analysis = analysisGate(s, "prePromotion");
  if (analysis !== undefined) return analysis;
  if (s.spec.paused) {
    pauseFor(s, "BlockedByPausedSpec", "paused by spec.paused before promotion");
    return "paused by spec.paused";
  }
  unpause(s, "BlockedByPausedSpec");
  if (promoteAnnotation in s.annotations && trigger(s, promoteAnnotation)) {
    unpause(s, "BlueGreenPause");
    event(
      s,
      "Normal",
      "RolloutPromoted",
      `promoted by user: scaling revision ${s.newRevision} to full, then switching activeService`,
    );
    return undefined;
  }
  const seconds = bg.autoPromotionSeconds;
  if (seconds !== undefined) {
    const start = pauseFor(
      s,
      "BlueGreenPause",
      `preview ready: promoting by itself in ${seconds}s (autoPromotionSeconds)`,
    );
    const left = start + seconds * 1000 - s.now.getTime();
    if (left > 0) {
      requeueIn(s, left);
      return `promoting by itself in ${Math.ceil(left / 1000)}s (autoPromotionSeconds), or annotate kestrel.dev/promote`;
    }
    s.paused = false;
    unpause(s, "BlueGreenPause");
    event(
      s,
      "Normal",
      "RolloutPromoted",
      `autoPromotionSeconds (${seconds}s) elapsed: promoting revision ${s.newRevision}`,
    );
    return undefined;
  }
  if (bg.autoPromotionEnabled === false) {
    pauseFor(s, "BlueGreenPause", "preview ready: paused until promoted (autoPromotionEnabled: false)");
    return "paused until promoted (kubectl kestrel promote)";
  }
  event(
    s,
    "Normal",
    "RolloutPromoted",
    `preview ready: promoting revision ${s.newRevision} (autoPromotionEnabled)`,
  );
  return undefined;
}

/** After the switch: undefined once activeService selects the new revision and postPromotionAnalysis passed. */
export function postPromotion(s: PlanState): string | undefined {
  const name = s.spec.strategy.blueGreen!.activeService ?? "";
  const selects = s.services.get(name)?.spec?.selector?.[podTemplateHashLabel];
  if (selects !== s.hash) return `switching activeService ${name} to it`;
  return analysisGate(s, "postPromotion");
}
