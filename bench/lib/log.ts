/** Progress lines for long phases, on stderr so stdout carries only the tables. */

import { setTimeout as sleep } from "node:timers/promises";

const started = Date.now();

export function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

/** Runs one phase, printing its start and how long it took; returns its result and seconds. */
export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  log(`${name} ...`);
  const result = await work();
  log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return result;
}

/** Prints "label n/total" at most every `everyMs`, and always at the end. */
export function progress(label: string, total: number, everyMs = 5_000): (done: number) => void {
  let last = 0;
  const t0 = Date.now();
  return (done: number) => {
    const now = Date.now();
    if (done < total && now - last < everyMs) return;
    last = now;
    log(`${label} ${done}/${total} (${((now - t0) / 1000).toFixed(0)}s)`);
  };
}

export { sleep };

/** Polls until `check` returns a value; the error names what was awaited and the last state seen. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  {
    timeoutMs = 120_000,
    intervalMs = 50,
    onProgress,
  }: { timeoutMs?: number; intervalMs?: number; onProgress?: () => void } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "nothing yet";
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = "not yet";
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    onProgress?.();
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${String(last)})`);
}
