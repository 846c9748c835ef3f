// The floor under a controller's start (bench/lib/first-lists.ts): a bare node process, no
// bundle and no client library, sends the controller's first lists at once, as its informers do
// (one keep-alive connection each, resourceVersion=0, the same label selectors), and reads and
// parses every answer. It writes one line when done; its parent times spawn to that line.
// Node built-ins only, CommonJS: anything loaded here would be counted as the API server's time.
"use strict";
/* global URLSearchParams, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ESM loader to start */
const fs = require("node:fs");
const https = require("node:https");

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const agent = new https.Agent({ keepAlive: true, ca: spec.ca, cert: spec.cert, key: spec.key });

function list({ path, labelSelector }) {
  const query = new URLSearchParams({ resourceVersion: "0" });
  if (labelSelector) query.set("labelSelector", labelSelector);
  return new Promise((resolve, reject) => {
    const req = https.get(`${spec.server}${path}?${query}`, { agent, headers: spec.headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")).items.length);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

Promise.all(spec.lists.map(list)).then(
  (items) => {
    process.stdout.write(`${JSON.stringify({ items })}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
