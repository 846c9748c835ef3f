import path from "node:path";
import { fileURLToPath } from "node:url";

/** True when this module is the script node was asked to run (not imported by another bench or test). */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(importMetaUrl);
}

/** Runs a bench's main and exits with its status; a failure prints its message, not a stack of noise. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

/** A positive integer flag, refused with the flag's name when it is not one. */
export function intFlag(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: "${raw}" must be an integer >= ${min}`);
  return n;
}

/** A number flag (seconds, rates). */
export function numFlag(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: "${raw}" must be a number >= ${min}`);
  return n;
}
