/**
 * Redaction: what the shadow store writes never holds a secret it was told about. Applied to
 * everything that carries values (sample requests and responses, difference values) before it
 * reaches SQLite; signatures, counts and rollups carry paths and numbers only.
 *
 * Pure functions over plain data: a compiled plan in, redacted copies out, inputs untouched.
 * A value that is redacted becomes the string "[REDACTED]", so a reader sees that something was
 * there. JSON bodies are re-serialised only when something in them was redacted; otherwise their
 * bytes are kept as they were.
 */
import { isUtf8 } from 'node:buffer';
import type { Difference } from '../src/compare/response.js';
import { parseJsonPath, type PathSegment } from '../src/jsonpath.js';

export const REDACTED = '[REDACTED]';

/** Always redacted, whatever the configuration says: credentials and session cookies. */
export const DEFAULT_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;

/**
 * Always redacted query parameters: `access_token` is the standard place for an OAuth bearer
 * token in a URL (RFC 6750 section 2.3).
 */
export const DEFAULT_REDACTED_QUERY_PARAMETERS = ['access_token'] as const;

/** Headers whose values are URLs: their query strings are redacted like the request target's. */
const URL_HEADERS = new Set(['location', 'content-location', 'referer']);

export interface RedactionConfig {
  /** More header names to redact (case-insensitive), on requests and responses. */
  headers?: readonly string[];
  /** JSONPaths (with wildcards) redacted inside JSON bodies and difference values. */
  jsonPaths?: readonly string[];
  /** Query-string (and form body) parameter names to redact, case-insensitive. */
  queryParameters?: readonly string[];
}

export interface RedactionPlan {
  readonly headers: ReadonlySet<string>;
  readonly jsonPaths: readonly (readonly PathSegment[])[];
  readonly queryParameters: ReadonlySet<string>;
}

export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Compiles a configuration once; throws JsonPathSyntaxError on a malformed path. */
export function compileRedaction(config: RedactionConfig = {}): RedactionPlan {
  return {
    headers: new Set([...DEFAULT_REDACTED_HEADERS, ...(config.headers ?? [])].map((name) => name.toLowerCase())),
    jsonPaths: (config.jsonPaths ?? []).map((path) => parseJsonPath(path)),
    queryParameters: new Set([...DEFAULT_REDACTED_QUERY_PARAMETERS, ...(config.queryParameters ?? [])].map((name) => name.toLowerCase())),
  };
}

/** A copy of the headers with redacted values replaced; undefined values are left out. */
export function redactHeaders(headers: HeaderMap, plan: RedactionPlan): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (plan.headers.has(lower)) out[name] = REDACTED;
    else if (URL_HEADERS.has(lower)) out[name] = typeof value === 'string' ? redactTarget(value, plan) : value.map((v) => redactTarget(v, plan));
    else out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

/** A request target (or any URL) with the values of redacted query parameters replaced. */
export function redactTarget(target: string, plan: RedactionPlan): string {
  const hash = target.indexOf('#');
  const fragment = hash === -1 ? '' : target.slice(hash);
  const beforeFragment = hash === -1 ? target : target.slice(0, hash);
  const question = beforeFragment.indexOf('?');
  if (question === -1) return target;
  return `${beforeFragment.slice(0, question + 1)}${redactParameters(beforeFragment.slice(question + 1), plan)}${fragment}`;
}

/** `a=1&token=x` with each redacted parameter's value replaced; everything else byte for byte. */
export function redactParameters(query: string, plan: RedactionPlan): string {
  if (plan.queryParameters.size === 0 || query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      return plan.queryParameters.has(decodeComponent(rawName).toLowerCase()) && equals !== -1 ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A redacted copy of a JSON value: every value a configured path selects is replaced. Paths
 * never add fields; a path that selects nothing changes nothing.
 */
export function redactJson(value: unknown, plan: RedactionPlan): { value: unknown; changed: boolean } {
  let current = value;
  let changed = false;
  for (const path of plan.jsonPaths) {
    const result = redactAt(current, path, 0);
    if (result.changed) {
      current = result.value;
      changed = true;
    }
  }
  return { value: current, changed };
}

function redactAt(value: unknown, path: readonly PathSegment[], depth: number): { value: unknown; changed: boolean } {
  const segment = path[depth];
  if (segment === undefined) return value === REDACTED ? { value, changed: false } : { value: REDACTED, changed: true };
  if (Array.isArray(value)) {
    if (segment.kind === 'key') return { value, changed: false };
    let copy: unknown[] | undefined;
    const indices = segment.kind === 'index' ? (segment.index < value.length ? [segment.index] : []) : value.keys();
    for (const index of indices) {
      const inner = redactAt(value[index], path, depth + 1);
      if (!inner.changed) continue;
      copy ??= [...value];
      copy[index] = inner.value;
    }
    return copy ? { value: copy, changed: true } : { value, changed: false };
  }
  if (value !== null && typeof value === 'object') {
    if (segment.kind === 'index') return { value, changed: false };
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    const keys = segment.kind === 'key' ? (Object.hasOwn(record, segment.name) ? [segment.name] : []) : Object.keys(record);
    for (const key of keys) {
      const inner = redactAt(record[key], path, depth + 1);
      if (!inner.changed) continue;
      copy ??= { ...record };
      copy[key] = inner.value;
    }
    return copy ? { value: copy, changed: true } : { value, changed: false };
  }
  return { value, changed: false };
}

/**
 * A redacted copy of a body (already content-decoded). JSON (by content type, or by shape when
 * there is none) gets the JSON paths; a form body gets the query-parameter names. Anything else
 * is returned as it is: free text cannot be redacted by path.
 */
export function redactBody(body: Buffer, contentType: string | undefined, plan: RedactionPlan): Buffer {
  if (body.length === 0) return body;
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('x-www-form-urlencoded')) {
    const text = body.toString('utf8');
    const redacted = redactParameters(text, plan);
    return redacted === text ? body : Buffer.from(redacted, 'utf8');
  }
  if (plan.jsonPaths.length === 0) return body;
  const looksJson = /[/+]json\b/.test(type) || ((type === '' || type.startsWith('text/')) && /^\s*[[{]/.test(body.subarray(0, 64).toString('latin1')));
  if (!looksJson || !isUtf8(body)) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const result = redactJson(parsed, plan);
  return result.changed ? Buffer.from(JSON.stringify(result.value), 'utf8') : body;
}

/**
 * Redacted copies of differences. A difference at or below a redacted JSON path has its values
 * replaced; one above it (a whole object that differs) has the path redacted inside its values;
 * one on a redacted header has its values replaced. Whole-body text differences that hold JSON
 * get the JSON paths too.
 */
export function redactDifferences(differences: readonly Difference[], plan: RedactionPlan): Difference[] {
  return differences.map((difference) => redactDifference(difference, plan));
}

function redactDifference(difference: Difference, plan: RedactionPlan): Difference {
  if (difference.path.startsWith('header:')) {
    const name = difference.path.slice('header:'.length).toLowerCase();
    if (plan.headers.has(name)) return replaceValues(difference, () => REDACTED);
    if (URL_HEADERS.has(name)) return replaceValues(difference, (v) => (typeof v === 'string' ? redactTarget(v, plan) : v));
    return difference;
  }
  // A line of a text body is body text: redacted as the whole body's excerpt is.
  if (difference.kind === 'line') return replaceValues(difference, (v) => (typeof v === 'string' ? redactParameters(redactJsonText(v, plan), plan) : v));
  if (!difference.path.startsWith('$')) return difference;
  let at: PathSegment[];
  try {
    at = parseJsonPath(difference.path);
  } catch {
    return difference;
  }
  if (difference.kind === 'body' && at.length === 0)
    return replaceValues(difference, (v) => (typeof v === 'string' ? redactParameters(redactJsonText(v, plan), plan) : v));
  let result = difference;
  for (const path of plan.jsonPaths) {
    if (!prefixMatches(path, at)) continue;
    if (path.length <= at.length) return replaceValues(difference, () => REDACTED);
    const rest = path.slice(at.length);
    result = replaceValues(result, (v) => redactAt(v, rest, 0).value);
  }
  return result;
}

/** Whether the redaction path and the concrete difference path agree on their common prefix. */
function prefixMatches(path: readonly PathSegment[], at: readonly PathSegment[]): boolean {
  const common = Math.min(path.length, at.length);
  for (let i = 0; i < common; i++) {
    const want = path[i]!;
    const got = at[i]!;
    if (want.kind === 'wildcard') continue;
    if (want.kind === 'key' && got.kind === 'key' && want.name === got.name) continue;
    if (want.kind === 'index' && got.kind === 'index' && want.index === got.index) continue;
    return false;
  }
  return true;
}

function replaceValues(difference: Difference, replace: (value: unknown) => unknown): Difference {
  const out: Difference = { ...difference };
  if ('primary' in difference) out.primary = replace(difference.primary);
  if ('candidate' in difference) out.candidate = replace(difference.candidate);
  return out;
}

function redactJsonText(text: string, plan: RedactionPlan): string {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    const result = redactJson(JSON.parse(text), plan);
    return result.changed ? JSON.stringify(result.value) : text;
  } catch {
    return text;
  }
}
