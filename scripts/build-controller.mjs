#!/usr/bin/env node
/**
 * Bundles the controller into one file, dist/bundle/kestrel-controller.cjs, with the bundler the
 * plugin uses (npm run controller:bundle; --quiet prints nothing unless it fails).
 *
 * Why: `node dist/controller/main.js` resolves and reads a few hundred modules from node_modules
 * at every start (the Kubernetes client alone is most of them); one pre-built file is read and
 * compiled once, which is most of the time from spawn to the first log line. CommonJS for the
 * plugin's reason: some dependencies require() Node built-ins.
 */
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outFile = path.join(root, "dist", "bundle", "kestrel-controller.cjs");
const quiet = process.argv.includes("--quiet");

/** ws's and node-fetch's optional native speed-ups: bundled as absent, as the plugin does. */
const absentOptionals = {
  name: "absent-optionals",
  setup(b) {
    b.onResolve({ filter: /^(bufferutil|utf-8-validate|encoding)$/ }, (a) => ({
      path: a.path,
      namespace: "absent",
    }));
    b.onLoad({ filter: /.*/, namespace: "absent" }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled`)});`,
      loader: "js",
    }));
  },
};

/**
 * axios's fetch adapter, bundled as "unsupported" (what axios reports where fetch is missing).
 * Why: at load it builds a test Request, which makes node load its fetch implementation (undici):
 * about 10 ms of every start (--cpu-prof). On node axios picks its http adapter before fetch, and
 * nothing here asks for fetch.
 */
const noAxiosFetch = {
  name: "no-axios-fetch",
  setup(b) {
    b.onResolve({ filter: /^\.\/fetch\.js$/ }, (a) =>
      /[\\/]axios[\\/]lib[\\/]adapters$/.test(a.resolveDir)
        ? { path: a.path, namespace: "no-fetch" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "no-fetch" }, () => ({
      contents: "export const getFetch = () => false;\nexport default false;\n",
      loader: "js",
    }));
  },
};

fs.mkdirSync(path.dirname(outFile), { recursive: true });
// Written aside and renamed: a controller starting meanwhile never reads a half-written file.
const tmp = `${outFile}.${process.pid}.tmp`;
await build({
  entryPoints: [path.join(root, "controller", "main.ts")],
  outfile: tmp,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  // Stack traces in the controller's logs keep their function names.
  keepNames: true,
  legalComments: "none",
  logLevel: quiet ? "error" : "warning",
  plugins: [absentOptionals, noAxiosFetch],
});
fs.renameSync(tmp, outFile);
// bin/kestrel-controller.cjs's compiled code belongs to the old bundle.
fs.rmSync(`${outFile}.v8-cache`, { force: true });
if (!quiet) process.stdout.write(`wrote ${path.relative(root, outFile)}\n`);
