import assert from "node:assert/strict";
import type { Rollout, RolloutStatus } from "../../../controller/api/rollout.js";
import {
  describeStatus,
  pointlessTrigger,
  statusDone,
  timedOut,
  type Trigger,
} from "../../../controller/cli/decide.js";

/** A Rollout of three steps at generation 4 whose status has observed it, unless overridden. */
function rollout(
  status: RolloutStatus | undefined,
  o: { paused?: boolean; generation?: number } = {},
): Rollout {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "prod", generation: o.generation ?? 4 },
    spec: {
      replicas: 4,
      paused: o.paused,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "app", image: "a:2" }] },
      },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 75 }] } },
    },
    status: status && { observedGeneration: 4, ...status },
  } as Rollout;
}

const healthy: RolloutStatus = {
  phase: "Healthy",
  message: "healthy: revision 2 at full scale (4/4 available)",
  stableRS: "bbb",
  currentPodHash: "bbb",
  currentStepIndex: 3,
};
const pausedAtStep: RolloutStatus = {
  phase: "Paused",
  message: "paused until promoted",
  stableRS: "aaa",
  currentPodHash: "bbb",
  currentStepIndex: 1,
  pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }],
};
const stepping: RolloutStatus = {
  ...pausedAtStep,
  phase: "Progressing",
  message: "weight 50",
  currentStepIndex: 0,
  pauseConditions: [],
};
const aborted: RolloutStatus = {
  phase: "Degraded",
  message: "aborted by user",
  stableRS: "aaa",
  currentPodHash: "bbb",
  currentStepIndex: 1,
  abort: true,
};
const inconclusive: RolloutStatus = {
  ...pausedAtStep,
  currentStepIndex: 3,
  pauseConditions: [{ reason: "InconclusiveAnalysis", startTime: "2026-01-01T00:00:00Z" }],
};
const firstRevision: RolloutStatus = {
  phase: "Progressing",
  message: "first revision: scaling to 4",
  currentPodHash: "aaa",
  currentStepIndex: 3,
};
const scalingToFull: RolloutStatus = { ...stepping, currentStepIndex: 3 };
const invalid: RolloutStatus = { ...healthy, phase: "Degraded", message: "InvalidSpec: spec.replicas" };

describe("kubectl kestrel: promote, abort and retry only where they mean something", () => {
  // [state, rollout, trigger, refusal (undefined: the trigger is written)]
  const table: [string, Rollout, Trigger, RegExp | undefined][] = [
    [
      "Healthy",
      rollout(healthy),
      "promote",
      /^nothing to promote: rollout "web" is Healthy \(healthy: revision 2 .*\), with no canary in progress$/,
    ],
    [
      "Healthy",
      rollout(healthy),
      "abort",
      /^nothing to abort: rollout "web" is Healthy .*with no canary in progress$/,
    ],
    [
      "Healthy",
      rollout(healthy),
      "retry",
      /^nothing to retry: rollout "web" is Healthy .*only an aborted canary can be retried$/,
    ],
    [
      "Degraded by an invalid spec",
      rollout(invalid),
      "promote",
      /^nothing to promote: rollout "web" is Degraded \(InvalidSpec/,
    ],
    [
      "first revision",
      rollout(firstRevision),
      "promote",
      /^nothing to promote: .*Progressing \(first revision.*no canary in progress$/,
    ],
    ["first revision", rollout(firstRevision), "abort", /^nothing to abort: .*no canary in progress$/],
    ["paused at a step", rollout(pausedAtStep), "promote", undefined],
    ["paused at a step", rollout(pausedAtStep), "abort", undefined],
    ["paused at a step", rollout(pausedAtStep), "retry", /^nothing to retry: rollout "web" is Paused/],
    ["stepping", rollout(stepping), "promote", undefined],
    ["stepping", rollout(stepping), "abort", undefined],
    [
      "every step done, scaling to full",
      rollout(scalingToFull),
      "promote",
      /every step is done and the canary is scaling to full$/,
    ],
    ["every step done, scaling to full", rollout(scalingToFull), "abort", undefined],
    ["Inconclusive analysis after the last step", rollout(inconclusive), "promote", undefined],
    ["Inconclusive analysis with spec.paused", rollout(inconclusive, { paused: true }), "promote", undefined],
    [
      "spec.paused mid-canary",
      rollout(stepping, { paused: true }),
      "promote",
      /spec.paused set; `kubectl kestrel resume web` lets it step on$/,
    ],
    [
      "aborted",
      rollout(aborted),
      "promote",
      /^nothing to promote: rollout "web" is Degraded \(aborted by user\); `kubectl kestrel retry web`/,
    ],
    [
      "aborted",
      rollout(aborted),
      "abort",
      /^nothing to abort: rollout "web" is Degraded \(aborted by user\) already$/,
    ],
    ["aborted", rollout(aborted), "retry", undefined],
    // The controller has not yet seen the latest spec (say, just after set image): it judges.
    ["Healthy but not yet observed", rollout(healthy, { generation: 5 }), "promote", undefined],
    ["no status yet", rollout(undefined), "abort", undefined],
  ];
  for (const [state, r, trigger, refusal] of table) {
    it(`${trigger} when ${state}: ${refusal ? "refused" : "written"}`, () => {
      const why = pointlessTrigger(trigger, r);
      if (refusal) assert.match(why ?? "<written>", refusal);
      else assert.equal(why, undefined);
    });
  }
});

describe("kubectl kestrel status: when it is done and its exit code", () => {
  const degraded = rollout(aborted);
  // [state, rollout, watching, exit code (undefined: keep watching)]
  const table: [string, Rollout, boolean, number | undefined][] = [
    ["Healthy", rollout(healthy), true, 0],
    ["Degraded", degraded, true, 1],
    ["Paused", rollout(pausedAtStep), true, undefined],
    ["Progressing", rollout(stepping), true, undefined],
    ["Healthy but not yet observed", rollout(healthy, { generation: 5 }), true, undefined],
    ["Degraded but not yet observed", rollout(aborted, { generation: 5 }), true, undefined],
    ["no status yet", rollout(undefined), true, undefined],
    ["Healthy, looking once", rollout(healthy), false, 0],
    ["Paused, looking once", rollout(pausedAtStep), false, 0],
    ["Progressing, looking once", rollout(stepping), false, 0],
    ["Degraded, looking once", degraded, false, 1],
  ];
  for (const [state, r, watching, code] of table) {
    it(`${state}: ${code === undefined ? "keeps watching" : `exit ${code}`}`, () => {
      assert.deepEqual(statusDone(r, watching), code === undefined ? undefined : { code });
    });
  }

  it("a timeout on a Paused rollout says what would move it on", () => {
    assert.equal(
      timedOut(rollout(pausedAtStep), "60s"),
      'timed out after 60s waiting for rollout "web": it is Paused (paused until promoted); `kubectl kestrel promote web` moves it on, `abort` goes back to stable',
    );
    assert.match(
      timedOut(rollout(stepping, { paused: true }), "5m"),
      /spec.paused is set, `kubectl kestrel resume web` lets it step on$/,
    );
    assert.equal(
      timedOut(rollout(stepping), "5m"),
      'timed out after 5m waiting for rollout "web": it is Progressing (weight 50)',
    );
  });
});

describe("plugin: promote on a blue-green Rollout", () => {
  const bg = (status: RolloutStatus): Rollout => {
    const r = rollout(status);
    r.spec.strategy = { blueGreen: { activeService: "web-active" } };
    return r;
  };
  const preview: RolloutStatus = {
    phase: "Paused",
    message: "preview revision 2 ready (4/4): paused until promoted",
    stableRS: "aaa",
    currentPodHash: "bbb",
    currentStepIndex: 0,
    pauseConditions: [{ reason: "BlueGreenPause", startTime: "2026-01-01T00:00:00Z" }],
  };

  it("a preview waiting for promotion: promote acts (no steps to be past)", () => {
    assert.equal(pointlessTrigger("promote", bg(preview)), undefined);
  });

  it("already promoted (scaling to full before the switch): nothing to promote, saying why", () => {
    const promoted = { ...preview, phase: "Progressing", blueGreen: { scaleUpPreviewCheckPoint: true } };
    assert.match(pointlessTrigger("promote", bg(promoted)) ?? "", /already promoted, activeService switches/);
  });
});

describe("describeStatus: the line status prints", () => {
  it("rounds measured values in the message to 4 decimals", () => {
    const r = rollout({
      phase: "Degraded",
      message: "aborted: analysis failed: success-rate measured 0.7012987012987013, limit 0.95",
    });
    assert.equal(
      describeStatus(r),
      'rollout "web" Degraded: aborted: analysis failed: success-rate measured 0.7013, limit 0.95',
    );
  });

  it("says a rollout without status is not yet reconciled", () => {
    assert.equal(describeStatus(rollout(undefined)), 'rollout "web" Pending: not yet reconciled');
  });
});
