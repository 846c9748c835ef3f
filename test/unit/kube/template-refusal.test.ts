import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { templateRefusal } from "../../../controller/kube/rollout-reconciler.js";

/** The API server's answer to a ReplicaSet create, as client-node raises it. */
function refused(code: number, message: string): k8s.ApiException<string> {
  const body = JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message,
    reason: "Invalid",
    code,
  });
  return new k8s.ApiException(code, "refused", body, {});
}

describe("templateRefusal: which ReplicaSet create failures are the pod template's fault", () => {
  it("turns a 422 into a message naming the template's field, without the ReplicaSet's name", () => {
    const err = refused(
      422,
      'ReplicaSet.apps "web-6f7d8" is invalid: spec.template.spec.containers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters',
    );
    assert.equal(
      templateRefusal(err),
      'the API server refuses its ReplicaSet: spec.template.spec.containers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters',
    );
  });

  it("keeps a body that is not a Status object as it is", () => {
    assert.equal(
      templateRefusal(new k8s.ApiException(400, "bad", "cannot decode", {})),
      "the API server refuses its ReplicaSet: cannot decode",
    );
  });

  it("leaves every other failure to be retried", () => {
    assert.equal(templateRefusal(refused(409, "already exists")), undefined);
    assert.equal(templateRefusal(refused(403, "forbidden: exceeded quota")), undefined);
    assert.equal(templateRefusal(refused(500, "etcdserver: leader changed")), undefined);
    assert.equal(templateRefusal(new Error("connect ECONNREFUSED")), undefined);
  });
});
