import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchContext, type BenchContext } from "../../../bench/lib/cluster.js";
import { readClusterInfo } from "../../cluster/cluster.js";

/**
 * The benchmarks' context on the suite's own local cluster, their results written to a temporary
 * directory removed afterwards (a CI run's figures are not the project's). Registers the hooks.
 */
export function useBenchContext(): () => BenchContext {
  let ctx: BenchContext | undefined;
  let results = "";
  const previous = process.env.KESTREL_BENCH_RESULTS;

  before(function () {
    // The audit log that counts the controller's requests exists only on the local cluster
    // (test/e2e/.mocharc.cjs leaves the bench files out on KESTREL_CLUSTER=existing).
    const info = readClusterInfo();
    assert.ok(info, "the e2e root hook started the local cluster");
    ctx = benchContext(info);
    results = fs.mkdtempSync(path.join(os.tmpdir(), "kestrel-bench-results-"));
    process.env.KESTREL_BENCH_RESULTS = results;
  });

  after(() => {
    if (previous === undefined) delete process.env.KESTREL_BENCH_RESULTS;
    else process.env.KESTREL_BENCH_RESULTS = previous;
    if (results) fs.rmSync(results, { recursive: true, force: true });
  });

  return () => {
    assert.ok(ctx, "the before hook set up the bench context");
    return ctx;
  };
}

/** Every number under `value` (walking objects and arrays) is finite; names the first that is not. */
export function assertFinite(value: unknown, at: string): void {
  if (typeof value === "number") assert.ok(Number.isFinite(value), `${at} is ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFinite(v, `${at}[${i}]`));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) assertFinite(v, `${at}.${k}`);
}

/** The result file was written for this bench and names the machine it was measured on. */
export function assertWritten(file: string, bench: string): void {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { bench?: string; machine?: object };
  assert.equal(json.bench, bench);
  assert.ok(json.machine, "the result names the machine it was measured on");
}
