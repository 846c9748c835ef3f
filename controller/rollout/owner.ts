import type { V1OwnerReference } from "@kubernetes/client-node";
import { apiVersion } from "../api/common.js";
import type { Rollout } from "../api/rollout.js";

/** The controller reference every object a Rollout creates carries, so it is garbage-collected with it. */
export function controllerRef(ro: Rollout): V1OwnerReference {
  return {
    apiVersion: ro.apiVersion ?? apiVersion,
    kind: "Rollout",
    name: ro.metadata.name ?? "",
    uid: ro.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
