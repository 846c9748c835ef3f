import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { group, version } from "./common.js";
import { AnalysisRunSpec, AnalysisRunStatus, AnalysisTemplateSpec } from "./analysis.js";
import { RolloutSpec, RolloutStatus } from "./rollout.js";

/** Plain JSON of a TypeBox schema: what the API server stores as openAPIV3Schema. */
const json = (schema: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const objectRoot = (spec: unknown, status: unknown, description: string): Record<string, unknown> => ({
  type: "object",
  description,
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: json(spec),
    status: json(status),
  },
});

export function rolloutCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `rollouts.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        plural: "rollouts",
        singular: "rollout",
        kind: "Rollout",
        listKind: "RolloutList",
        shortNames: ["ro"],
        categories: ["kestrel"],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: objectRoot(
              RolloutSpec,
              RolloutStatus,
              "A Rollout delivers a new pod template progressively (canary steps with analysis) and rolls back by itself when the analysis fails.",
            ),
          },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.selector",
            },
          },
          additionalPrinterColumns: [
            { name: "Desired", type: "integer", jsonPath: ".spec.replicas" },
            { name: "Current", type: "integer", jsonPath: ".status.replicas" },
            { name: "Up-to-date", type: "integer", jsonPath: ".status.updatedReplicas" },
            { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
            { name: "Step", type: "integer", jsonPath: ".status.currentStepIndex" },
            { name: "Weight", type: "integer", jsonPath: ".status.canary.weights.canary.weight" },
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

function analysisTemplateCrd(
  kind: "AnalysisTemplate" | "ClusterAnalysisTemplate",
): V1CustomResourceDefinition {
  const plural = kind.toLowerCase() + "s";
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: kind === "AnalysisTemplate" ? "Namespaced" : "Cluster",
      names: {
        plural,
        singular: kind.toLowerCase(),
        kind,
        listKind: `${kind}List`,
        shortNames: [kind === "AnalysisTemplate" ? "at" : "cat"],
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
              description: `${kind === "AnalysisTemplate" ? "Metrics" : "Metrics usable from any namespace"} that decide whether a canary is healthy.`,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: json(AnalysisTemplateSpec),
              },
            },
          },
          additionalPrinterColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

function analysisRunCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `analysisruns.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        plural: "analysisruns",
        singular: "analysisrun",
        kind: "AnalysisRun",
        listKind: "AnalysisRunList",
        shortNames: ["ar"],
        categories: ["kestrel"],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: objectRoot(
              AnalysisRunSpec,
              AnalysisRunStatus,
              "One run of analysis templates with resolved arguments, and its measurements.",
            ),
          },
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Status", type: "string", jsonPath: ".status.phase" },
            {
              name: "Metrics",
              type: "string",
              jsonPath: ".status.metricResults[*].phase",
              description: "Each metric's phase",
            },
            { name: "Message", type: "string", jsonPath: ".status.message", priority: 1 },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

/** Every CRD Kestrel installs, in install order. */
export function allCrds(): V1CustomResourceDefinition[] {
  return [
    rolloutCrd(),
    analysisTemplateCrd("AnalysisTemplate"),
    analysisTemplateCrd("ClusterAnalysisTemplate"),
    analysisRunCrd(),
  ];
}
