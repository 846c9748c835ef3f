/** Progress output for long work: one line per phase with the seconds it took, and a heartbeat while it runs. */

const heartbeatMs = Number(process.env.KESTREL_PROGRESS_HEARTBEAT_MS ?? 15_000);

export function log(message: string): void {
  process.stderr.write(`[cluster] ${message}\n`);
}

export interface PhaseTiming {
  name: string;
  seconds: number;
}

export const timings: PhaseTiming[] = [];

/** Runs one phase, printing its start, a heartbeat every few seconds, and its duration. */
export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${name} ...`);
  const timer = setInterval(
    () => log(`  still ${name} (${Math.round((Date.now() - started) / 1000)}s)`),
    heartbeatMs,
  );
  timer.unref();
  try {
    const result = await work();
    const seconds = (Date.now() - started) / 1000;
    timings.push({ name, seconds });
    log(`${name}: done in ${seconds.toFixed(1)}s`);
    return result;
  } finally {
    clearInterval(timer);
  }
}
