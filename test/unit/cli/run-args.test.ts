import assert from "node:assert/strict";
import type { AnalysisTemplateSpec } from "../../../controller/api/analysis.js";
import { parseCommand, UsageError, type Command } from "../../../controller/cli/args.js";
import { runFromTemplate } from "../../../controller/cli/run-from-template.js";

const command = (argv: string[]): Command => {
  const p = parseCommand(argv);
  assert.ok("command" in p);
  return p.command;
};
const refused = (argv: string[], message: RegExp): void =>
  assert.throws(
    () => parseCommand(argv),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
  );

describe("kubectl kestrel: create and terminate analysisrun", () => {
  it("create analysisrun --from reads the template, the name and every -a NAME=VALUE in order", () => {
    const c = command([
      "create",
      "analysisrun",
      "--from",
      "smoke",
      "--name",
      "once",
      "-a",
      "host=web:80",
      "--argument=path=/a=b",
      "-n",
      "shop",
    ]);
    assert.equal(c.verb, "create");
    assert.equal(c.namespace, "shop");
    assert.deepEqual(c.run, {
      template: "smoke",
      clusterTemplate: false,
      name: "once",
      generateName: undefined,
      args: [
        ["host", "web:80"],
        ["path", "/a=b"],
      ],
    });
  });

  it("create ar --from-cluster-template takes a ClusterAnalysisTemplate, with --generate-name", () => {
    const c = command(["create", "ar", "--from-cluster-template", "shared", "--generate-name", "check-"]);
    assert.deepEqual(c.run, {
      template: "shared",
      clusterTemplate: true,
      name: undefined,
      generateName: "check-",
      args: [],
    });
  });

  it("terminate takes analysisrun NAME, ar NAME or ar/NAME", () => {
    for (const argv of [
      ["terminate", "analysisrun", "once"],
      ["terminate", "ar", "once"],
      ["terminate", "ar/once"],
    ])
      assert.equal(command(argv).name, "once", argv.join(" "));
  });

  const bad: [string[], RegExp][] = [
    [["create", "analysisrun"], /give the template with --from .* or --from-cluster-template/],
    [["create", "analysisrun", "--from", "a", "--from-cluster-template", "b"], /one of them/],
    [["create", "rollout", "--from", "a"], /create knows only "analysisrun", not "rollout"/],
    [["create", "analysisrun", "once", "--from", "a"], /takes no name word; use --name/],
    [
      ["create", "analysisrun", "--from", "a", "--name", "x", "--generate-name", "y-"],
      /--name or --generate-name, not both/,
    ],
    [["create", "analysisrun", "--from", "a", "-a", "host"], /-a\/--argument "host" is not NAME=VALUE/],
    [["create", "analysisrun", "--from", "a", "-a", "h=1", "-a", "h=2"], /argument "h" is given twice/],
    [["terminate", "analysisrun"], /an analysisrun name is needed/],
    [["terminate", "once"], /terminate knows only "analysisrun", not "once"/],
    [["terminate", "ar", "a", "b"], /takes one analysisrun; unexpected "b"/],
    [["terminate", "ar", "a", "--from", "x"], /terminate does not take --from/],
    [["promote", "web", "-a", "x=1"], /promote does not take --argument/],
  ];
  for (const [argv, message] of bad)
    it(`refuses: ${argv.join(" ")}`, () => {
      refused(argv, message);
    });
});

describe("kubectl kestrel: the run a template gives", () => {
  const spec: AnalysisTemplateSpec = {
    args: [
      { name: "host" },
      { name: "path", value: "/health" },
      { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
      { name: "app", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    ],
    metrics: [
      { name: "smoke", successCondition: "result == 1", provider: { web: { url: "http://{{args.host}}" } } },
    ],
    dryRun: [{ metricName: "smoke" }],
  };
  const req = { template: "smoke", clusterTemplate: false, args: [] as [string, string][] };

  it("takes typed values, template defaults and Secret references; named after the template by default", () => {
    const out = runFromTemplate(spec, {
      ...req,
      args: [
        ["host", "web:80"],
        ["app", "shop"],
      ],
    });
    assert.ok("run" in out);
    assert.deepEqual(out.run.metadata, {
      generateName: "smoke-",
      labels: { "kestrel.dev/analysis-template": "smoke" },
    });
    assert.deepEqual(out.run.spec, {
      args: [
        { name: "host", value: "web:80" },
        { name: "path", value: "/health" },
        { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "app", value: "shop" },
      ],
      metrics: spec.metrics,
      dryRun: spec.dryRun,
    });
  });

  it("a typed value overrides a default; --name names the run; a cluster template is labelled as such", () => {
    const out = runFromTemplate(spec, {
      ...req,
      clusterTemplate: true,
      name: "once",
      args: [
        ["host", "h"],
        ["path", "/x"],
        ["app", "a"],
      ],
    });
    assert.ok("run" in out);
    assert.deepEqual(out.run.metadata, {
      name: "once",
      labels: { "kestrel.dev/cluster-analysis-template": "smoke" },
    });
    assert.deepEqual(out.run.spec.args?.[1], { name: "path", value: "/x" });
  });

  it("refuses an argument the template does not declare, naming those it does", () => {
    assert.deepEqual(runFromTemplate(spec, { ...req, args: [["hots", "x"]] }), {
      error: 'AnalysisTemplate smoke declares no argument "hots" (it declares: host, path, token, app)',
    });
  });

  it("refuses a run whose arguments lack a value (a fieldRef has no Rollout to read here)", () => {
    assert.deepEqual(runFromTemplate(spec, req), {
      error: 'AnalysisTemplate smoke needs a value for "host", "app": give -a host=VALUE -a app=VALUE',
    });
  });
});
