import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { podTemplateHashLabel } from "./labels.js";

/** The alphabet Kubernetes uses for generated names: no vowels (no words), no 0/1/3 (look-alikes). */
const alphabet = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Stable JSON: keys sorted, and null fields dropped like absent ones (Go's omitempty writes
 * `creationTimestamp: null` into templates), so the same template always hashes the same.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    if (value instanceof Date) return JSON.stringify(value.toISOString());
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32 bit: tiny, fast and stable across versions; collisions are handled by the caller's name check. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function safeEncode(n: number): string {
  let out = "";
  let v = n;
  do {
    out = alphabet[v % alphabet.length] + out;
    v = Math.floor(v / alphabet.length);
  } while (v > 0);
  return out;
}

/** The pod-template-hash of a template, ignoring the hash label itself (which the controller adds). */
export function podTemplateHash(template: V1PodTemplateSpec): string {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[podTemplateHashLabel];
  const normalised = { ...template, metadata: { ...(template.metadata ?? {}), labels } };
  return safeEncode(fnv32a(canonicalJson(normalised)));
}

/** A short hash of any value (e.g. the steps list, to notice that they changed). */
export function shortHash(value: unknown): string {
  return safeEncode(fnv32a(canonicalJson(value)));
}
