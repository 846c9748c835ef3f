import type { V1ReplicaSet } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { splitByDelayLimit } from "../../../controller/rollout/scale-down-limit.js";

/** A ReplicaSet of revision n, named r<n>. */
const rs = (n: number): V1ReplicaSet => ({
  metadata: { name: `r${n}`, annotations: { "kestrel.dev/revision": String(n) } },
  spec: { replicas: 3, selector: {} },
});
const names = (list: V1ReplicaSet[]): string[] => list.map((r) => r.metadata!.name!);

describe("scaleDownDelayRevisionLimit: which previous ReplicaSets wait out their delay", () => {
  const table: { limit: number | undefined; previous: number[]; kept: string[]; cut: string[] }[] = [
    { limit: undefined, previous: [1, 3, 2], kept: ["r3", "r2", "r1"], cut: [] },
    { limit: 0, previous: [2], kept: [], cut: ["r2"] },
    { limit: 1, previous: [1, 3, 2], kept: ["r3"], cut: ["r2", "r1"] },
    { limit: 2, previous: [2, 1, 3], kept: ["r3", "r2"], cut: ["r1"] },
    { limit: 5, previous: [1, 2], kept: ["r2", "r1"], cut: [] },
    { limit: 1, previous: [], kept: [], cut: [] },
  ];
  for (const { limit, previous, kept, cut } of table) {
    it(`limit ${limit ?? "unset"}, revisions [${previous.join(", ")}] up: keeps [${kept.join(", ")}], cuts [${cut.join(", ")}]`, () => {
      const got = splitByDelayLimit(previous.map(rs), limit);
      assert.deepEqual(names(got.kept), kept);
      assert.deepEqual(names(got.cut), cut);
    });
  }
});
