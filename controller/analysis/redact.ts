/** Shown instead of a Secret's value. */
export const redacted = "[redacted]";

/**
 * Masks each of `secrets` in the outcome's text fields. A server may echo what it was sent, and
 * its answer is recorded: a Secret's value must still not reach status, Events or logs. Pure.
 */
export function redact<T extends { message: string; value?: string }>(outcome: T, secrets: string[]): T {
  // Longest first, so a secret that contains another is masked whole; empty values mask nothing.
  const values = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (values.length === 0) return outcome;
  const mask = (text: string): string => values.reduce((t, v) => t.split(v).join(redacted), text);
  const out = { ...outcome, message: mask(outcome.message) };
  if (outcome.value !== undefined) out.value = mask(outcome.value);
  return out;
}
