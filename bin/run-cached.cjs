// Runs a CommonJS bundle with V8's code cache: the compiled code of the functions a run used is
// saved next to the bundle (FILE.v8-cache) and handed back to V8 at the next start, which then
// skips compiling them. Node 22's module.enableCompileCache() does the same; node 20, which the
// project supports, lacks it. Used by bin/launch.cjs (the plugin) and bin/kestrel-controller.cjs.
// Only V8's own checks (its version, flags, the source's length) guard a cache, so a cache is used
// only when newer than its bundle; the builds delete it with every new bundle.
"use strict";
/* global setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ESM loader to start */
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** Writes the cache aside and renames it: a process starting meanwhile never reads half of one. */
function saveCache(script, cacheFile) {
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only install runs uncached; that is slower, not wrong.
  }
}

/**
 * Runs `file` as the main module. The cache is written when the process exits, or, for a process
 * that runs on (the controller), `saveAfterMs` after the start, when its start-up code has compiled.
 */
function runCached(file, { saveAfterMs } = {}) {
  const cacheFile = `${file}.v8-cache`;
  const source = fs.readFileSync(file, "utf8");
  let cachedData;
  if (mtime(cacheFile) >= mtime(file)) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // removed meanwhile by a build
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    let saved = false;
    const save = () => {
      if (saved) return;
      saved = true;
      saveCache(script, cacheFile);
    };
    process.once("exit", save);
    if (saveAfterMs !== undefined) setTimeout(save, saveAfterMs).unref();
  }
  // The bundle reads process.argv.slice(2): argv becomes [node, bundle, ...args].
  process.argv[1] = file;
  const mod = new Module(file, null);
  mod.filename = file;
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
}

module.exports = { runCached };
