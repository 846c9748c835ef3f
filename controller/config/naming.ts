import { createHash } from "node:crypto";
import { canonicalJson } from "../rollout/hash.js";
import type { SourceKind } from "./refs.js";

/** Kubernetes' alphabet for generated names (no vowels, no look-alikes): valid in any DNS name. */
const alphabet = "bcdfghjklmnpqrstvwxz2456789";
const digestLength = 10; // 27^10 ≈ 2^47: a collision between two contents of one source is not a practical worry
const maxName = 253; // ConfigMap and Secret names are DNS subdomains

/** What of a source makes its content: a Secret's type matters to its consumers (tls, dockerconfigjson). */
export interface SourceContent {
  kind: SourceKind;
  name: string;
  /** metadata.uid, mixed into a Secret's digests (see contentDigest). */
  uid?: string;
  type?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

function encode(bytes: Buffer): string {
  let n = bytes.readBigUInt64BE(0);
  let out = "";
  for (let i = 0; i < digestLength; i++) {
    out += alphabet[Number(n % 27n)];
    n /= 27n;
  }
  return out;
}

/**
 * A digest is shown in names, templates and history, readable by anyone who may read pods; a
 * Secret's digest is keyed with the Secret's uid (known only to those who may read the Secret) so
 * that a short, guessable value ("true", a port) cannot be found by hashing candidates.
 */
function digest(kind: SourceKind, uid: string | undefined, value: unknown): string {
  const salt = kind === "Secret" ? (uid ?? "") : "";
  return encode(createHash("sha256").update(salt).update(canonicalJson(value)).digest());
}

/** The digest of a source's whole content: equal digests, equal content. */
export function contentDigest(s: SourceContent): string {
  return digest(s.kind, s.uid, { name: s.name, type: s.type, data: s.data, binaryData: s.binaryData });
}

/** A digest per key (for history: which keys changed, never their values). */
export function keyDigests(s: SourceContent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...s.binaryData, ...s.data })) out[k] = digest(s.kind, s.uid, v);
  return out;
}

/**
 * The snapshot's name: `<source>-<digest>`, within 253 characters. A long source name is cut
 * (never the digest, which carries the identity; the source name is part of the digest, so two
 * long names with one prefix still differ) and the cut never leaves a trailing dot or dash.
 */
export function snapshotName(source: string, contentDigestValue: string): string {
  const room = maxName - contentDigestValue.length - 1;
  const prefix = source.length > room ? source.slice(0, room).replace(/[.-]+$/, "") : source;
  return `${prefix}-${contentDigestValue}`;
}
