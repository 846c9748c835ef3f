import assert from "node:assert/strict";
import { allProviders, providers } from "../../../controller/analysis/providers/registry.js";
import type { JobClients } from "../../../controller/analysis/providers/job.js";

/** The providers the controller runs, by the name a metric's provider field uses. */
describe("provider registry", () => {
  it("without API clients: prometheus and web; with them, job too, each under its own name", () => {
    assert.deepEqual([...providers.keys()], ["prometheus", "web"]);
    const all = allProviders({} as JobClients);
    assert.deepEqual([...all.keys()], ["prometheus", "web", "job"]);
    for (const [name, p] of all) assert.equal(p.name, name);
  });
});
