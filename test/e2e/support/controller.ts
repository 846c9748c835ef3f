import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePorts, httpGet } from "../../cluster/net.js";
import { repoRoot } from "../../cluster/paths.js";
import { testCluster } from "./cluster.js";
import { keepFailureLog } from "./failure-logs.js";
import { waitFor } from "./wait.js";

const main = path.join(repoRoot, "controller", "main.ts");

/** One controller process, as `npm start` runs it, watching only the given namespaces. */
export class ControllerProcess {
  private child: ChildProcess | undefined;
  readonly logFile: string;
  /** What the controller calls itself (POD_NAME), e.g. as the leader lease's holder. */
  readonly identity = `kestrel-e2e-${Math.random().toString(36).slice(2, 8)}`;
  port = 0;

  constructor(
    private readonly namespaces: string[],
    private readonly extraArgs: string[] = [],
    /** Another identity's kubeconfig, e.g. the chart's ServiceAccount token. */
    private readonly kubeconfig?: string,
  ) {
    this.logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-controller-")), "controller.log");
  }

  async start(): Promise<void> {
    this.port = (await freePorts(1))[0]!;
    const out = fs.openSync(this.logFile, "a");
    // One node process with tsx as a loader (not the tsx CLI, which forks a child that a
    // SIGKILL of the parent would orphan).
    this.child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        main,
        `--kubeconfig=${this.kubeconfig ?? testCluster().kubeconfigPath}`,
        `--namespaces=${this.namespaces.join(",")}`,
        `--metrics-port=${this.port}`,
        "--bind-address=127.0.0.1",
        "--log-level=debug",
        ...this.extraArgs,
      ],
      { stdio: ["ignore", out, out], cwd: repoRoot, env: { ...process.env, POD_NAME: this.identity } },
    );
    fs.closeSync(out);
    await waitFor(`the controller's /readyz (log: ${this.logFile})`, async () => {
      if (this.child?.exitCode !== null) throw new Error(`the controller exited: ${this.tail()}`);
      const res = await httpGet(`http://127.0.0.1:${this.port}/readyz`);
      return res.status === 200 ? true : undefined;
    });
  }

  /** SIGKILL: no shutdown hook runs, exactly like a crashed or evicted pod. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(sig);
    await exited;
  }

  /** Freezes or thaws the process (SIGSTOP/SIGCONT), as a long GC pause or a partition would. */
  freeze(frozen: boolean): void {
    this.child?.kill(frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Resolves with the exit code once the process ends. */
  exited(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(child?.exitCode ?? null);
    return new Promise((r) => child.once("exit", (code) => r(code)));
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async ready(): Promise<boolean> {
    return httpGet(`http://127.0.0.1:${this.port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
  }

  tail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  logLines(): Record<string, unknown>[] {
    return fs
      .readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** Starts a controller for the enclosing describe block's namespace and stops it afterwards. */
export function useController(namespace: () => string, extraArgs: string[] = []): () => ControllerProcess {
  let controller: ControllerProcess | undefined;
  before(async function () {
    this.timeout(60_000);
    controller = new ControllerProcess([namespace()], extraArgs);
    await controller.start();
  });
  after(async function () {
    this.timeout(30_000);
    await controller?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && controller) {
      process.stderr.write(`--- controller log (${controller.logFile}) ---\n${controller.tail(60)}\n`);
      keepFailureLog(this.currentTest.fullTitle(), controller.logFile, controller.tail(25));
    }
  });
  return () => controller!;
}
