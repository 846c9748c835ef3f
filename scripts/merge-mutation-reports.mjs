// Merges StrykerJS JSON reports of separate runs (each `--mutate` on a few files, as a shared
// machine allows) into one report, and prints the score per file and per folder as a Markdown
// table. A file measured in several parts counts from the part written last (a later run, after
// new tests). Test ids are per run, so the merged report keeps no coveredBy/killedBy/testFiles.
//
//   node scripts/merge-mutation-reports.mjs reports/mutation/parts reports/mutation/mutation.json
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const [dir = "reports/mutation/parts", out = "reports/mutation/mutation.json"] = process.argv.slice(2);
const parts = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);

const files = {};
let base;
for (const part of parts) {
  const report = JSON.parse(readFileSync(part, "utf8"));
  base ??= report;
  for (const [path, file] of Object.entries(report.files)) {
    const mutants = file.mutants.map(({ coveredBy: _c, killedBy: _k, ...m }) => m);
    files[path] = { ...file, mutants };
  }
}
if (!base) throw new Error(`no JSON reports in ${dir}`);
const { testFiles: _t, ...rest } = base;
writeFileSync(out, JSON.stringify({ ...rest, files }));

// Stryker's score: killed and timed out over every valid mutant (survived and not covered included).
const count = (mutants) => {
  const detected = mutants.filter((m) => m.status === "Killed" || m.status === "Timeout").length;
  const valid = mutants.filter((m) =>
    ["Killed", "Timeout", "Survived", "NoCoverage"].includes(m.status),
  ).length;
  return { detected, valid };
};
const pct = ({ detected, valid }) => (valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`);
const rows = [];
const folders = new Map();
for (const [path, file] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
  const c = count(file.mutants);
  rows.push(`| \`${path}\` | ${pct(c)} | ${c.detected} of ${c.valid} |`);
  for (const folder of ["controller/rollout/", "controller/analysis/", "controller/analysis/providers/"]) {
    if (!path.startsWith(folder)) continue;
    const f = folders.get(folder) ?? { detected: 0, valid: 0 };
    folders.set(folder, { detected: f.detected + c.detected, valid: f.valid + c.valid });
  }
}
for (const [folder, c] of folders) rows.push(`| **${folder}** | ${pct(c)} | ${c.detected} of ${c.valid} |`);
process.stdout.write(
  ["| file | score | killed or timed out |", "| --- | --- | --- |", ...rows, ""].join("\n"),
);
