/**
 * Durations as Argo writes them, which are Go's (`time.ParseDuration`): one or more
 * number-and-unit terms such as "30s", "1m30s", "1.5h" or "500ms", with units ns, us, ms, s, m, h.
 * Kestrel also takes a plain number of seconds (30 or "30"), as its pause durations always have.
 * Negative durations mean nothing here, so there is no sign.
 */

/** The accepted forms, as a regular expression both JavaScript and RE2 (CEL) read the same way. */
export const durationPattern = "^(?:[0-9]+|(?:(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:ns|us|ms|s|m|h))+)$";

const durationRe = new RegExp(durationPattern);
const term = /([0-9]+[.]?[0-9]*|[.][0-9]+)(ns|us|ms|s|m|h)/g;
const unitMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds, or undefined when the value is not a duration. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (!durationRe.test(value)) return undefined;
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(term)) ms += Number(n) * unitMs[unit as keyof typeof unitMs];
  return Number.isFinite(ms) && ms <= Number.MAX_SAFE_INTEGER ? ms : undefined;
}
