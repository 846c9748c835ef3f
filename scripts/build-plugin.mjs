#!/usr/bin/env node
/**
 * Builds the kubectl plugin for fast starts.
 *
 *   node scripts/build-plugin.mjs          dist/plugin/kubectl-kestrel.cjs: the CLI and its
 *                                          dependencies bundled into one file (npm run plugin:build)
 *   node scripts/build-plugin.mjs --sea    also dist/plugin/kubectl-kestrel: a standalone executable,
 *                                          Node's single executable application (npm run plugin:sea)
 *   node scripts/build-plugin.mjs --release  also dist/plugin/kubectl-kestrel-linux-amd64.tar.gz, the
 *                                          archive krew installs, and prints its sha256 for the manifest
 *                                          (npm run plugin:release; see plugins/kestrel.yaml)
 *   --quiet                                print nothing unless it fails (bin/kubectl-kestrel uses it)
 *
 * Why a bundle: running the TypeScript through tsx compiled it at every start (3.5-4.5 s); one
 * pre-built file is read once, with no module resolution over node_modules at start.
 * Why CommonJS: some dependencies require() Node built-ins, which an ESM bundle cannot do, and a
 * single executable application's main script must be CommonJS.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "dist", "plugin");
const bundleFile = path.join(outDir, "kubectl-kestrel.cjs");
const seaFile = path.join(outDir, "kubectl-kestrel");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (line) => {
  if (!quiet) process.stdout.write(`${line}\n`);
};

/**
 * Optional native speed-ups that ws and node-fetch try to require() and do without when absent.
 * Bundled as "absent" so the bundle never looks on disk for them: a single executable's require()
 * only loads built-ins and warns on stderr at every start when asked for anything else.
 */
const optionalNative = ["bufferutil", "utf-8-validate", "encoding"];
const absentOptionals = {
  name: "absent-optionals",
  setup(b) {
    const filter = new RegExp(`^(${optionalNative.join("|")})$`);
    b.onResolve({ filter }, (a) => ({ path: a.path, namespace: "absent" }));
    b.onLoad({ filter: /.*/, namespace: "absent" }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled`)});`,
      loader: "js",
    }));
  },
};

function packageVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
}

/**
 * The dashboard's page script and style (controller/dashboard/ui/), built for the browser and
 * embedded in the plugin as strings (controller/dashboard/assets.ts), so nothing is fetched at run time.
 */
async function dashboardAssets() {
  const ui = path.join(root, "controller", "dashboard", "ui");
  const one = async (entry, options) => {
    const res = await build({
      entryPoints: [path.join(ui, entry)],
      bundle: true,
      write: false,
      minify: true,
      legalComments: "none",
      logLevel: quiet ? "error" : "warning",
      ...options,
    });
    return res.outputFiles[0].text;
  };
  return {
    KESTREL_DASHBOARD_JS: JSON.stringify(
      await one("main.ts", { platform: "browser", format: "iife", target: "es2022", outfile: "app.js" }),
    ),
    KESTREL_DASHBOARD_CSS: JSON.stringify(await one("style.css", { outfile: "app.css" })),
  };
}

async function bundle() {
  fs.mkdirSync(outDir, { recursive: true });
  // Written aside and renamed: two plugin calls that both find the bundle stale (status and promote
  // run side by side) must never run a half-written file.
  const tmp = `${bundleFile}.${process.pid}.tmp`;
  await build({
    entryPoints: [path.join(root, "controller", "cli", "main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Smaller is faster to read and parse (about 10% of the start, measured); messages keep their text.
    minify: true,
    legalComments: "none",
    logLevel: quiet ? "error" : "warning",
    plugins: [absentOptionals],
    // `kubectl kestrel version` reads it (controller/cli/version.ts); the executable embeds this bundle.
    define: { KESTREL_PLUGIN_VERSION: JSON.stringify(packageVersion()), ...(await dashboardAssets()) },
  });
  fs.renameSync(tmp, bundleFile);
  // bin/launch.cjs's compiled code belongs to the old bundle.
  fs.rmSync(`${bundleFile}.v8-cache`, { force: true });
  say(`wrote ${path.relative(root, bundleFile)}`);
}

/** Node's single executable application: the bundle as a blob injected into a copy of this node. */
function sea() {
  const blob = path.join(outDir, "sea-prep.blob");
  const config = path.join(outDir, "sea-config.json");
  fs.writeFileSync(
    config,
    JSON.stringify({
      main: bundleFile,
      output: blob,
      disableExperimentalSEAWarning: true,
      // V8's compiled code goes into the blob: the executable skips compiling the bundle at start.
      useCodeCache: true,
    }),
  );
  const quietly = { stdio: quiet ? "pipe" : "inherit" };
  execFileSync(process.execPath, ["--experimental-sea-config", config], quietly);
  const tmp = `${seaFile}.${process.pid}.tmp`;
  fs.copyFileSync(process.execPath, tmp);
  fs.chmodSync(tmp, 0o755);
  // The fuse is the fixed string Node's docs give: it tells node a blob was injected.
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules", "postject", "dist", "cli.js"),
      tmp,
      "NODE_SEA_BLOB",
      blob,
      "--sentinel-fuse",
      "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
    ],
    // postject warns about ELF note sections it does not know; the result runs (the e2e checks).
    { stdio: "pipe" },
  );
  fs.renameSync(tmp, seaFile);
  fs.rmSync(blob);
  fs.rmSync(config);
  say(`wrote ${path.relative(root, seaFile)} (node ${process.version}, ${process.platform}-${process.arch})`);
}

/** What a release uploads: the executable alone in a tar.gz, as krew's manifest expects (bin: kubectl-kestrel). */
function archive() {
  const platform = `${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  const file = path.join(outDir, `kubectl-kestrel-${platform}.tar.gz`);
  execFileSync("tar", ["-czf", file, "-C", outDir, path.basename(seaFile)]);
  const sha256 = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  say(`wrote ${path.relative(root, file)}\nsha256: ${sha256}`);
}

try {
  await bundle();
  if (args.has("--sea") || args.has("--release")) sea();
  if (args.has("--release")) archive();
} catch (err) {
  process.stderr.write(`building the kubectl plugin failed: ${err instanceof Error ? err.message : err}\n`);
  if (err?.stderr) process.stderr.write(err.stderr);
  process.exit(1);
}
