/**
 * The values a request carries, each with the scope it names, and the request rewritten with some
 * of them replaced. Pure. One walk serves translation (before a mirrored request goes to the
 * candidate), ordering (which earlier requests a request depends on) and divergence (which values
 * a failed write touched).
 *
 * Where values are looked for, always whole:
 * - path segments (percent-decoded), scoped by the segment before (`/customers/42`: `42` under `customer`);
 * - query and `application/x-www-form-urlencoded` values, scoped by their name (`customer_id`,
 *   `customer`; `id` by the collection the path addresses);
 * - JSON body values, scoped by their key the same way (array elements by the array's key);
 * - `Authorization` and `Proxy-Authorization` credentials (`Bearer <token>`, `Token <token>`, any
 *   scheme but Basic), cookie values (scoped by the cookie's name), and any other header's whole
 *   value (an API key).
 *
 * Untouched parts of the request are sent byte for byte as they came; a rewritten JSON body is
 * serialised again (and its Content-Length set), a rewritten query or form keeps every other
 * parameter as it was.
 */
import { headerValue } from '../compare/headers.js';
import { alignSegments, decodeSegment } from '../record/match.js';
import { collectionOf, identifierKey, isJwt, isScalar, scopeOfParent, singular, STRONG_STRING_LENGTH, type Scalar } from './identifiers.js';

export interface RequestLike {
  method: string;
  /** Path and query. */
  target: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** Where a value sits: `path`, `query`, `body`, `header`, `cookie`. */
export type SlotKind = 'path' | 'query' | 'body' | 'header' | 'cookie';

/**
 * Returns the replacement for a value, or undefined to keep it. `identifier`: the value sits where
 * identifiers do (a path parameter, an identifier key, a credential, or a value that looks made
 * up), as opposed to any value that merely could be one (a name, a page number).
 */
export type SlotVisitor = (value: Scalar, scope: string | undefined, kind: SlotKind, identifier: boolean) => Scalar | undefined;

export interface RequestSlot {
  value: Scalar;
  scope: string | undefined;
  kind: SlotKind;
  identifier: boolean;
}

export interface WalkContext {
  /** The endpoint's template when a spec names it (`/customers/{customer_id}`): its literal segments are never values. */
  template?: string;
  /** Extra identifier keys (lower-case), from the workspace. */
  extraKeys?: ReadonlySet<string>;
}

export interface WalkOptions {
  /** Which header values to look at: all (the default), or only the credentials (CREDENTIAL_HEADERS). */
  headers?: 'all' | 'credentials';
}

/** Request headers that carry credentials: a token (inside its scheme), session cookies, an API key. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token']);

/** Headers whose values are never identifiers: not looked at. */
const NOT_VALUES = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'cache-control',
  'pragma',
  'origin',
  'referer',
  'connection',
  'host',
  'te',
  'upgrade-insecure-requests',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
  'date',
]);

/**
 * Visit every value of the request; where the visitor answers a replacement, the returned request
 * has it. `replaced` counts the replacements; the request is the same object when there are none.
 */
export function walkRequest(
  request: RequestLike,
  visit: SlotVisitor,
  context: WalkContext = {},
  options: WalkOptions = {},
): { request: RequestLike; replaced: number } {
  let replaced = 0;
  // Only query and body values need the addressed collection (for `id`): most GETs have neither.
  let collection: string | undefined | null = null;
  const collectionNow = () => (collection === null ? (collection = collectionOf(request.target, context.template)) : collection);
  const count: SlotVisitor = (value, scope, kind, identifier) => {
    const out = visit(value, scope, kind, identifier);
    if (out === undefined || out === value) return undefined;
    replaced += 1;
    return out;
  };

  const queryStart = request.target.indexOf('?');
  const path = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const query = queryStart === -1 ? undefined : request.target.slice(queryStart + 1);
  const newPath = walkPath(path, context.template, count);
  const newQuery = query === undefined ? undefined : walkPairs(query, collectionNow(), context, count, 'query');
  const target = newQuery === undefined ? newPath : `${newPath}?${newQuery}`;

  let headers = request.headers;
  let headersCopied = false;
  const setHeader = (name: string, value: string) => {
    if (!headersCopied) {
      headers = { ...headers };
      headersCopied = true;
    }
    headers[name] = value;
  };
  const credentialsOnly = options.headers === 'credentials';
  for (const name in request.headers) {
    const value = request.headers[name]!;
    const lower = name.toLowerCase();
    if (NOT_VALUES.has(lower) || (credentialsOnly && !CREDENTIAL_HEADERS.has(lower))) continue;
    const changed =
      lower === 'cookie'
        ? walkCookies(value, count)
        : lower === 'authorization' || lower === 'proxy-authorization'
          ? walkAuthorization(value, count)
          : walkHeader(lower, value, count);
    if (changed !== undefined) setHeader(name, changed);
  }

  let body = request.body;
  if (body !== null && body.length > 0) {
    const contentType = (headerValue(request.headers, 'content-type') ?? '').toLowerCase();
    let text: string | undefined;
    if (/[/+]json\b/.test(contentType)) {
      const parsed = parseJson(body);
      if (parsed.ok) {
        const before = replaced;
        const value = walkJson(parsed.value, undefined, undefined, collectionNow(), context, count);
        if (replaced > before) text = JSON.stringify(value);
      }
    } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
      const form = walkPairs(body.toString('utf8'), collectionNow(), context, count, 'body', true);
      if (form !== body.toString('utf8')) text = form;
    }
    if (text !== undefined) {
      body = Buffer.from(text, 'utf8');
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') setHeader(name, String(body.length));
    }
  }
  if (replaced === 0) return { request, replaced };
  return { request: { ...request, target, headers, body }, replaced };
}

/** Slots already listed, per request object and walk context: one mirrored request is listed for learning and divergence. */
const listed = new WeakMap<RequestLike, { context: WalkContext; slots: RequestSlot[] }>();

/** Every value of the request with its scope (for learning and divergence). Callers do not change the list. */
export function requestValues(request: RequestLike, context: WalkContext = {}): RequestSlot[] {
  const memo = listed.get(request);
  if (memo && memo.context === context) return memo.slots;
  const found = collectSlots(request, context, {});
  listed.set(request, { context, slots: found });
  return found;
}

/**
 * The identifiers a request names in its path, query, body and credentials (a token or a session
 * cookie an earlier login handed out), not in its other headers: what ordering keys on.
 */
export function namedIdentifiers(request: RequestLike, context: WalkContext = {}): RequestSlot[] {
  // An API key header is most often one key for all of a client's traffic, not a session: ordering on it would serialise everything.
  return collectSlots(request, context, { headers: 'credentials' }).filter((slot) => slot.identifier && !slot.scope?.startsWith('header:'));
}

function collectSlots(request: RequestLike, context: WalkContext, options: WalkOptions): RequestSlot[] {
  const found: RequestSlot[] = [];
  walkRequest(
    request,
    (value, scope, kind, identifier) => {
      found.push({ value, scope, kind, identifier });
      return undefined;
    },
    context,
    options,
  );
  return found;
}

/** A value that looks made up wherever it is: a JWT, or a string of 8 or more characters with a digit and no space (`cus_9f2c...`, a UUID). */
export function looksLikeIdentifier(value: Scalar): boolean {
  if (typeof value !== 'string') return false;
  return isJwt(value) || (value.length >= STRONG_STRING_LENGTH && /\d/.test(value) && !/\s/.test(value));
}

function walkPath(path: string, template: string | undefined, visit: SlotVisitor): string {
  const segments = path.split('/');
  const literal = template === undefined ? undefined : templateLiterals(template, segments.filter((segment) => segment !== '').length);
  let changed = false;
  let previousWord: string | undefined;
  let index = 0;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    if (raw === '') continue;
    const position = index++;
    const decoded = raw.includes('%') ? decodeSegment(raw) : raw;
    // A spec's literal segments (`customers`, `invoices`) are the route, never values.
    if (literal?.[position] === true) {
      previousWord = singular(decoded);
      continue;
    }
    // Without a template, a segment is a parameter when it looks made up: a number, or an id-looking string.
    const identifier = literal !== undefined || /^\d+$/.test(decoded) || looksLikeIdentifier(decoded);
    const replacement = visit(decoded, previousWord, 'path', identifier);
    if (replacement !== undefined) {
      segments[i] = encodeURIComponent(String(replacement));
      changed = true;
    }
    previousWord = /^[A-Za-z][A-Za-z_-]*$/.test(decoded) ? singular(decoded) : previousWord;
  }
  return changed ? segments.join('/') : path;
}

/** Per segment of a path of `count` segments: true where the template has a literal (a catch-all spans several); undefined when the path does not fit it. */
function templateLiterals(template: string, count: number): boolean[] | undefined {
  const parts = template
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => ({ literal: !segment.includes('{'), ...(/^\{\w+\*\}$/.test(segment) && { catchAll: segment }) }));
  return alignSegments(parts, count)?.map((part) => part.literal);
}

/** `a=1&b=2` (a query, or a form body with `+` for spaces): values visited, scoped by their names. */
function walkPairs(text: string, collection: string | undefined, context: WalkContext, visit: SlotVisitor, kind: SlotKind, form = false): string {
  const parts = text.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = decode(part.slice(0, eq), form);
    const value = decode(part.slice(eq + 1), form);
    if (value === '') continue;
    const key = name.replace(/\[\]$/, '');
    const identifier = identifierKey(key, context.extraKeys) !== undefined || looksLikeIdentifier(value);
    const replacement = visit(value, scopeOfKey(key, undefined, collection, context), kind, identifier);
    if (replacement !== undefined) {
      parts[i] = `${part.slice(0, eq)}=${encodeURIComponent(String(replacement))}`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : text;
}

function walkJson(
  value: unknown,
  key: string | undefined,
  parentKey: string | undefined,
  collection: string | undefined,
  context: WalkContext,
  visit: SlotVisitor,
): unknown {
  if (isScalar(value)) {
    const identifier = (key !== undefined && identifierKey(key, context.extraKeys) !== undefined) || looksLikeIdentifier(value);
    const replacement = visit(value, key === undefined ? collection : scopeOfKey(key, parentKey, collection, context), 'body', identifier);
    return replacement === undefined ? value : replacement;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walkJson(value[i], key, parentKey, collection, context, visit);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const child of Object.keys(object)) object[child] = walkJson(object[child], child, key, collection, context, visit);
    return object;
  }
  return value;
}

/**
 * The scope a value under `key` names: an identifier key's own (`customer_id`: `customer`), else
 * for `id` the parent's (`$.customer.id`) or the addressed collection's; any other key names
 * itself (`customer`: a reference to a customer; `page`: nothing ever learned).
 */
export function scopeOfKey(key: string, parentKey: string | undefined, collection: string | undefined, context: WalkContext = {}): string | undefined {
  const identifier = identifierKey(key, context.extraKeys);
  if (!identifier) return singular(key);
  return identifier.scope ?? scopeOfParent(parentKey) ?? collection;
}

function walkCookies(header: string, visit: SlotVisitor): string | undefined {
  const pairs = header.split(';');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    if (raw === '') continue;
    const replacement = visit(raw, `cookie:${name}`, 'cookie', true);
    if (replacement !== undefined) {
      pairs[i] = `${pair.slice(0, eq + 1)}${String(replacement)}`;
      changed = true;
    }
  }
  return changed ? pairs.join(';') : undefined;
}

function walkAuthorization(value: string, visit: SlotVisitor): string | undefined {
  const space = value.indexOf(' ');
  // Basic credentials are the client's own user and password, the same on both sides.
  if (space !== -1 && value.slice(0, space).toLowerCase() === 'basic') return undefined;
  if (space === -1) {
    const replacement = visit(value, 'token', 'header', true);
    return replacement === undefined ? undefined : String(replacement);
  }
  const credentials = value.slice(space + 1).trim();
  const replacement = visit(credentials, 'token', 'header', true);
  return replacement === undefined ? undefined : `${value.slice(0, space)} ${String(replacement)}`;
}

function walkHeader(name: string, value: string, visit: SlotVisitor): string | undefined {
  const replacement = visit(value, `header:${name}`, 'header', looksLikeIdentifier(value));
  return replacement === undefined ? undefined : String(replacement);
}

/** A query or form value, percent-decoded; in a form body `+` is a space. */
function decode(text: string, form = false): string {
  return decodeSegment(form ? text.replace(/\+/g, ' ') : text);
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** Methods that change nothing on the server (RFC 9110's safe methods). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** A request that may change what later requests see: every method but the safe ones. */
export function isWrite(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}
