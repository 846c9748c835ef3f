import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { group, version } from "./common.js";
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

/** Every CRD Kestrel installs, in install order. */
export function allCrds(): V1CustomResourceDefinition[] {
  return [rolloutCrd()];
}
