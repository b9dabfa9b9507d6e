/**
 * Telling values that change on every call (ids, timestamps, tokens) from values an example can
 * pin literally. A recorded response is one sample; an example that pinned its random id would
 * fail on the next run, so those values become matchers.
 */
import { parseJsonPath, type PathSegment } from '../jsonpath.js';

export type Matcher = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;
/** One or two prefixes ("cus_", "sk_test_") and a random part with at least one digit. */
const PREFIXED_ID = /^((?:[A-Za-z][A-Za-z0-9]{0,11}_){1,2})([A-Za-z0-9]{8,})$/;
const TOKEN = /^[A-Za-z0-9_\-+=]{20,}$/;
const JWT = /^[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/;
const TWENTY_YEARS_SECONDS = 20 * 365.25 * 86_400;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function isIsoDate(value: string): boolean {
  return (ISO_DATE.test(value) || ISO_DATE_TIME.test(value)) && !Number.isNaN(Date.parse(value));
}

/** `^cus_[0-9a-f]{16}$` for "cus_9f2c1a7b3d4e5f60": the prefix kept, the random part by character class and length. */
export function prefixedIdPattern(value: string): string | undefined {
  const match = PREFIXED_ID.exec(value);
  if (!match) return undefined;
  const [, prefix, random] = match as unknown as [string, string, string];
  // Without a digit the "random" part is a word ("invoice_finalized"), not an id.
  if (!/\d/.test(random)) return undefined;
  const classes = ['0-9a-f', '0-9A-F', '0-9a-z', '0-9A-Z'];
  const cls = classes.find((c) => new RegExp(`^[${c}]+$`).test(random)) ?? '0-9A-Za-z';
  return `^${prefix}[${cls}]{${random.length}}$`;
}

/**
 * A long opaque token: base64-ish or a JWT. Words joined by "_" are long too, so randomness is
 * judged by how often letters and digits alternate.
 */
export function isRandomToken(value: string): boolean {
  if (!TOKEN.test(value) && !(value.length >= 20 && JWT.test(value))) return false;
  const digits = value.replace(/\D/g, '').length;
  if (digits < 2) return false;
  let switches = 0;
  for (let i = 1; i < value.length; i++) {
    if (/\d/.test(value[i - 1]!) !== /\d/.test(value[i]!)) switches++;
  }
  return switches >= 4;
}

/** A unix timestamp, in seconds or milliseconds, within about 20 years of `at` (ms since the epoch). */
export function isUnixTimestamp(value: number, at: number): boolean {
  if (!Number.isInteger(value)) return false;
  return Math.abs(value - at / 1000) <= TWENTY_YEARS_SECONDS || Math.abs(value - at) <= TWENTY_YEARS_SECONDS * 1000;
}

/** The matcher for a value that looks volatile by itself, or undefined when it should stay literal. */
export function volatileMatcher(value: unknown, at: number): Matcher | undefined {
  if (typeof value === 'number') return isUnixTimestamp(value, at) ? { $type: 'integer' } : undefined;
  if (typeof value !== 'string') return undefined;
  if (isUuid(value)) return { $uuid: true };
  if (isIsoDate(value)) return { $iso_date: true };
  const pattern = prefixedIdPattern(value);
  if (pattern) return { $regex: pattern };
  if (isRandomToken(value)) return { $type: 'string' };
  return undefined;
}

/** The JSON type a `$type` matcher names for this value. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Parsed `extracted.volatile` fields; `$` alone means "somewhere, unknown" and names nothing. */
export function volatilePatterns(fields: readonly string[]): PathSegment[][] {
  const patterns: PathSegment[][] = [];
  for (const field of fields) {
    try {
      const segments = parseJsonPath(field);
      if (segments.length > 0) patterns.push(segments);
    } catch {
      // The schema already rejects malformed paths; a stale one is no reason to stop recording.
    }
  }
  return patterns;
}

export function pathMatches(pattern: readonly PathSegment[], path: readonly (string | number)[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((segment, i) => {
    const actual = path[i]!;
    if (segment.kind === 'wildcard') return true;
    if (segment.kind === 'key') return actual === segment.name;
    return actual === segment.index;
  });
}

/** A JSONPath naming exactly this location, such as `$.data[0].id` or `$['x-id']`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += `.${segment}`;
    else out += `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}
