import fs from "node:fs";

/**
 * The controller log tails of the tests that failed, printed again once the run has ended: a CI
 * log is often read from its end, where the failure summary is, and the tail printed when the
 * test failed is by then hundreds of lines above it.
 */
const tails: { test: string; logFile: string; tail: string }[] = [];

export function keepFailureLog(test: string, logFile: string, tail: string): void {
  if (tails.length === 0) process.once("exit", printFailureLogs);
  tails.push({ test, logFile, tail });
}

function printFailureLogs(): void {
  // Synchronous: on "exit" nothing asynchronous runs any more.
  for (const { test, logFile, tail } of tails)
    fs.writeSync(2, `\n--- controller log of the failed test "${test}" (${logFile}), its end ---\n${tail}\n`);
}
