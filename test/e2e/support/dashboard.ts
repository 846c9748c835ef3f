/**
 * The dashboard under test: `kubectl kestrel dashboard` run from bin/ as users run it, and
 * Debian's chromium driven headless by playwright-core (never a downloaded browser), with a fresh
 * profile each time. Screenshots go to test-results/dashboard/ (CI keeps them as artifacts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { repoRoot } from "../../cluster/paths.js";

export const screenshotDir = path.join(repoRoot, "test-results", "dashboard");

export interface Dashboard {
  url: string;
  stop: () => Promise<void>;
  output: () => string;
}

/** Starts the plugin's dashboard on a free port and returns its URL once it listens. */
export async function startDashboard(kubeconfig: string, args: string[]): Promise<Dashboard> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, "bin", "launch.cjs"), "dashboard", "--port=0", ...args],
    { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => reject(new Error(`the dashboard exited (${code}) before listening: ${out}`)));
  });
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const chromiumPath = process.env.KESTREL_CHROMIUM ?? "/usr/bin/chromium";

/** A headless chromium with a fresh profile, at 1280x800 unless told otherwise. */
export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<{
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}> {
  if (!fs.existsSync(chromiumPath))
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (scripts/setup.sh does)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    reducedMotion: "reduce",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
