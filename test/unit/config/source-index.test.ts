import assert from "node:assert/strict";
import { SourceIndex } from "../../../controller/config/source-index.js";
import { rollout } from "../rollout/world.js";

describe("SourceIndex: which Rollouts a ConfigMap or Secret change enqueues", () => {
  const withEnvFrom = (configSnapshots: boolean, cm: string) => {
    const ro = rollout({ configSnapshots });
    ro.spec.template.spec!.containers[0]!.envFrom = [
      { configMapRef: { name: cm } },
      { secretRef: { name: "s" } },
    ];
    return ro;
  };
  it("names each Rollout with snapshots on that references the source, in its namespace only", () => {
    const index = new SourceIndex();
    index.update("ns/web", withEnvFrom(true, "app"));
    index.update("ns/off", withEnvFrom(false, "app"));
    assert.deepEqual(index.rolloutsFor("ns", "ConfigMap", "app"), ["ns/web"]);
    assert.deepEqual(index.rolloutsFor("ns", "Secret", "s"), ["ns/web"]);
    assert.deepEqual(index.rolloutsFor("ns", "Secret", "app"), [], "kinds are not mixed");
    assert.deepEqual(index.rolloutsFor("other", "ConfigMap", "app"), []);
  });
  it("follows a template edit and forgets a deleted Rollout", () => {
    const index = new SourceIndex();
    index.update("ns/web", withEnvFrom(true, "app"));
    index.update("ns/web", withEnvFrom(true, "app2"));
    assert.deepEqual(index.rolloutsFor("ns", "ConfigMap", "app"), []);
    assert.deepEqual(index.rolloutsFor("ns", "ConfigMap", "app2"), ["ns/web"]);
    index.update("ns/web", undefined);
    assert.deepEqual(index.rolloutsFor("ns", "ConfigMap", "app2"), []);
  });
});
