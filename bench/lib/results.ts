import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../test/cluster/paths.js";

/** bench/results/ (ignored by git); KESTREL_BENCH_RESULTS moves it. */
export const resultsDir = (): string =>
  process.env.KESTREL_BENCH_RESULTS ?? path.join(repoRoot, "bench", "results");

/** The machine a figure was measured on: part of every result, since these numbers mean little without it. */
export function machine(): Record<string, unknown> {
  return {
    host: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
  };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, data: object): string {
  const dir = resultsDir();
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = path.join(dir, `${name}-${stamp}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      { bench: name, finishedAt: new Date().toISOString(), machine: machine(), ...data },
      null,
      2,
    ) + "\n",
  );
  return file;
}

/**
 * Ends a benchmark: says when the controller logged errors (they make its figures suspect),
 * writes the JSON with that count, prints where, and returns the data with both.
 */
export function saveResults<T extends object>(
  name: string,
  controller: { errorCount(): number; logFile: string },
  data: T,
): T & { controllerLogErrors: number; file: string } {
  const controllerLogErrors = controller.errorCount();
  if (controllerLogErrors > 0)
    process.stdout.write(
      `note: the controller logged ${controllerLogErrors} error line(s): ${controller.logFile}\n`,
    );
  const file = writeResults(name, { ...data, controllerLogErrors });
  process.stdout.write(`results: ${file}\n`);
  return { ...data, controllerLogErrors, file };
}
