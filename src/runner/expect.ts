/**
 * Checking a response against an example's expectation: status, headers, a JSON body with
 * `$`-matchers (see src/spec/matchers.ts for the forms), or a text body. Pure.
 *
 * Objects are matched partially (fields the expectation does not name are not checked); arrays
 * exactly, element by element, unless `$unordered`. Every mismatch carries the JSONPath where it
 * happened and what was expected versus given, so a failure reads without opening the response.
 */
import { decodedBody, headerValue, liftBody, type ResponseData } from '../compare/response.js';
import type { Expectation } from '../spec/schema.js';

export interface Mismatch {
  /** `status`, `header:<name>`, `body`, or a JSONPath into the JSON body such as `$.data[0].id`. */
  path: string;
  /** What the expectation asked for, in words or as the literal value. */
  expected: unknown;
  /** What the response had; absent when the field was missing. */
  actual?: unknown;
  message: string;
}

export function checkResponse(expectation: Expectation, response: ResponseData): Mismatch[] {
  const mismatches: Mismatch[] = [];
  if (expectation.status !== undefined) {
    const allowed = Array.isArray(expectation.status) ? expectation.status : [expectation.status];
    if (!allowed.includes(response.status)) {
      const expected = allowed.length === 1 ? allowed[0] : allowed;
      mismatches.push({
        path: 'status',
        expected,
        actual: response.status,
        message: `expected ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`}, got ${response.status}`,
      });
    }
  }
  for (const [name, expected] of Object.entries(expectation.headers ?? {})) {
    const actual = headerValue(response.headers, name);
    mismatches.push(...matchValue(expected, actual, `header:${name.toLowerCase()}`, actual !== undefined));
  }
  if (expectation.json !== undefined || expectation.body !== undefined) {
    const body = liftBody(response);
    if (expectation.json !== undefined) {
      if (body.kind === 'json') mismatches.push(...matchValue(expectation.json, body.value, '$', true));
      else {
        mismatches.push({
          path: '$',
          expected: 'a JSON body',
          actual: body.kind === 'none' ? 'no body' : body.kind === 'text' ? truncate(body.value) : `${body.value.length} bytes`,
          message: `expected a JSON body, got ${body.kind === 'none' ? 'no body' : `${contentType(response) ?? 'no content-type'}`}`,
        });
      }
    }
    if (expectation.body !== undefined) {
      if (body.kind === 'bytes')
        mismatches.push({ path: 'body', expected: expectation.body, actual: 'binary body', message: 'expected a text body, got bytes' });
      else mismatches.push(...matchValue(expectation.body, decodedBody(response).toString('utf8'), 'body', true));
    }
  }
  return mismatches;
}

/** Whether `expected` is a matcher (a non-empty mapping whose keys all start with `$`). */
export function isMatcher(expected: unknown): expected is Record<string, unknown> {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return false;
  const keys = Object.keys(expected);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Mismatches of `actual` (at `path`; `present` false when the field is missing) against `expected`. */
export function matchValue(expected: unknown, actual: unknown, path: string, present: boolean): Mismatch[] {
  if (isMatcher(expected)) return matchMatcher(expected, actual, path, present);
  if (!present) return [{ path, expected, message: `expected ${describe(expected)}, but the field is missing` }];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [typeMismatch(path, expected, actual)];
    if (actual.length !== expected.length) {
      return [
        { path, expected: `${expected.length} items`, actual: `${actual.length} items`, message: `expected ${expected.length} items, got ${actual.length}` },
      ];
    }
    return expected.flatMap((item, i) => matchValue(item, actual[i], `${path}[${i}]`, true));
  }
  if (expected !== null && typeof expected === 'object') {
    if (!isPlainObject(actual)) return [typeMismatch(path, expected, actual)];
    return Object.entries(expected).flatMap(([key, item]) => matchValue(item, actual[key], childPath(path, key), Object.hasOwn(actual, key)));
  }
  if (Object.is(expected, actual) || expected === actual) return [];
  return [{ path, expected, actual, message: `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}` }];
}

function matchMatcher(matcher: Record<string, unknown>, actual: unknown, path: string, present: boolean): Mismatch[] {
  if ('$ignore' in matcher) return [];
  if ('$absent' in matcher)
    return present ? [{ path, expected: 'absent', actual, message: `expected the field to be absent, got ${JSON.stringify(actual)}` }] : [];
  const wanted = describeMatcher(matcher);
  if (!present) return [{ path, expected: wanted, message: `expected ${wanted}, but the field is missing` }];
  const fail = (): Mismatch[] => [{ path, expected: wanted, actual, message: `expected ${wanted}, got ${JSON.stringify(actual)}` }];
  if ('$type' in matcher) return jsonType(actual, matcher.$type as string) ? [] : fail();
  if ('$regex' in matcher) return typeof actual === 'string' && new RegExp(matcher.$regex as string, 'u').test(actual) ? [] : fail();
  if ('$uuid' in matcher) return typeof actual === 'string' && UUID.test(actual) ? [] : fail();
  if ('$iso_date' in matcher) return typeof actual === 'string' && ISO_DATE.test(actual) && !Number.isNaN(Date.parse(actual)) ? [] : fail();
  if ('$number' in matcher) {
    const tolerance = typeof matcher.$tolerance === 'number' ? matcher.$tolerance : 0;
    return typeof actual === 'number' && Math.abs(actual - (matcher.$number as number)) <= tolerance + Number.EPSILON * Math.abs(actual) ? [] : fail();
  }
  if ('$unordered' in matcher) return matchUnordered(matcher.$unordered as unknown[], actual, path);
  throw new Error(`unknown matcher ${Object.keys(matcher).join(', ')} (the spec schema should have rejected it)`);
}

/** Each expected item must match a different actual item: a maximum bipartite matching. */
function matchUnordered(expected: readonly unknown[], actual: unknown, path: string): Mismatch[] {
  if (!Array.isArray(actual)) return [typeMismatch(path, expected, actual)];
  if (actual.length !== expected.length) {
    return [
      {
        path,
        expected: `${expected.length} items in any order`,
        actual: `${actual.length} items`,
        message: `expected ${expected.length} items, got ${actual.length}`,
      },
    ];
  }
  const fits = expected.map((item) => actual.map((candidate) => matchValue(item, candidate, path, true).length === 0));
  const ownerOf = new Array<number>(actual.length).fill(-1);
  const assign = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (!fits[e]![a] || seen[a]) continue;
      seen[a] = true;
      if (ownerOf[a] === -1 || assign(ownerOf[a]!, seen)) {
        ownerOf[a] = e;
        return true;
      }
    }
    return false;
  };
  const unmatched = expected.filter((_, e) => !assign(e, new Array<boolean>(actual.length).fill(false)));
  if (unmatched.length === 0) return [];
  return [
    {
      path,
      expected: unmatched,
      actual,
      message: `expected these items in any order, but ${unmatched.length === 1 ? 'this one has' : 'these have'} no match: ${JSON.stringify(unmatched)}`,
    },
  ];
}

function jsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return false;
  }
}

function describeMatcher(matcher: Record<string, unknown>): string {
  if ('$type' in matcher) return `any ${String(matcher.$type)}`;
  if ('$regex' in matcher) return `a string matching /${String(matcher.$regex)}/`;
  if ('$uuid' in matcher) return 'a UUID';
  if ('$iso_date' in matcher) return 'an ISO 8601 date';
  if ('$number' in matcher) return typeof matcher.$tolerance === 'number' ? `${String(matcher.$number)} ± ${matcher.$tolerance}` : String(matcher.$number);
  if ('$unordered' in matcher) return `${JSON.stringify(matcher.$unordered)} in any order`;
  return JSON.stringify(matcher);
}

function describe(expected: unknown): string {
  return JSON.stringify(expected);
}

function typeMismatch(path: string, expected: unknown, actual: unknown): Mismatch {
  const want = Array.isArray(expected) ? 'an array' : 'an object';
  return { path, expected, actual, message: `expected ${want}, got ${actual === null ? 'null' : Array.isArray(actual) ? 'an array' : typeof actual}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function childPath(parent: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `${parent}.${key}` : `${parent}['${key.replace(/[\\']/g, '\\$&')}']`;
}

function contentType(response: ResponseData): string | undefined {
  return headerValue(response.headers, 'content-type');
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
