import assert from "node:assert/strict";
import { listVersion } from "../../../controller/kube/informers.js";

describe("listVersion: the resourceVersion an informer's list asks for", () => {
  const cases: { name: string; relist: boolean; want: { resourceVersion?: string } }[] = [
    {
      name: "first list: anything the API server's watch cache holds",
      relist: false,
      want: { resourceVersion: "0" },
    },
    {
      name: "relist after 410 Gone: a consistent read, never older than what was held",
      relist: true,
      want: {},
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(listVersion(c.relist), c.want);
    });
});
