/** Parses Argo-style durations ("30s", "5m", "1h", "250ms", or seconds as a number) into milliseconds. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const m = /^(\d+)(ms|s|m|h)$/.exec(value.trim());
  if (!m) return /^\d+$/.test(value.trim()) ? Number(value) * 1000 : undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return n * unit;
}
