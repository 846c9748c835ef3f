import assert from "node:assert/strict";
import { loadConfig } from "../../../controller/config.js";
import { instanceSelector } from "../../../controller/rollout/labels.js";

describe("--instance-id: which controller handles which Rollouts", () => {
  it("reads the flag, then KESTREL_INSTANCE_ID; none (or empty) means no id", () => {
    assert.equal(loadConfig(["--instance-id=blue"], { KESTREL_INSTANCE_ID: "green" }).instanceId, "blue");
    assert.equal(loadConfig([], { KESTREL_INSTANCE_ID: "green" }).instanceId, "green");
    assert.equal(loadConfig([], {}).instanceId, undefined);
    assert.equal(loadConfig(["--instance-id="], {}).instanceId, undefined);
  });

  it("gives each instance its own default lease, and an explicit --lease-name still wins", () => {
    assert.equal(loadConfig([], {}).leaseName, "kestrel-controller");
    assert.equal(loadConfig(["--instance-id=blue"], {}).leaseName, "kestrel-controller-blue");
    assert.equal(loadConfig(["--instance-id=v2.1"], {}).leaseName, "kestrel-controller-v2.1");
    assert.equal(loadConfig(["--instance-id=blue", "--lease-name=mine"], {}).leaseName, "mine");
    assert.equal(loadConfig(["--instance-id=blue"], { KESTREL_LEASE_NAME: "env" }).leaseName, "env");
  });

  it("refuses an id that is not both a label value and part of a Lease name, saying what would do", () => {
    for (const bad of ["Blue", "a_b", "-a", "a-", "a b", "x".repeat(64)]) {
      assert.throws(
        () => loadConfig([`--instance-id=${bad}`], {}),
        (err: Error) =>
          err.message.startsWith(`--instance-id: "${bad}" must be 1-63 lower-case letters`) &&
          err.message.includes('e.g. "canary-v2"'),
        bad,
      );
    }
    assert.equal(loadConfig([`--instance-id=${"x".repeat(63)}`], {}).instanceId, "x".repeat(63));
  });

  it("selects the labelled objects with an id, and only unlabelled ones without", () => {
    assert.equal(instanceSelector("blue"), "kestrel.dev/controller-instance-id=blue");
    assert.equal(instanceSelector(undefined), "!kestrel.dev/controller-instance-id");
  });
});
