import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import type { Rollout } from "../../../controller/api/rollout.js";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { useNamespace } from "../support/namespace.js";
import {
  apply,
  getRollout,
  revisions,
  rolloutManifest,
  setImage,
  v1,
  v2,
  waitForPhase,
} from "../support/rollouts.js";
import { waitFor } from "../support/wait.js";

/**
 * Prometheus misbehaving in ways the real one does only under duress: an HTTP 500 and an answer
 * slower than the metric's timeout. Everything else below talks to the real Prometheus.
 */
function misbehavingPrometheus(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith("/500")) {
      res.writeHead(500, { "Content-Type": "text/plain" }).end("internal error");
      return;
    }
    setTimeout(
      () =>
        res
          .writeHead(200, { "Content-Type": "application/json" })
          .end('{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}'),
      5_000,
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () => server.close(),
      }),
    ),
  );
}

function template(
  name: string,
  metric: Record<string, unknown>,
  prometheus: Record<string, unknown>,
): object {
  return {
    apiVersion: "kestrel.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      args: [{ name: "app", value: "none" }],
      metrics: [
        {
          name: "check",
          count: 1,
          consecutiveErrorLimit: 0,
          successCondition: "result[0] >= 0.95",
          ...metric,
          provider: {
            prometheus: {
              address: testCluster().prometheusUrl,
              timeout: 2,
              query: "vector(1)",
              ...prometheus,
            },
          },
        },
      ],
    },
  };
}

describe("Analysis: bad data and bad providers give a clear status and never promote", () => {
  const ns = useNamespace("edges");
  useController(ns);
  let fake: { url: string; close: () => void };
  before(async () => {
    fake = await misbehavingPrometheus();
  });
  after(() => fake.close());

  /** A canary at 50% whose next step is the analysis under test. */
  async function canaryWith(
    name: string,
    templateName: string,
    args: { name: string; value: string }[] = [],
  ): Promise<void> {
    const manifest: Rollout = rolloutManifest(name, { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName }], args } }],
    };
    await apply(ns(), manifest);
    await waitForPhase(ns(), name, "Healthy");
    await setImage(ns(), name, v2);
  }

  async function assertNotPromoted(name: string): Promise<void> {
    const revs = await revisions(ns(), name);
    assert.notEqual(revs.find((r) => r.image === v2)?.replicas, 2, "the canary was not promoted");
    assert.ok((revs.find((r) => r.image === v1)?.replicas ?? 0) > 0, "the stable version still serves");
  }

  const cases: {
    name: string;
    metric?: Record<string, unknown>;
    prometheus: () => Record<string, unknown>;
    phase: string;
    message: RegExp;
  }[] = [
    {
      name: "empty",
      prometheus: () => ({ query: 'up{job="no-such-job"}' }),
      phase: "Paused",
      message: /no data: the query returned an empty vector/,
    },
    {
      name: "nan",
      prometheus: () => ({ query: "vector(0/0)" }),
      phase: "Paused",
      message: /no data: the query returned NaN/,
    },
    {
      name: "promql-error",
      prometheus: () => ({ query: "sum(rate(x[5m]" }),
      phase: "Degraded",
      message: /PromQL error: .*parse error/,
    },
    {
      name: "http-500",
      prometheus: () => ({ address: `${fake.url}/500` }),
      phase: "Degraded",
      message: /Prometheus HTTP error: HTTP 500/,
    },
    {
      name: "slow",
      prometheus: () => ({ address: fake.url, timeout: 1 }),
      phase: "Degraded",
      message: /Prometheus timed out: no answer within 1s/,
    },
    {
      name: "injection",
      prometheus: () => ({ query: 'vector(1) and on() app_requests_total{app_name="{{args.app}}"}' }),
      phase: "Degraded",
      message: /query not sent: argument "app" contains ", a backslash or a newline/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.phase}, saying ${c.message.source}`, async function () {
      this.timeout(60_000);
      await apply(ns(), template(`t-${c.name}`, c.metric ?? {}, c.prometheus()));
      const args = c.name === "injection" ? [{ name: "app", value: 'x"} or vector(1) or x{a="' }] : [];
      await canaryWith(c.name, `t-${c.name}`, args);
      const ro = await waitForPhase(ns(), c.name, c.phase, 45_000);
      assert.match(ro.status?.message ?? "", c.message);
      await assertNotPromoted(c.name);
    });
  }

  it("a malformed successCondition is InvalidSpec naming the template and the metric", async function () {
    this.timeout(60_000);
    await apply(ns(), template("t-malformed", { successCondition: "result[0] >=" }, {}));
    const manifest: Rollout = rolloutManifest("malformed", { replicas: 2 });
    manifest.spec.strategy.canary = {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "t-malformed" }] } }],
    };
    await apply(ns(), manifest);
    const ro = await waitFor("InvalidSpec", async () => {
      const r = await getRollout(ns(), "malformed");
      return r.status?.conditions?.some((x) => x.type === "InvalidSpec" && x.status === "True")
        ? r
        : undefined;
    });
    assert.match(
      ro.status?.message ?? "",
      /AnalysisTemplate "t-malformed" metric "check" successCondition: cannot parse "result\[0\] >=": .* at position 12/,
    );
    assert.deepEqual(await revisions(ns(), "malformed"), [], "nothing was created");
  });
});
