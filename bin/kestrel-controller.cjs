#!/usr/bin/env node
// What `npm start` and the image run: the controller's bundle (dist/bundle/kestrel-controller.cjs,
// npm run controller:bundle) with V8's code cache (run-cached.cjs). Why: compiling the 2.6 MB
// bundle was the largest part of spawn to the first log line (about 100 ms of CPU in a
// `node --cpu-prof` profile), which a restart after a crash pays before it can act.
// The cache is written 10 s after a start that found none (the start-up code has compiled by
// then); the image writes it at build time, since its filesystem is read-only at run time.
"use strict";
/* global __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ESM loader to start */
const path = require("node:path");
const { runCached } = require("./run-cached.cjs");

runCached(path.resolve(__dirname, "..", "dist", "bundle", "kestrel-controller.cjs"), { saveAfterMs: 10_000 });
