/**
 * Keyed fingerprints of the credentials the shadow store redacts, so that `parity replay` can send
 * each stored request again with the credentials it was sent with, without the store ever holding
 * them: for every redacted request header (Authorization, Cookie, X-Api-Key, and the configured
 * ones), the sample keeps HMAC-SHA256(store key, value), and replay re-injects the headers of the
 * auth profile (parity.yaml `auth:`) whose values have the same fingerprints.
 *
 * The key is random per store (migration 10, `store_keys`), so a fingerprint says nothing across
 * stores and cannot be looked up in a table of known tokens. It lives in the store itself, so
 * whoever holds the file can test guesses against a fingerprint: tokens and API keys are far too
 * long to guess, but a Basic credential with a weak password is not. Pure apart from the key read.
 */
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { HeaderMap, RedactionPlan } from './redact.js';

/** The name of the fingerprint key in `store_keys`. */
export const FINGERPRINT_KEY = 'credential_fingerprints';

/** The store's fingerprint key, or undefined for a store written before there was one. */
export function readFingerprintKey(db: Database.Database): Buffer | undefined {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_keys'").pluck().get();
  if (!hasTable) return undefined;
  return db.prepare('SELECT key FROM store_keys WHERE name = ?').pluck().get(FINGERPRINT_KEY) as Buffer | undefined;
}

export function fingerprint(key: Buffer, value: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(value, 'utf8').digest('base64url')}`;
}

/** Lower-case header name -> fingerprint, for the request headers the plan redacts; undefined when there are none. */
export function credentialFingerprints(headers: HeaderMap, plan: RedactionPlan, key: Buffer): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || !plan.headers.has(lower)) continue;
    (out ??= {})[lower] = fingerprint(key, typeof value === 'string' ? value : value.join(', '));
  }
  return out;
}

export interface ProfileCredentials {
  name: string;
  /** The profile's headers with their values, as they would be sent. */
  headers: Readonly<Record<string, string>>;
}

/**
 * The profile whose headers have every fingerprint the sample kept (a profile may carry more
 * headers than the sample did), preferring the one with the fewest extra headers; undefined when
 * none has. Ties go to the first profile in parity.yaml.
 */
export function profileForFingerprints(
  fingerprints: Readonly<Record<string, string>>,
  profiles: readonly ProfileCredentials[],
  key: Buffer,
): ProfileCredentials | undefined {
  let best: ProfileCredentials | undefined;
  for (const profile of profiles) {
    const lower = new Map(Object.entries(profile.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const matches = Object.entries(fingerprints).every(([name, print]) => {
      const value = lower.get(name);
      return value !== undefined && fingerprint(key, value) === print;
    });
    if (matches && (!best || Object.keys(profile.headers).length < Object.keys(best.headers).length)) best = profile;
  }
  return best;
}
