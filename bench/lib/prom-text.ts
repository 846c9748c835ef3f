/** Just enough of the Prometheus text format to read the controller's /metrics. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    if (raw.startsWith("#") || raw.trim() === "") continue;
    const m = line.exec(raw);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(label)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const matches = (s: Sample, name: string, labels: Record<string, string>): boolean =>
  s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** The sum of every series of `name` whose labels include `labels`; 0 when none exists yet. */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => matches(s, name, labels)).reduce((a, s) => a + s.value, 0);
}

/** A histogram's cumulative buckets (upper bound -> count), summed over the matching series. */
export type Buckets = Map<number, number>;

export function bucketsOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): Buckets {
  const buckets: Buckets = new Map();
  for (const s of samples) {
    if (!matches(s, `${name}_bucket`, labels)) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/** What was observed between two scrapes of the same histogram. */
export function bucketDiff(before: Buckets, after: Buckets): Buckets {
  const diff: Buckets = new Map();
  for (const [le, n] of after) diff.set(le, n - (before.get(le) ?? 0));
  return diff;
}

export const bucketTotal = (b: Buckets): number => b.get(Infinity) ?? 0;

/**
 * histogram_quantile's estimate: linear interpolation inside the bucket the rank falls in; a rank
 * in the +Inf bucket answers the highest finite bound (as Prometheus does). Seconds, like the buckets.
 */
export function histogramQuantile(q: number, buckets: Buckets): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      if (count === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
