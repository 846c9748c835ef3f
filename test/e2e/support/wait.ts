/** Polls until `check` returns a value (not undefined); the error names what was awaited and the last state seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "nothing observed yet";
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = "condition not met";
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${String(last)})`);
}

/**
 * The Events `list` returns, once every reason named is among them (else times out naming the
 * missing ones). The controller sends Events after the status write they announce, so a test that
 * has just seen a status waits for its Events rather than reading them once.
 */
export async function waitForReasons<E extends { reason?: string }>(
  what: string,
  list: () => Promise<E[]>,
  reasons: readonly string[],
  timeoutMs = 15_000,
): Promise<E[]> {
  return waitFor(
    what,
    async () => {
      const events = await list();
      const missing = reasons.filter((r) => !events.some((e) => e.reason === r));
      if (missing.length === 0) return events;
      throw new Error(`no Event ${missing.join(", ")} (saw ${events.map((e) => e.reason).join(", ")})`);
    },
    { timeoutMs },
  );
}
