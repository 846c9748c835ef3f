import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { testCluster } from "../support/cluster.js";
import { useController } from "../support/controller.js";
import { openBrowser, screenshot, startDashboard, type Dashboard } from "../support/dashboard.js";
import { useNamespace } from "../support/namespace.js";
import { apply, getRollout, rolloutManifest, setImage, v1, v2, waitForPhase } from "../support/rollouts.js";

// Functions passed to page.evaluate run in the browser; this file is type-checked without the DOM lib.
declare const document: {
  querySelector: (s: string) => { textContent: string | null } | null;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number } & Record<string, unknown>;

/** An error-rate service on loopback for a Web metric (the e2e controller runs on the host). */
function errorRateService(rate: number): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ rate }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/rate`,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

/** The text of a [data-field] on the page, once it equals `want` (the page changes by itself). */
async function fieldBecomes(page: Page, field: string, want: string): Promise<void> {
  await page.waitForFunction(
    ([f, w]) => document.querySelector(`main [data-field="${f}"]`)?.textContent === w,
    [field, want] as const,
    { timeout: 60_000 },
  );
}

describe("dashboard: kubectl kestrel dashboard in a real headless browser", function () {
  this.timeout(180_000);
  const ns = useNamespace("dash");
  useController(ns);
  let dash: Dashboard;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  let service: Awaited<ReturnType<typeof errorRateService>>;

  before(async function () {
    this.timeout(120_000);
    // 30% errors against a 10% limit: every measurement fails.
    service = await errorRateService(0.3);
    await apply(ns(), {
      apiVersion: "kestrel.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "error-rate" },
      spec: {
        metrics: [
          {
            name: "error-rate",
            interval: "1s",
            failureLimit: 2,
            successCondition: "result <= 0.1",
            provider: { web: { url: service.url, jsonPath: "$.rate" } },
          },
        ],
      },
    });
    await apply(
      ns(),
      rolloutManifest("web", {
        replicas: 4,
        steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      }),
    );
    const checked = rolloutManifest("checked", { replicas: 4, steps: [{ setWeight: 50 }, { pause: {} }] });
    checked.spec.strategy.canary!.analysis = { templates: [{ templateName: "error-rate" }] };
    await apply(ns(), checked);
    await waitForPhase(ns(), "web", "Healthy");
    await waitForPhase(ns(), "checked", "Healthy");
    dash = await startDashboard(testCluster().kubeconfigPath, ["-n", ns()]);
    browser = await openBrowser();
    page = browser.page;
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await dash?.stop();
    service?.close();
  });

  it("the list shows the namespace's Rollouts with their phase", async () => {
    await page.goto(dash.url);
    await page.locator(`tr[data-rollout="${ns()}/web"]`).waitFor();
    for (const name of ["web", "checked"]) {
      const row = page.locator(`tr[data-rollout="${ns()}/${name}"]`);
      assert.equal(await row.locator('[data-field="phase"]').textContent(), "Healthy");
      assert.equal(await row.locator("a").getAttribute("href"), `#/${ns()}/${name}`);
    }
    await screenshot(page, "list");
  });

  it("during a canary the page updates step and weight without a reload; Promote (keyboard) moves it on", async () => {
    await page.goto(`${dash.url}#/${ns()}/web`);
    await fieldBecomes(page, "phase", "Healthy");
    // Set on this document: a reload would start a new one without it.
    await page.evaluate(() => ((window as unknown as { kestrelMarker: number }).kestrelMarker = 1));
    await setImage(ns(), "web", v2);
    await fieldBecomes(page, "weight", "25%");
    await fieldBecomes(page, "phase", "Paused");
    assert.equal(await page.locator('.timeline li[aria-current="step"]').getAttribute("data-step"), "1");
    await page.locator('button[data-action="promote"]').focus();
    await page.keyboard.press("Enter");
    await page.locator("[data-notice]").filter({ hasText: "rollout.kestrel.dev/web promoted" }).waitFor();
    await fieldBecomes(page, "weight", "50%");
    // The controller's own words count steps from 1 too: "step 4/4: weight 50, paused until promoted".
    await fieldBecomes(page, "step", "4/4");
    assert.equal(
      await page.evaluate(() => (window as unknown as { kestrelMarker?: number }).kestrelMarker),
      1,
    );
    await screenshot(page, "canary-50");
  });

  it("a failing analysis shows its chart against the threshold, and the abort", async () => {
    await page.goto(`${dash.url}#/${ns()}/checked`);
    await fieldBecomes(page, "phase", "Healthy");
    await setImage(ns(), "checked", v2);
    await fieldBecomes(page, "phase", "Degraded");
    await page.locator('[data-field="aborted"]').waitFor();
    const chart = page.locator('figure.metric[data-metric="error-rate"]').first();
    await chart.waitFor();
    assert.equal(await chart.locator("line.threshold").getAttribute("data-threshold"), "0.1");
    const values = await chart
      .locator("circle.point")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-value")));
    assert.ok(values.length >= 3, `three failed measurements decided it, saw ${values.length}`);
    assert.ok(
      values.every((v) => v === "0.3"),
      `values ${values.join(",")}`,
    );
    // Above the line on screen: every point's y is smaller than the threshold's.
    const [lineY, pointYs] = await chart.evaluate(
      (fig) =>
        [
          Number(fig.querySelector("line.threshold")!.getAttribute("y1")),
          [...fig.querySelectorAll("circle.point")].map((c) => Number(c.getAttribute("cy"))),
        ] as const,
    );
    assert.ok(
      pointYs.every((y) => y < lineY),
      `points ${pointYs.join(",")} vs line ${lineY}`,
    );
    assert.match((await page.locator('[data-field="message"]').textContent()) ?? "", /error-rate/);
    await screenshot(page, "analysis-rollback");
  });

  it("undo asks for confirmation naming the revision and its images, then rolls back and the page shows it", async () => {
    await page.locator('button[data-undo="1"]').click();
    const dialog = page.locator("dialog.confirm");
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? "", /Undo checked to revision 1\?/);
    assert.equal(await dialog.locator("[data-images]").textContent(), v1);
    await screenshot(page, "undo-confirm");
    // Cancel first: nothing may change.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal((await getRollout(ns(), "checked")).spec.template.spec?.containers[0]?.image, v2);
    await page.locator('button[data-undo="1"]').click();
    await dialog.locator("button[data-confirm]").click();
    await page.locator("[data-notice]").filter({ hasText: "rolled back (to revision 1)" }).waitFor();
    await page.waitForFunction(
      (image) => document.querySelector("main tr[data-revision] td:nth-child(2)")?.textContent === image,
      v1,
      { timeout: 60_000 },
    );
    await fieldBecomes(page, "phase", "Healthy");
    assert.equal((await getRollout(ns(), "checked")).spec.template.spec?.containers[0]?.image, v1);
    await screenshot(page, "after-undo");
  });

  it("the list's sparkline draws the latest analysis of each Rollout", async () => {
    await page.goto(dash.url);
    const spark = page.locator(`tr[data-rollout="${ns()}/checked"] svg.spark`);
    await spark.waitFor();
    assert.match(
      (await spark.getAttribute("aria-label")) ?? "",
      /^latest analysis Failed: 0\.3(, 0\.3){2,}$/,
    );
    assert.ok((await spark.locator("circle").count()) >= 3);
    assert.equal(
      await page.locator(`tr[data-rollout="${ns()}/web"] svg.spark`).count(),
      0,
      "web has no analysis",
    );
    await page.goto(`${dash.url}#/${ns()}/checked`);
  });

  it("narrow window: the Rollout page stays readable (no sideways scrolling of the page)", async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.reload();
    await fieldBecomes(page, "phase", "Healthy");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
    await screenshot(page, "narrow");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  describe("with --read-only", () => {
    let ro: Dashboard;
    before(async () => {
      ro = await startDashboard(testCluster().kubeconfigPath, ["-n", ns(), "--read-only"]);
    });
    after(() => ro?.stop());

    it("shows no actions, and the server refuses them with 403", async () => {
      await page.goto(`${ro.url}#/${ns()}/web`);
      await page.locator('main [data-field="phase"]').waitFor();
      await page.locator("#s-revisions").waitFor();
      assert.equal(await page.locator("button[data-action], button[data-undo]").count(), 0);
      assert.match((await page.locator("#scope").textContent()) ?? "", /read-only/);
      const res = await fetch(`${ro.url}api/rollouts/${ns()}/web/abort`, {
        method: "POST",
        headers: { "x-kestrel-dashboard": "1" },
      });
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: string }).error, /read-only/);
      await screenshot(page, "read-only");
    });
  });

  describe("as a user who may read but not change Rollouts", () => {
    let viewer: Dashboard;
    let kubeconfig = "";
    before(async function () {
      this.timeout(60_000);
      kubeconfig = await serviceAccountKubeconfig(ns(), "viewer", true);
      viewer = await startDashboard(kubeconfig, ["-n", ns()]);
    });
    after(async () => {
      await viewer?.stop();
      if (kubeconfig) fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
    });

    it("sees the Rollout live, and an action's 403 from the API server as a clear message", async () => {
      await page.goto(`${viewer.url}#/${ns()}/web`);
      await fieldBecomes(page, "weight", "50%");
      assert.equal(await page.locator("#problem").isHidden(), true, "the viewer may watch: no problem shown");
      const before = await getRollout(ns(), "web");
      await page.locator('button[data-action="pause"]').click();
      const notice = page.locator("[data-notice]");
      await notice.waitFor();
      const text = (await notice.textContent()) ?? "";
      assert.match(
        text,
        new RegExp(`^Not allowed: your Kubernetes credentials may not pause ${ns()}/web\\.`),
      );
      assert.match(text, /system:serviceaccount:[^:]+:viewer" cannot patch resource "rollouts"/);
      assert.equal((await getRollout(ns(), "web")).spec.paused, before.spec.paused);
      await screenshot(page, "forbidden-action");
    });
  });

  describe("as a user without rights to the namespace", () => {
    let denied: Dashboard;
    let kubeconfig = "";
    before(async function () {
      this.timeout(60_000);
      kubeconfig = await serviceAccountKubeconfig(ns(), "nobody");
      denied = await startDashboard(kubeconfig, ["-n", ns()]);
    });
    after(async () => {
      await denied?.stop();
      if (kubeconfig) fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
    });

    it("says plainly that their credentials may not read Rollouts there", async () => {
      await page.goto(denied.url);
      const error = page.locator("[data-error]");
      await error.waitFor();
      const text = (await error.textContent()) ?? "";
      assert.match(
        text,
        new RegExp(`Not allowed: your Kubernetes credentials may not read Rollouts in namespace ${ns()}`),
      );
      assert.match(text, /system:serviceaccount:[^:]+:nobody/);
      await page.locator("#problem").filter({ hasText: "forbidden (RBAC)" }).waitFor();
      await screenshot(page, "no-rights");
    });
  });
});

/**
 * A kubeconfig for a fresh ServiceAccount with a short-lived token: no rights at all, or with
 * `readOnly` a Role that may get, list and watch what the dashboard reads, and nothing more.
 */
async function serviceAccountKubeconfig(namespace: string, name: string, readOnly = false): Promise<string> {
  const kc = testCluster().kc;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  if (readOnly) {
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const verbs = ["get", "list", "watch"];
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name },
        rules: [
          { apiGroups: ["kestrel.dev"], resources: ["rollouts", "analysisruns"], verbs },
          { apiGroups: ["apps"], resources: ["replicasets"], verbs },
          { apiGroups: [""], resources: ["events"], verbs },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
      },
    });
  }
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const user = new k8s.KubeConfig();
  user.loadFromOptions({
    clusters: [{ ...cluster, name: "local" }],
    users: [{ name, token: token.status?.token }],
    contexts: [{ name: "sa", cluster: "local", user: name, namespace }],
    currentContext: "sa",
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-sa-"));
  const file = path.join(dir, "kubeconfig");
  fs.writeFileSync(file, user.exportConfig(), { mode: 0o600 });
  return file;
}
