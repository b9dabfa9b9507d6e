/**
 * Learning pairs from two answers to the same request: where the primary said `cus_P` and the
 * candidate `cus_C` for one made-up thing, `cus_P -> cus_C`. Pure.
 *
 * Only values that are identifiers by position (an identifier key, a JWT, a `Location` path
 * segment, a `Set-Cookie` value) are learned, and only when the evidence says the two values are
 * two names for one new thing, not a real difference:
 * - both sides succeeded the same way (the same status class, below 400): a 201 against a 400
 *   created nothing on one side;
 * - the primary's value does not appear in the request: the client did not name it, this call made
 *   it up (a wrong `customer_id` echoed back is a bug, not a pair);
 * - neither value appears on the other side's answer at an identifier position: two lists of the
 *   same seeded things in another order are an order difference, not pairs;
 * - a derived identifier (a slug) differs the way random suffixes do (`looksGenerated`).
 * The map then keeps pairs one-to-one (src/correlate/map.ts).
 */
import { liftBody, type ResponseData } from '../compare/response.js';
import { cookiesSet, headerValue } from '../compare/headers.js';
import { formatConcrete } from '../compare/json.js';
import { parseJsonPath, type PathSegment } from '../jsonpath.js';
import { decodeSegment, targetPath } from '../record/match.js';
import { isIsoDate, isUnixTimestamp, pathMatches } from '../record/volatile.js';
import { collectionOf, identifierKey, isJwt, isScalar, isStrong, looksGenerated, scopeOfParent, singular, type Scalar } from './identifiers.js';
import type { CorrelationPair } from './map.js';
import { requestValues, type RequestLike, type WalkContext } from './request.js';

/** The endpoint's template and identifier keys (WalkContext), and more identifier positions. */
export interface LearnContext extends WalkContext {
  /** More identifier positions for this endpoint (a spec's volatile id fields), as JSONPaths. */
  idPaths?: readonly string[];
}

export interface LearnInput {
  request: RequestLike;
  primary: ResponseData;
  other: ResponseData;
  /** One object per endpoint, reused: what is derived from it is computed once. */
  context?: LearnContext;
}

const NO_CONTEXT: LearnContext = {};
const parsedIdPaths = new WeakMap<LearnContext, PathSegment[][]>();

function idPathsOf(context: LearnContext): PathSegment[][] {
  let parsed = parsedIdPaths.get(context);
  if (!parsed) parsedIdPaths.set(context, (parsed = (context.idPaths ?? []).map((path) => parseJsonPath(path))));
  return parsed;
}

interface Leaf {
  value: Scalar;
  /** Keys and indices from the root. */
  path: (string | number)[];
}

/** Response headers whose values are paths naming what the request made. */
const LOCATION_HEADERS = ['location', 'content-location'];

export function learnPairs(input: LearnInput): CorrelationPair[] {
  const { primary, other, request } = input;
  if (primary.status >= 400 || other.status >= 400 || Math.floor(primary.status / 100) !== Math.floor(other.status / 100)) return [];
  const context = input.context ?? NO_CONTEXT;
  const endpoint = `${request.method} ${context.template ?? targetPath(request.target)}`;
  const collection = collectionOf(request.target, context.template);
  const sent = requestValues(request, context);
  const sentValues = new Set(sent.map((slot) => String(slot.value)));
  let sentWords: Set<string> | undefined;
  const wordsSent = () =>
    (sentWords ??= new Set(
      sent.flatMap((slot) =>
        String(slot.value)
          .toLowerCase()
          .split(/[^a-z0-9]+/),
      ),
    ));
  const pairs: CorrelationPair[] = [];
  const seen = new Set<string>();
  const add = (pair: CorrelationPair) => {
    const key = `${pair.scope ?? ''}\u0000${String(pair.primary)}`;
    if (seen.has(key) || sentValues.has(String(pair.primary))) return;
    seen.add(key);
    pairs.push(pair);
  };

  for (const name of LOCATION_HEADERS) {
    const a = headerValue(primary.headers, name);
    const b = headerValue(other.headers, name);
    if (a === undefined || b === undefined || a === b) continue;
    for (const pair of locationPairs(a, b)) add({ ...pair, source: `${endpoint} header:${name}` });
  }
  for (const [name, [a, b]] of cookiePairs(primary.headers, other.headers)) {
    add({ primary: a, other: b, scope: isStrong(a) ? undefined : `cookie:${name}`, source: `${endpoint} cookie:${name}` });
  }

  const liftedPrimary = liftBody(primary);
  const liftedOther = liftBody(other);
  if (liftedPrimary.kind !== 'json' || liftedOther.kind !== 'json') return pairs;
  const idPaths = idPathsOf(context);
  const isIdentifierPath = (path: readonly (string | number)[]) => idPaths.length > 0 && idPaths.some((pattern) => pathMatches(pattern, path));
  const primaryValues = identifierValues(liftedPrimary.value, context.extraKeys, isIdentifierPath);
  const otherValues = identifierValues(liftedOther.value, context.extraKeys, isIdentifierPath);
  for (const [a, b] of alignedLeaves(liftedPrimary.value, liftedOther.value)) {
    if (a.value === b.value) continue;
    const key = lastKey(a.path);
    const identifier = key === undefined ? undefined : identifierKey(key, context.extraKeys);
    const jwt = isJwt(a.value) && isJwt(b.value);
    // A position named only by a spec's volatile fields may hold a clock: a timestamp or a date is never an identifier.
    const byPath = identifier === undefined && isIdentifierPath(a.path) && !isClock(a.value) && !isClock(b.value);
    if (!identifier && !jwt && !byPath) continue;
    if (identifier?.tier === 'derived' && !(typeof a.value === 'string' && typeof b.value === 'string' && looksGenerated(a.value, b.value, wordsSent())))
      continue;
    if (otherValues.has(String(a.value)) || primaryValues.has(String(b.value))) continue;
    const scope = jwt ? 'token' : (identifier?.scope ?? scopeOfParent(parentKey(a.path)) ?? collection);
    add({ primary: a.value, other: b.value, scope: isStrong(a.value) ? undefined : scope, source: `${endpoint} ${formatPath(a.path)}` });
  }
  return pairs;
}

/**
 * The identifiers one answer made up: values at identifier positions of its JSON body, the
 * made-up segments of its `Location`, the values of its `Set-Cookie`, none of which the request
 * named. What a write produces, so that later requests using them wait for it (ordering) and
 * follow its fate (divergence). `own`: the value names what the request wrote (its collection's
 * id, a Location, a session cookie or token), not another thing it refers to (`userId` in a post).
 */
export function producedValues(input: Omit<LearnInput, 'other'>): { value: Scalar; scope: string | undefined; own: boolean }[] {
  const { primary, request } = input;
  if (primary.status >= 400) return [];
  const context = input.context ?? NO_CONTEXT;
  const collection = collectionOf(request.target, context.template);
  const sentValues = new Set(requestValues(request, context).map((slot) => String(slot.value)));
  const out = new Map<string, { value: Scalar; scope: string | undefined; own: boolean }>();
  const add = (value: Scalar, scope: string | undefined, own = true) => {
    if (sentValues.has(String(value))) return;
    const entry = { value, scope: isStrong(value) ? undefined : scope, own };
    out.set(`${entry.scope ?? ''}\u0000${String(value)}`, entry);
  };
  for (const name of LOCATION_HEADERS) {
    const location = headerValue(primary.headers, name);
    if (location === undefined) continue;
    let previousWord: string | undefined;
    for (const raw of pathOf(location).split('/')) {
      const segment = decodeSegment(raw);
      if (segment === '') continue;
      if (/^\d+$/.test(segment) || isStrong(segment)) add(segment, previousWord);
      if (/^[A-Za-z][A-Za-z_-]*$/.test(segment)) previousWord = singular(segment);
    }
  }
  for (const [name, value] of cookiesSet(primary.headers)) if (value !== '') add(value, `cookie:${name}`);
  const lifted = liftBody(primary);
  if (lifted.kind !== 'json') return [...out.values()];
  const idPaths = idPathsOf(context);
  const walk = (value: unknown, key: string | undefined, parent: string | undefined, path: (string | number)[]) => {
    if (isScalar(value)) {
      const identifier = key === undefined ? undefined : identifierKey(key, context.extraKeys);
      if (isJwt(value)) add(value, 'token');
      else if (idPaths.some((pattern) => pathMatches(pattern, path)) && !isClock(value)) add(value, identifier?.scope ?? scopeOfParent(parent) ?? collection);
      else if (identifier) {
        const scope = identifier.scope ?? scopeOfParent(parent) ?? collection;
        add(value, scope, scope === collection);
      }
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, key, parent, [...path, i]));
    else if (isObject(value)) for (const [child, item] of Object.entries(value)) walk(item, child, key, [...path, child]);
  };
  walk(lifted.value, undefined, undefined, []);
  return [...out.values()];
}

/** `/customers/cus_P` against `/customers/cus_C` (absolute URLs too): the segments that differ, when the rest is the same. */
function locationPairs(a: string, b: string): Omit<CorrelationPair, 'source'>[] {
  const segmentsA = pathOf(a).split('/');
  const segmentsB = pathOf(b).split('/');
  if (segmentsA.length !== segmentsB.length) return [];
  const out: Omit<CorrelationPair, 'source'>[] = [];
  let previousWord: string | undefined;
  for (let i = 0; i < segmentsA.length; i++) {
    const x = decodeSegment(segmentsA[i]!);
    const y = decodeSegment(segmentsB[i]!);
    if (x !== y) {
      // The same path but for made-up values: a differing word is a different place, not a pair.
      if (/^[A-Za-z][A-Za-z_-]*$/.test(x) && /^[A-Za-z][A-Za-z_-]*$/.test(y) && !looksGenerated(x, y)) return [];
      out.push({ primary: x, other: y, scope: isStrong(x) ? undefined : previousWord });
    }
    if (/^[A-Za-z][A-Za-z_-]*$/.test(x)) previousWord = singular(x);
  }
  return out;
}

function pathOf(location: string): string {
  let path = location;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    try {
      path = new URL(location).pathname;
    } catch {
      return location;
    }
  }
  return targetPath(path);
}

/** Cookie name -> [primary value, other value], for cookies both sides set to different values. */
function cookiePairs(primary: ResponseData['headers'], other: ResponseData['headers']): Map<string, [string, string]> {
  const a = cookiesSet(primary);
  const b = cookiesSet(other);
  const out = new Map<string, [string, string]>();
  for (const [name, value] of a) {
    const theirs = b.get(name);
    // An emptied cookie is a logout, not a value.
    if (theirs !== undefined && theirs !== value && value !== '' && theirs !== '') out.set(name, [value, theirs]);
  }
  return out;
}

/** Scalar leaves at the same place in both values (objects by key, arrays by index up to the shorter). */
function alignedLeaves(a: unknown, b: unknown): [Leaf, Leaf][] {
  const out: [Leaf, Leaf][] = [];
  const walk = (x: unknown, y: unknown, path: (string | number)[]) => {
    if (isScalar(x) && isScalar(y)) {
      out.push([
        { value: x, path },
        { value: y, path },
      ]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], [...path, i]);
      return;
    }
    if (isObject(x) && isObject(y)) {
      for (const key of Object.keys(x)) if (Object.hasOwn(y, key)) walk(x[key], y[key], [...path, key]);
    }
  };
  walk(a, b, []);
  return out;
}

/** The values a body holds at identifier positions, and every string it holds, as text. */
function identifierValues(root: unknown, extraKeys: ReadonlySet<string> | undefined, isIdentifierPath: (path: (string | number)[]) => boolean): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, key: string | undefined, path: (string | number)[]) => {
    if (typeof value === 'string') out.add(value);
    else if (typeof value === 'number' && ((key !== undefined && identifierKey(key, extraKeys)) || isIdentifierPath(path))) out.add(String(value));
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, key, [...path, i]));
    else if (isObject(value)) for (const [child, item] of Object.entries(value)) walk(item, child, [...path, child]);
  };
  walk(root, undefined, []);
  return out;
}

function isClock(value: Scalar): boolean {
  return typeof value === 'number' ? isUnixTimestamp(value, Date.now()) : isIsoDate(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lastKey(path: readonly (string | number)[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

/** The key above the leaf's own key (indices skipped): `customer` for `$.customer.id`, `data` for `$.data[0].id`. */
function parentKey(path: readonly (string | number)[]): string | undefined {
  let seenOwn = false;
  for (let i = path.length - 1; i >= 0; i--) {
    if (typeof path[i] !== 'string') continue;
    if (seenOwn) return path[i] as string;
    seenOwn = true;
  }
  return undefined;
}

function formatPath(path: readonly (string | number)[]): string {
  return formatConcrete(path.map((step) => (typeof step === 'number' ? { kind: 'index', index: step } : { kind: 'key', name: step })));
}
