import type { V1CustomResourceColumnDefinition, V1CustomResourceDefinition } from "@kubernetes/client-node";
import {
  AnalysisRunSpec,
  AnalysisRunStatus,
  AnalysisTemplateSpec,
  analysisRunRootRules,
  analysisTemplateRootRules,
} from "./analysis.js";
import { group, version } from "./common.js";
import { RolloutGroupSpec, RolloutGroupStatus, memberRules } from "./group.js";
import { RolloutSpec, RolloutStatus } from "./rollout.js";
import type { ValidationRule } from "./unsupported.js";

/** Plain JSON of a TypeBox schema: what the API server stores as openAPIV3Schema. */
const json = (schema: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const age: V1CustomResourceColumnDefinition = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
};

interface KindDefinition {
  kind: string;
  shortName: string;
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: unknown;
  status?: unknown;
  /** CEL rules on the root object, for fields of spec that only the root can see (has(self.spec.x)). */
  rootRules?: ValidationRule[];
  /** The scale subresource, for kinds that `kubectl scale` and an HPA may drive. */
  scale?: boolean;
  /**
   * The longest metadata.name the API server accepts. Kinds whose name becomes a label value on
   * what they create need 63, or creating those objects fails later, long after the apply.
   */
  maxNameLength?: number;
  columns: V1CustomResourceColumnDefinition[];
}

/** A Rollout's name is a label value on its AnalysisRuns, so a DNS label's length at most. */
export const maxRolloutNameLength = 63;

/** One CRD from its TypeBox schemas: the single place the CRD wrapper is written. */
function crd(d: KindDefinition): V1CustomResourceDefinition {
  const plural = `${d.kind.toLowerCase()}s`;
  const properties: Record<string, unknown> = {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata:
      d.maxNameLength === undefined
        ? { type: "object" }
        : { type: "object", properties: { name: { type: "string", maxLength: d.maxNameLength } } },
    spec: json(d.spec),
  };
  if (d.status) properties.status = json(d.status);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: d.scope,
      names: {
        plural,
        singular: d.kind.toLowerCase(),
        kind: d.kind,
        listKind: `${d.kind}List`,
        shortNames: [d.shortName],
        categories: ["kestrel"],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: d.description,
              required: ["spec"],
              properties,
              ...(d.rootRules?.length ? { "x-kubernetes-validations": d.rootRules } : {}),
            },
          },
          subresources: d.status
            ? {
                status: {},
                ...(d.scale
                  ? {
                      scale: {
                        specReplicasPath: ".spec.replicas",
                        statusReplicasPath: ".status.replicas",
                        labelSelectorPath: ".status.selector",
                      },
                    }
                  : {}),
              }
            : undefined,
          additionalPrinterColumns: d.columns,
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

export function rolloutCrd(): V1CustomResourceDefinition {
  return crd({
    kind: "Rollout",
    shortName: "ro",
    scope: "Namespaced",
    description:
      "A Rollout delivers a new pod template progressively (canary steps with analysis) and rolls back by itself when the analysis fails.",
    spec: RolloutSpec,
    status: RolloutStatus,
    scale: true,
    // The name is the value of the kestrel.dev/rollout label on every AnalysisRun, and a prefix of
    // ReplicaSet and AnalysisRun names: a label value holds 63 characters at most.
    maxNameLength: maxRolloutNameLength,
    columns: [
      { name: "Desired", type: "integer", jsonPath: ".spec.replicas" },
      { name: "Current", type: "integer", jsonPath: ".status.replicas" },
      { name: "Up-to-date", type: "integer", jsonPath: ".status.updatedReplicas" },
      { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
      { name: "Step", type: "integer", jsonPath: ".status.currentStepIndex" },
      { name: "Weight", type: "integer", jsonPath: ".status.canary.weights.canary.weight" },
      // Blue-green: the pod template hash each Service is to select (empty for a canary, so shown
      // only with -o wide: a canary's table keeps the columns it had).
      { name: "Active", type: "string", jsonPath: ".status.blueGreen.activeSelector", priority: 1 },
      { name: "Preview", type: "string", jsonPath: ".status.blueGreen.previewSelector", priority: 1 },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      age,
    ],
  });
}

/** Every CRD Kestrel installs, in install order. */
export function allCrds(): V1CustomResourceDefinition[] {
  return [
    rolloutCrd(),
    crd({
      kind: "AnalysisTemplate",
      shortName: "at",
      scope: "Namespaced",
      description: "Metrics that decide whether a canary is healthy.",
      spec: AnalysisTemplateSpec,
      rootRules: analysisTemplateRootRules,
      columns: [age],
    }),
    crd({
      kind: "ClusterAnalysisTemplate",
      shortName: "cat",
      scope: "Cluster",
      description: "Metrics usable from any namespace that decide whether a canary is healthy.",
      spec: AnalysisTemplateSpec,
      rootRules: analysisTemplateRootRules,
      columns: [age],
    }),
    crd({
      kind: "AnalysisRun",
      shortName: "ar",
      scope: "Namespaced",
      description: "One run of analysis templates with resolved arguments, and its measurements.",
      spec: AnalysisRunSpec,
      status: AnalysisRunStatus,
      rootRules: analysisRunRootRules,
      columns: [
        { name: "Status", type: "string", jsonPath: ".status.phase" },
        {
          name: "Metrics",
          type: "string",
          jsonPath: ".status.metricResults[*].phase",
          description: "Each metric's phase",
        },
        { name: "Message", type: "string", jsonPath: ".status.message", priority: 1 },
        age,
      ],
    }),
    crd({
      kind: "RolloutGroup",
      shortName: "rog",
      scope: "Namespaced",
      description:
        "Rollouts released together in dependency order and, when one fails, rolled back together in reverse order.",
      spec: RolloutGroupSpec,
      status: RolloutGroupStatus,
      rootRules: memberRules,
      columns: [
        { name: "Phase", type: "string", jsonPath: ".status.phase" },
        { name: "Message", type: "string", jsonPath: ".status.message", priority: 1 },
        age,
      ],
    }),
  ];
}
