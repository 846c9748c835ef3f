/** A plain-text table: the first column left-aligned, the rest right-aligned (they are numbers). */
export function formatTable(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [`\n${title}`, line(header), rule, ...cells.slice(1).map(line)].join("\n") + "\n";
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  process.stdout.write(formatTable(title, header, rows));
}

/** "key  value" lines: the inputs every figure was measured with. */
export function printInputs(title: string, inputs: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(inputs).map((k) => k.length));
  const lines = Object.entries(inputs).map(([k, v]) => `  ${k.padEnd(width)}  ${formatValue(v)}`);
  process.stdout.write(`\n${title}\n${lines.join("\n")}\n`);
}

/** Strings as they are; { component: [flags] } as "component flag flag; ..."; anything else as JSON. */
function formatValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0) return "none";
    if (entries.every(([, x]) => Array.isArray(x) || typeof x === "string"))
      return entries
        .map(([k, x]) => `${k}${Array.isArray(x) ? (x.length ? ` ${x.join(" ")}` : " (defaults)") : `=${x}`}`)
        .join("; ");
  }
  return JSON.stringify(v);
}
