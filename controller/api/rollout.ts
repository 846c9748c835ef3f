import type { V1LabelSelector, V1ObjectMeta, V1PodTemplateSpec } from "@kubernetes/client-node";
import Type, { type Static } from "typebox";
import { Condition, Duration, IntOrPercent, StringMap } from "./common.js";
import { TrafficRouting, trafficRoutingRules } from "./traffic.js";
import { notYet, refuse } from "./unsupported.js";

/**
 * The Rollout kind: one TypeBox definition is both the TypeScript type and the CRD schema.
 * Field names and meanings follow Argo Rollouts' argoproj.io/v1alpha1 where Argo has the feature.
 */

const LabelSelector = Type.Unsafe<V1LabelSelector>({
  type: "object",
  description: "Label query over the pods this Rollout manages; must match spec.template.metadata.labels.",
  properties: {
    matchLabels: StringMap("Labels a pod must carry."),
    matchExpressions: {
      type: "array",
      maxItems: 16,
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
});

const PodTemplate = Type.Unsafe<V1PodTemplateSpec>({
  type: "object",
  description:
    "The pod template, as in a Deployment. Each distinct template is one revision and one ReplicaSet.",
  properties: {
    metadata: {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      properties: {
        labels: StringMap("Pod labels; must include every selector.matchLabels entry."),
        annotations: StringMap("Pod annotations."),
      },
    },
    spec: {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      description: "The pod spec (core/v1 PodSpec).",
    },
  },
});

/** Argo's workload reference: the pod template (and selector) come from a Deployment the team keeps. */
export const WorkloadRef = Type.Object(
  {
    apiVersion: Type.Unsafe<"apps/v1">({
      type: "string",
      enum: ["apps/v1"],
      description: "apps/v1 (the only API a Deployment has).",
    }),
    kind: Type.Unsafe<"Deployment">({
      type: "string",
      enum: ["Deployment"],
      description: "Deployment (the only kind Kestrel reads a template from).",
    }),
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      description: "The Deployment, in the Rollout's namespace.",
    }),
    scaleDown: Type.Optional(
      Type.Unsafe<"never" | "onsuccess" | "progressively">({
        type: "string",
        enum: ["never", "onsuccess", "progressively"],
        description:
          "What happens to the Deployment's own pods: never (default) leaves them; onsuccess scales the Deployment to 0 once the Rollout is Healthy; progressively scales it down as the Rollout's pods become available.",
      }),
    ),
  },
  {
    description:
      "Take the pod template and selector from this Deployment instead of spec.template (Argo's workloadRef). `kubectl set image deployment/…` then starts a canary, and `kubectl rollout undo deployment/…` an undo.",
  },
);

export const AnalysisArg = Type.Object({
  name: Type.String({
    description: "Argument name, as the template declares it.",
    minLength: 1,
    maxLength: 253,
  }),
  value: Type.Optional(Type.String({ description: "A literal value.", maxLength: 4096 })),
  valueFrom: Type.Optional(
    Type.Object(
      {
        podTemplateHashValue: Type.Optional(
          Type.String({
            enum: ["Stable", "Latest"],
            description: "The stable or the latest ReplicaSet's pod template hash.",
          }),
        ),
        fieldRef: Type.Optional(
          Type.Object({
            fieldPath: Type.String({ description: "A field of the Rollout, e.g. metadata.name." }),
          }),
        ),
      },
      { description: "Where the value comes from, instead of value." },
    ),
  ),
});

const rolloutAnalysisProperties = {
  templates: Type.Array(
    Type.Object({
      templateName: Type.String({
        description: "Name of an AnalysisTemplate (or ClusterAnalysisTemplate).",
        minLength: 1,
      }),
      clusterScope: Type.Optional(
        Type.Boolean({ description: "Look up a ClusterAnalysisTemplate instead." }),
      ),
    }),
    { description: "Templates whose metrics make up the analysis.", minItems: 1, maxItems: 16 },
  ),
  args: Type.Optional(
    Type.Array(AnalysisArg, { description: "Arguments passed to the templates.", maxItems: 32 }),
  ),
};

const stepAnalysis = refuse("spec.strategy.canary.steps[].analysis", notYet.rolloutAnalysis);
export const RolloutAnalysis = Type.Object(
  { ...rolloutAnalysisProperties, ...stepAnalysis.properties },
  { "x-kubernetes-validations": stepAnalysis.rules },
);

/** Step kinds Kestrel implements; a step is exactly one of these or of the refused ones. */
const stepKinds = ["setWeight", "pause", "setCanaryScale", "analysis"];
const refusedStep = refuse("spec.strategy.canary.steps[]", notYet.step);

export const CanaryStep = Type.Object(
  {
    setWeight: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: "Percent of replicas (and traffic) on the canary.",
      }),
    ),
    pause: Type.Optional(
      Type.Object(
        { duration: Type.Optional(Duration) },
        { description: "Wait for the duration, or until promoted when no duration is given." },
      ),
    ),
    setCanaryScale: Type.Optional(
      Type.Object(
        {
          weight: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 100,
              description: "Canary replicas as a percent of spec.replicas.",
            }),
          ),
          replicas: Type.Optional(
            Type.Integer({ minimum: 0, description: "An exact number of canary replicas." }),
          ),
          matchTrafficWeight: Type.Optional(
            Type.Boolean({ description: "Go back to scaling the canary with setWeight." }),
          ),
        },
        {
          description: "Scale the canary independently of its weight.",
          "x-kubernetes-validations": [
            {
              rule: "[has(self.weight), has(self.replicas), has(self.matchTrafficWeight)].filter(x, x).size() == 1",
              message: "setCanaryScale needs exactly one of weight, replicas or matchTrafficWeight",
            },
          ],
        },
      ),
    ),
    analysis: Type.Optional(RolloutAnalysis),
    ...refusedStep.properties,
  },
  {
    "x-kubernetes-validations": [
      {
        // A refused kind counts as the step's one kind, so a step holding only `experiment` gets
        // the "not supported yet" message alone.
        rule: `[${[...stepKinds, ...Object.keys(notYet.step)].map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
        message: "each step needs exactly one of setWeight, pause, setCanaryScale or analysis",
      },
      ...refusedStep.rules,
    ],
  },
);

export const OnFailure = Type.Object(
  {
    action: Type.String({
      enum: ["abort", "undo"],
      default: "abort",
      description:
        "abort (default): traffic and scale back to the stable ReplicaSet, phase Degraded, spec untouched. " +
        "undo: rewrite spec.template to the previous revision (or toRevision), as `kubectl rollout undo` does.",
    }),
    toRevision: Type.Optional(
      Type.Integer({ minimum: 1, description: "With action undo: the revision to return to." }),
    ),
  },
  {
    description: "What Kestrel does when analysis fails. Kestrel's addition; Argo always aborts.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.toRevision) || self.action == 'undo'",
        message: "toRevision is only valid with action: undo",
      },
    ],
  },
);

/** Argo's ephemeral metadata: labels and annotations a pod carries only while its ReplicaSet has that role. */
const PodMetadata = (role: string) =>
  Type.Object(
    {
      labels: Type.Optional(StringMap(`Labels added to the ${role} pods while they have that role.`)),
      annotations: Type.Optional(
        StringMap(`Annotations added to the ${role} pods while they have that role.`),
      ),
    },
    {
      description:
        `Ephemeral metadata: set on the ${role} ReplicaSet's pod template and, in place, on its running pods; ` +
        "removed or replaced when the ReplicaSet's role changes (e.g. the canary promoted to stable).",
      "x-kubernetes-validations": [
        {
          rule: "!has(self.labels) || !('rollouts-pod-template-hash' in self.labels)",
          message: "rollouts-pod-template-hash is set by Kestrel and cannot be ephemeral metadata",
          fieldPath: ".labels",
        },
      ],
    },
  );

const ServiceName = (role: string) =>
  Type.String({
    minLength: 1,
    maxLength: 63,
    description:
      `A Service in the Rollout's namespace that Kestrel points at the ${role} pods: it adds ` +
      "rollouts-pod-template-hash to the Service's selector (the user's other selector keys stay), once that " +
      "ReplicaSet is fully available.",
  });

const backgroundAnalysis = refuse("spec.strategy.canary.analysis", notYet.rolloutAnalysis);
const refusedCanary = refuse("spec.strategy.canary", notYet.canary);

export const CanaryStrategy = Type.Object(
  {
    steps: Type.Optional(
      Type.Array(CanaryStep, { description: "The canary's steps, in order.", maxItems: 100 }),
    ),
    analysis: Type.Optional(
      Type.Object(
        {
          ...rolloutAnalysisProperties,
          startingStep: Type.Optional(
            Type.Integer({ minimum: 0, description: "Step index at which background analysis starts." }),
          ),
          ...backgroundAnalysis.properties,
        },
        {
          description: "Background analysis that runs while the canary steps through.",
          "x-kubernetes-validations": backgroundAnalysis.rules,
        },
      ),
    ),
    maxSurge: Type.Optional(IntOrPercent('Pods allowed above spec.replicas while shifting (default "25%").')),
    maxUnavailable: Type.Optional(
      IntOrPercent("Pods allowed below spec.replicas while shifting (default 0)."),
    ),
    onFailure: Type.Optional(OnFailure),
    stableService: Type.Optional(ServiceName("stable")),
    canaryService: Type.Optional(
      ServiceName("canary (the stable ones when there is no canary, or it was aborted)"),
    ),
    stableMetadata: Type.Optional(PodMetadata("stable")),
    canaryMetadata: Type.Optional(PodMetadata("canary")),
    trafficRouting: Type.Optional(TrafficRouting),
    abortScaleDownDelaySeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "With trafficRouting: seconds the aborted canary's pods stay after every route sends them nothing (default 30), so requests in flight finish.",
      }),
    ),
    dynamicStableScale: Type.Optional(
      Type.Boolean({
        description:
          "With trafficRouting: the stable ReplicaSet shrinks to ceil((100 - weight)% of spec.replicas) once every route carries the canary's weight, instead of keeping every replica; on abort it is scaled back to full first and the weight moves back only as far as its available pods can serve. Not with scaleDownDelaySeconds.",
      }),
    ),
    scaleDownDelaySeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "With trafficRouting: after promotion, seconds the previous stable ReplicaSet keeps its pods once every route sends the canary Service nothing (default 30; annotated kestrel.dev/scale-down-deadline), so the data plane can drop it before its pods go. 0 scales it down at once.",
      }),
    ),
    scaleDownDelayRevisionLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "With trafficRouting: how many previous ReplicaSets may wait out scaleDownDelaySeconds at once (default: no limit); older ones beyond it are scaled down at once.",
      }),
    ),
    ...refusedCanary.properties,
  },
  {
    "x-kubernetes-validations": [
      ...refusedCanary.rules,
      ...trafficRoutingRules,
      {
        rule: "!has(self.stableService) || !has(self.canaryService) || self.stableService != self.canaryService",
        message: "stableService and canaryService must name different Services",
        fieldPath: ".canaryService",
      },
    ],
  },
);

/** An analysis reference with its refused fields named at `path` (so the error names the field). */
const analysisAt = (path: string, description: string) => {
  const refused = refuse(path, notYet.rolloutAnalysis);
  return Type.Object(
    { ...rolloutAnalysisProperties, ...refused.properties },
    { description, "x-kubernetes-validations": refused.rules },
  );
};

const refusedBlueGreen = refuse("spec.strategy.blueGreen", notYet.blueGreen);

/** Argo's blue-green: the new revision comes up beside the active one, behind the preview Service. */
export const BlueGreenStrategy = Type.Object(
  {
    activeService: Type.Optional(ServiceName("active (the stable ones until promotion, the new ones after)")),
    previewService: Type.Optional(ServiceName("preview (the new revision before promotion)")),
    autoPromotionEnabled: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Promote (switch activeService) as soon as the new ReplicaSet is fully available and prePromotionAnalysis passed (default true). false: wait for `kubectl kestrel promote` (or autoPromotionSeconds).",
      }),
    ),
    autoPromotionSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "Seconds to wait, paused, once the preview is ready (and prePromotionAnalysis passed) before promoting by itself.",
      }),
    ),
    previewReplicaCount: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "Replicas of the new revision before promotion (default spec.replicas); it is scaled to spec.replicas, and fully available, before activeService switches.",
      }),
    ),
    prePromotionAnalysis: Type.Optional(
      analysisAt(
        "spec.strategy.blueGreen.prePromotionAnalysis",
        "Analysis of the preview before promotion: promotion waits for it to pass; a failure aborts with activeService untouched.",
      ),
    ),
    postPromotionAnalysis: Type.Optional(
      analysisAt(
        "spec.strategy.blueGreen.postPromotionAnalysis",
        "Analysis after activeService switched, while the previous ReplicaSet is kept: a failure switches activeService back at once.",
      ),
    ),
    scaleDownDelaySeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 30,
        description:
          "Seconds the previous ReplicaSet stays at full scale after activeService switched away from it (default 30), and never before postPromotionAnalysis passed: the instant way back.",
      }),
    ),
    scaleDownDelayRevisionLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "How many previous ReplicaSets may stay up waiting out scaleDownDelaySeconds once activeService has left them (default: no limit); the newest keep their pods, older ones are scaled down at once. 0: none waits.",
      }),
    ),
    abortScaleDownDelaySeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "After an abort, seconds the new ReplicaSet stays once no Service selects it (default 30), so requests in flight finish.",
      }),
    ),
    activeMetadata: Type.Optional(PodMetadata("active")),
    previewMetadata: Type.Optional(PodMetadata("preview")),
    maxUnavailable: Type.Optional(
      IntOrPercent("Pods allowed below spec.replicas for the Available condition (default 0)."),
    ),
    onFailure: Type.Optional(OnFailure),
    ...refusedBlueGreen.properties,
  },
  {
    description:
      "Blue-green: the new revision runs beside the active one behind previewService; promotion switches activeService to it.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.activeService)",
        message:
          "spec.strategy.blueGreen.activeService is required: name the Service that serves production traffic",
        fieldPath: ".activeService",
        reason: "FieldValueRequired",
      },
      {
        rule: "!has(self.activeService) || !has(self.previewService) || self.activeService != self.previewService",
        message: "activeService and previewService must name different Services",
        fieldPath: ".previewService",
      },
      ...refusedBlueGreen.rules,
    ],
  },
);

const refusedSpec = refuse("spec", notYet.rolloutSpec);

export const RolloutSpec = Type.Object(
  {
    replicas: Type.Optional(
      Type.Integer({ minimum: 0, default: 1, description: "Desired pods (default 1)." }),
    ),
    selector: Type.Optional(LabelSelector),
    template: Type.Optional(PodTemplate),
    workloadRef: Type.Optional(WorkloadRef),
    minReadySeconds: Type.Optional(
      Type.Integer({ minimum: 0, description: "Seconds a pod must be Ready to count as available." }),
    ),
    revisionHistoryLimit: Type.Optional(
      Type.Integer({ minimum: 0, default: 10, description: "Old ReplicaSets kept for undo (default 10)." }),
    ),
    paused: Type.Optional(Type.Boolean({ description: "Stop stepping until set back to false." })),
    progressDeadlineSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: 600,
        description: "Seconds without progress before the rollout is marked as stuck (default 600).",
      }),
    ),
    progressDeadlineAbort: Type.Optional(
      Type.Boolean({ description: "Abort when the progress deadline passes." }),
    ),
    restartAt: Type.Optional(
      Type.String({ format: "date-time", description: "Restart the pods once this time has passed." }),
    ),
    configSnapshots: Type.Optional(
      Type.Boolean({
        description:
          "Kestrel: copy every ConfigMap and Secret the pod template references into an immutable snapshot per revision, so a revision is its code and its configuration together (a config change is a new revision; an undo restores both). Default false.",
      }),
    ),
    analysis: Type.Optional(
      Type.Object(
        {
          successfulRunHistoryLimit: Type.Optional(
            Type.Integer({ minimum: 0, description: "Successful AnalysisRuns kept (default 5)." }),
          ),
          unsuccessfulRunHistoryLimit: Type.Optional(
            Type.Integer({
              minimum: 0,
              description: "Failed, Error and Inconclusive AnalysisRuns kept (default 5).",
            }),
          ),
        },
        { description: "How many finished AnalysisRuns to keep." },
      ),
    ),
    rollbackTo: Type.Optional(
      Type.Object(
        {
          revision: Type.Integer({
            minimum: 0,
            description:
              "The revision to undo to; 0 means the previous one. The controller clears this field once it has acted.",
          }),
        },
        {
          description:
            'Undo without a plugin: `kubectl patch rollout NAME --type merge -p \'{"spec":{"rollbackTo":{"revision":N}}}\'`. ' +
            "Kestrel rewrites spec.template to that revision, as `kubectl rollout undo --to-revision` does.",
        },
      ),
    ),
    undoReplaysSteps: Type.Optional(
      Type.Boolean({
        description:
          "Undoing to a revision that once completed goes straight to full scale (the emergency path). Set true to walk the canary steps and analysis again.",
      }),
    ),
    strategy: Type.Object(
      {
        canary: Type.Optional(CanaryStrategy),
        blueGreen: Type.Optional(BlueGreenStrategy),
      },
      {
        description: "How a new revision is delivered: exactly one of canary or blueGreen.",
        "x-kubernetes-validations": [
          {
            rule: "has(self.canary) != has(self.blueGreen)",
            message: "set exactly one of spec.strategy.canary or spec.strategy.blueGreen",
          },
        ],
      },
    ),
    ...refusedSpec.properties,
  },
  {
    "x-kubernetes-validations": [
      ...refusedSpec.rules,
      {
        rule: "has(self.workloadRef) != (has(self.selector) || has(self.template))",
        message:
          "set either spec.workloadRef (the pod template comes from that Deployment) or spec.selector and spec.template, not both",
      },
      {
        rule: "!has(self.workloadRef) || !has(self.configSnapshots) || !self.configSnapshots",
        message:
          "spec.configSnapshots with spec.workloadRef is not supported yet: snapshots need the template in spec.template",
      },
      {
        rule: "has(self.workloadRef) || (has(self.selector) && has(self.template))",
        message: "spec.selector and spec.template are required unless spec.workloadRef names a Deployment",
      },
      {
        rule: "!has(self.selector) || !has(self.selector.matchLabels) || !has(self.template) || self.selector.matchLabels.all(k, has(self.template.metadata) && has(self.template.metadata.labels) && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])",
        message: "spec.selector.matchLabels must match spec.template.metadata.labels",
      },
      {
        rule: "!has(self.selector) || has(self.selector.matchLabels) || has(self.selector.matchExpressions)",
        message:
          "spec.selector must have matchLabels or matchExpressions (an empty selector would select every pod)",
      },
    ],
  },
);

const PauseCondition = Type.Object({
  reason: Type.String({ description: "CanaryPauseStep, BlockedByPausedSpec or InconclusiveAnalysis." }),
  startTime: Type.String({ format: "date-time" }),
});

const RunRef = Type.Object({
  name: Type.String(),
  status: Type.String({ description: "The AnalysisRun's phase." }),
  message: Type.Optional(Type.String()),
});

export const RolloutStatus = Type.Object({
  phase: Type.Optional(Type.String({ description: "Progressing, Paused, Healthy or Degraded." })),
  message: Type.Optional(Type.String({ description: "Where the rollout stands, in words." })),
  observedGeneration: Type.Optional(Type.Integer()),
  currentPodHash: Type.Optional(Type.String({ description: "Pod template hash of spec.template." })),
  stableRS: Type.Optional(Type.String({ description: "Pod template hash of the stable ReplicaSet." })),
  currentStepIndex: Type.Optional(Type.Integer({ description: "Index of the canary step in progress." })),
  currentStepHash: Type.Optional(
    Type.String({ description: "Hash of the steps, to notice a change of steps." }),
  ),
  replicas: Type.Optional(Type.Integer()),
  updatedReplicas: Type.Optional(Type.Integer()),
  readyReplicas: Type.Optional(Type.Integer()),
  availableReplicas: Type.Optional(Type.Integer()),
  selector: Type.Optional(
    Type.String({ description: "The label selector as a string, for the scale subresource." }),
  ),
  conditions: Type.Optional(Type.Array(Condition)),
  pauseConditions: Type.Optional(Type.Array(PauseCondition)),
  abort: Type.Optional(
    Type.Boolean({ description: "True while the rollout is aborted (until retry or a new template)." }),
  ),
  abortedAt: Type.Optional(Type.String({ format: "date-time" })),
  canary: Type.Optional(
    Type.Object({
      weights: Type.Optional(
        Type.Object({
          canary: Type.Object({ weight: Type.Integer(), podTemplateHash: Type.Optional(Type.String()) }),
          stable: Type.Object({ weight: Type.Integer(), podTemplateHash: Type.Optional(Type.String()) }),
        }),
      ),
      currentStepAnalysisRunStatus: Type.Optional(RunRef),
      currentBackgroundAnalysisRunStatus: Type.Optional(RunRef),
      attempt: Type.Optional(
        Type.Integer({ description: "Retries of this revision's canary; part of its AnalysisRuns' names." }),
      ),
      canaryScaleDownAt: Type.Optional(
        Type.String({
          format: "date-time",
          description:
            "Aborted behind a router: when the canary's pods are scaled down (every route at weight 0, plus abortScaleDownDelaySeconds).",
        }),
      ),
      inconclusiveAccepted: Type.Optional(
        Type.String({ description: "A background run whose Inconclusive verdict a promote accepted." }),
      ),
    }),
  ),
  blueGreen: Type.Optional(
    Type.Object({
      activeSelector: Type.Optional(
        Type.String({ description: "Pod template hash activeService is to select (Argo's field)." }),
      ),
      previewSelector: Type.Optional(
        Type.String({ description: "Pod template hash previewService is to select (Argo's field)." }),
      ),
      scaleUpPreviewCheckPoint: Type.Optional(
        Type.Boolean({
          description:
            "Promotion decided: the new ReplicaSet goes to spec.replicas, and activeService switches once it is fully available.",
        }),
      ),
      switchedAt: Type.Optional(
        Type.String({
          format: "date-time",
          description:
            "When activeService was switched to the new revision; the previous one goes scaleDownDelaySeconds later.",
        }),
      ),
      prePromotionAnalysisRunStatus: Type.Optional(RunRef),
      postPromotionAnalysisRunStatus: Type.Optional(RunRef),
    }),
  ),
  handledTriggers: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 8,
      description:
        "Trigger annotations (kestrel.dev/promote, abort, retry) already acted upon and about to be removed; a restarted controller does not act on them twice.",
    }),
  ),
  restartedAt: Type.Optional(Type.String({ description: "The spec.restartAt whose restart has completed." })),
  lastProgressAt: Type.Optional(
    Type.String({
      format: "date-time",
      description: "When the rollout last made progress, for the deadline.",
    }),
  ),
});

/** A Rollout's spec as stored: the template and selector may live in a referenced Deployment. */
export type StoredRolloutSpec = Static<typeof RolloutSpec>;
/** The spec the planner works on: template and selector resolved (from the Deployment, for workloadRef). */
export type RolloutSpec = StoredRolloutSpec & { selector: V1LabelSelector; template: V1PodTemplateSpec };
export type WorkloadRef = Static<typeof WorkloadRef>;
export type RolloutStatus = Static<typeof RolloutStatus>;
export type CanaryStep = Static<typeof CanaryStep>;
export type CanaryStrategy = Static<typeof CanaryStrategy>;
export type BlueGreenStrategy = Static<typeof BlueGreenStrategy>;

/** A Rollout ready to plan: spec.template and spec.selector are there (see controller/rollout/workload.ts). */
export interface Rollout {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: RolloutSpec;
  status?: RolloutStatus;
}

/** A Rollout as the API server stores it. */
export interface StoredRollout extends Omit<Rollout, "spec"> {
  spec: StoredRolloutSpec;
}
