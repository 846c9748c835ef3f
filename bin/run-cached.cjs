// Runs the plugin's bundle (argv[2]) with V8's code cache: node 20 compiles the 2 MB bundle at
// every start (about 90 ms, a third of a call, measured with --cpu-prof), so the compiled code of
// the functions a call ran is saved next to the bundle at exit and handed back to V8 next time.
// Node 22's module.enableCompileCache() does the same; node 20, which the project supports, lacks it.
// Only V8's own checks (its version, flags, the source's length) guard a cache, so it is used
// only when newer than the bundle, and the build deletes it with every new bundle.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ESM loader to start */
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.resolve(process.argv[2]);
const cacheFile = `${file}.v8-cache`;
// The bundle reads process.argv.slice(2): drop this loader so argv is [node, bundle, ...args].
process.argv.splice(1, 1);

const source = fs.readFileSync(file, "utf8");
let cachedData;
try {
  if (fs.statSync(cacheFile).mtimeMs >= fs.statSync(file).mtimeMs) cachedData = fs.readFileSync(cacheFile);
} catch {
  // no cache yet
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
if (!cachedData || script.cachedDataRejected) {
  process.once("exit", () => {
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A read-only install runs uncached; that is slower, not wrong.
    }
  });
}
const mod = new Module(file, null);
mod.filename = file;
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
