import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { parseCommand, UsageError } from "../../../controller/cli/args.js";
import {
  controllersOf,
  describeVersions,
  pluginVersion,
  versionData,
  type ControllerLookup,
} from "../../../controller/cli/version.js";

function deployment(
  namespace: string,
  name: string,
  o: { version?: string; image?: string; ready?: number },
): k8s.V1Deployment {
  return {
    metadata: {
      namespace,
      name,
      labels: {
        "app.kubernetes.io/name": "kestrel",
        ...(o.version ? { "app.kubernetes.io/version": o.version } : {}),
      },
    },
    spec: {
      replicas: 2,
      selector: {},
      template: { spec: { containers: [{ name: "controller", image: o.image ?? "ghcr.io/x/kestrel" }] } },
    },
    status: { readyReplicas: o.ready },
  };
}

describe("kubectl kestrel version", () => {
  it("parses with and without -o, and refuses arguments and other flags with its usage line", () => {
    const plain = parseCommand(["version"]);
    assert.ok("command" in plain);
    assert.equal(plain.command.verb, "version");
    assert.equal(plain.command.output, undefined);
    const json = parseCommand(["version", "-o", "json"]);
    assert.ok("command" in json);
    assert.equal(json.command.output, "json");
    assert.throws(
      () => parseCommand(["version", "web"]),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(
          e.message,
          'version takes no arguments; unexpected "web"\nusage: kubectl kestrel version [-o json|yaml]',
        );
        return true;
      },
    );
    assert.throws(() => parseCommand(["version", "--watch"]), /version does not take --watch/);
  });

  it("the plugin's version is unknown when run from source (the build sets it)", () => {
    assert.equal(pluginVersion(), "unknown (run from source, not built by scripts/build-plugin.mjs)");
  });

  it("reads each controller's version label, else its image tag, and its readiness", () => {
    assert.deepEqual(
      controllersOf([
        deployment("kestrel-system", "kestrel", { version: "0.1.0", ready: 2 }),
        deployment("canary", "kestrel-next", { image: "registry:5000/kestrel:0.2.0-rc.1" }),
        deployment("x", "untagged", { image: "registry:5000/kestrel" }),
      ]),
      [
        { namespace: "kestrel-system", name: "kestrel", version: "0.1.0", ready: "2/2" },
        { namespace: "canary", name: "kestrel-next", version: "0.2.0-rc.1", ready: "0/2" },
        { namespace: "x", name: "untagged", version: "unknown", ready: "0/2" },
      ],
    );
  });

  const everywhere = { allNamespaces: true as const };
  const onlyHere = { allNamespaces: false as const, namespace: "team-a" };
  const cases: { name: string; found: ControllerLookup; want: string }[] = [
    {
      name: "one controller",
      found: {
        scope: everywhere,
        forbidden: false,
        controllers: [{ namespace: "kestrel-system", name: "kestrel", version: "0.1.0", ready: "2/2" }],
      },
      want: "plugin: 1.2.3\ncontroller: 0.1.0 (Deployment kestrel-system/kestrel, 2/2 ready)",
    },
    {
      name: "two controllers, one line each",
      found: {
        scope: everywhere,
        forbidden: false,
        controllers: [
          { namespace: "a", name: "kestrel", version: "0.1.0", ready: "1/1" },
          { namespace: "b", name: "kestrel", version: "0.2.0", ready: "0/1" },
        ],
      },
      want: "plugin: 1.2.3\ncontroller: 0.1.0 (Deployment a/kestrel, 1/1 ready)\ncontroller: 0.2.0 (Deployment b/kestrel, 0/1 ready)",
    },
    {
      name: "none anywhere",
      found: { scope: everywhere, forbidden: false, controllers: [] },
      want: "plugin: 1.2.3\ncontroller: not found (no Deployment labelled app.kubernetes.io/name=kestrel in any namespace)",
    },
    {
      name: "none in the one namespace the user may list",
      found: { scope: onlyHere, forbidden: false, controllers: [] },
      want: "plugin: 1.2.3\ncontroller: not found (no Deployment labelled app.kubernetes.io/name=kestrel in namespace team-a (you may not list Deployments across namespaces))",
    },
    {
      name: "not even there",
      found: { scope: onlyHere, forbidden: true, controllers: [] },
      want: "plugin: 1.2.3\ncontroller: unknown: you may not list Deployments in namespace team-a",
    },
  ];
  for (const c of cases)
    it(`text: ${c.name}`, () => {
      assert.equal(describeVersions("1.2.3", c.found), c.want);
    });

  it("-o json|yaml gives both versions, where it looked and whether it was denied", () => {
    assert.deepEqual(versionData("1.2.3", cases[0]!.found), {
      plugin: { version: "1.2.3" },
      controllers: [{ namespace: "kestrel-system", name: "kestrel", version: "0.1.0", ready: "2/2" }],
      searched: "all namespaces",
      forbidden: false,
    });
    assert.deepEqual(versionData("1.2.3", cases[4]!.found), {
      plugin: { version: "1.2.3" },
      controllers: [],
      searched: "team-a",
      forbidden: true,
    });
  });
});
