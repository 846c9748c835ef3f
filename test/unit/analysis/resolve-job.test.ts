import assert from "node:assert/strict";
import type { V1Container } from "@kubernetes/client-node";
import type { AnalysisRunSpec } from "../../../controller/api/analysis.js";
import { resolveRunSpec } from "../../../controller/analysis/resolve.js";

const args: AnalysisRunSpec["args"] = [
  { name: "host", value: "web.shop:8080" },
  { name: "path", value: "/health" },
  { name: "words", value: "two words" },
  { name: "dollar", value: "$(id)" },
  { name: "quote", value: `it's` },
  { name: "token", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
];

const spec = (container: Partial<V1Container>, extra: object = {}): AnalysisRunSpec => ({
  args,
  metrics: [
    {
      name: "smoke",
      provider: {
        job: {
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [{ name: "check", image: "busybox", ...container }],
                ...extra,
              },
            },
          },
        },
      },
    },
  ],
});

const container = (s: AnalysisRunSpec): V1Container => {
  const r = resolveRunSpec(s);
  assert.ok(r.ok, r.ok ? "" : r.message);
  return (r.spec.metrics[0]!.provider.job!.spec.template.spec as { containers: V1Container[] })
    .containers[0]!;
};
const refusal = (s: AnalysisRunSpec): string => {
  const r = resolveRunSpec(s);
  assert.ok(!r.ok, "should be refused");
  return r.message;
};

describe("resolving {{args.NAME}} into a Job metric", () => {
  it("puts any text into an env value", () => {
    const c = container(spec({ env: [{ name: "GREETING", value: "say {{args.words}} {{args.dollar}}" }] }));
    assert.deepEqual(c.env, [{ name: "GREETING", value: "say two words $(id)" }]);
  });

  it("puts any text into a command or args element that is exactly one placeholder", () => {
    const c = container(spec({ command: ["{{args.words}}"], args: ["{{ args.dollar }}", "{{args.quote}}"] }));
    assert.deepEqual(c.command, ["two words"]);
    assert.deepEqual(c.args, ["$(id)", "it's"]);
  });

  it("puts a plain word into a longer element, outside or inside quotes", () => {
    const c = container(spec({ command: ["sh", "-c", `wget -O- http://{{args.host}}"{{args.path}}"`] }));
    assert.deepEqual(c.command, ["sh", "-c", `wget -O- http://web.shop:8080"/health"`]);
  });

  it("puts text with a space inside quotes of a longer element", () => {
    const c = container(spec({ args: [`echo '{{args.words}}'`] }));
    assert.deepEqual(c.args, [`echo 'two words'`]);
  });

  const refused: { name: string; s: AnalysisRunSpec; message: string }[] = [
    {
      name: "text with a space outside quotes in a longer element",
      s: spec({ command: ["sh", "-c", "echo {{args.words}}"] }),
      message:
        'metric "smoke": provider.job.spec.template.spec.containers[0].command[2]: argument "words" = "two words" is used outside quotes and is not a plain word; quote it, make the element exactly {{args.words}}, or pass it in env',
    },
    {
      name: "$ inside quotes of a longer element (a shell would expand it)",
      s: spec({ args: [`echo "{{args.dollar}}"`] }),
      message:
        'metric "smoke": provider.job.spec.template.spec.containers[0].args[0]: argument "dollar" = "$(id)" contains $ or a backtick, which a shell would expand; pass it in env instead',
    },
    {
      name: "a value that closes the quotes it is put in",
      s: spec({ args: [`echo '{{args.quote}}'`] }),
      message: `metric "smoke": provider.job.spec.template.spec.containers[0].args[0]: argument "quote" contains ', a backslash or a newline, which could break out of the string it is inserted into`,
    },
    {
      name: "an argument from a Secret (it would be stored in the run and the Job)",
      s: spec({ env: [{ name: "TOKEN", value: "{{args.token}}" }] }),
      message:
        'metric "smoke": provider.job.spec.template.spec.containers[0].env[TOKEN].value: argument "token" comes from a Secret, which a Job field would store in the run and the Job; give the container an env entry with valueFrom.secretKeyRef instead',
    },
    {
      name: "an argument nobody gave",
      s: spec({ args: ["{{args.nope}}"] }),
      message:
        'metric "smoke": provider.job.spec.template.spec.containers[0].args[0]: argument "nope" has no value (declare it in the template\'s args or pass it from the Rollout)',
    },
    {
      name: "a placeholder outside command, args and env values",
      s: spec({ image: "busybox:{{args.host}}" }),
      message:
        'metric "smoke": provider.job.spec.template.spec.containers[0].image holds {{args...}}; in a Job, arguments are substituted only in containers\' command, args and env values',
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}`, () => {
      assert.equal(refusal(c.s), c.message);
    });

  it("is a no-op on the Job it resolved (the stored spec is resolved again on every look)", () => {
    const first = resolveRunSpec(
      spec({ args: ["{{args.words}}"], env: [{ name: "H", value: "{{args.host}}" }] }),
    );
    assert.ok(first.ok);
    const again = resolveRunSpec(first.spec as AnalysisRunSpec);
    assert.deepEqual(again, first);
  });
});
