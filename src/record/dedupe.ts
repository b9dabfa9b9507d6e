/**
 * When two exchanges (or an exchange and an existing example) demonstrate the same thing: same
 * method, same endpoint, same status and the same response *shape*. Values differ between calls
 * (another id, another email); the structure is what a new example would add.
 */
import { canonicalJson } from '../hash.js';
import type { LoadedSpec } from '../spec/load.js';
import type { Example, Expectation } from '../spec/schema.js';

const OMIT = Symbol('omit');

/** Keys, value types, arrays by the distinct shapes of their elements; integers and other numbers alike. */
export function jsonShape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return arrayShape(value.map(jsonShape));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonShape(v)]));
  }
  return typeof value === 'bigint' ? 'number' : typeof value;
}

function arrayShape(items: readonly unknown[]): unknown {
  const distinct = [...new Set(items.map((item) => canonicalJson(item)))].sort();
  return ['array', ...distinct];
}

function isMatcher(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** The shape of the responses an expected value admits, matchers read as the type they imply. */
export function expectedShape(value: unknown): unknown {
  if (isMatcher(value)) {
    if ('$absent' in value || '$ignore' in value) return OMIT;
    if ('$type' in value) return value.$type === 'integer' ? 'number' : value.$type;
    if ('$number' in value) return 'number';
    if ('$unordered' in value) return Array.isArray(value.$unordered) ? arrayShape(value.$unordered.map(expectedShape).filter((s) => s !== OMIT)) : 'array';
    return 'string';
  }
  if (Array.isArray(value)) return arrayShape(value.map(expectedShape).filter((s) => s !== OMIT));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, expectedShape(v)] as const);
    return Object.fromEntries(entries.filter(([, s]) => s !== OMIT));
  }
  return jsonShape(value);
}

/** The media type of a content-type value, lower case without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  return media === '' ? undefined : media;
}

export function isJsonMediaType(media: string | undefined): boolean {
  return media !== undefined && (media === 'application/json' || media.endsWith('+json'));
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A non-JSON response is shaped by its content type; an empty one by having none. */
export function textShape(media: string | undefined): string {
  return `text:${media ?? '?'}`;
}

export const EMPTY_SHAPE = 'empty';

export function dedupeKey(method: string, spec: LoadedSpec, status: number, shape: unknown): string {
  return [method.toUpperCase(), spec.file, status, canonicalJson(shape)].join('\u0000');
}

/** The keys an existing example occupies: one per acceptable status of its last step's expectations. */
export function exampleKeys(example: Example, spec: LoadedSpec): string[] {
  const last = example.steps ? example.steps[example.steps.length - 1] : example;
  const request = last?.request;
  if (!request) return [];
  const keys: string[] = [];
  for (const expectation of [last.expect, last.expect_legacy]) {
    if (expectation?.status === undefined) continue;
    const shape = expectationShape(expectation);
    for (const status of [expectation.status].flat()) keys.push(dedupeKey(request.method, spec, status, shape));
  }
  return keys;
}

function expectationShape(expectation: Expectation): unknown {
  if (expectation.json !== undefined) return expectedShape(expectation.json);
  const header = Object.entries(expectation.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (typeof header === 'string') return textShape(mediaType(header));
  if (isMatcher(header) && typeof header.$regex === 'string') {
    // The recorder writes `{$regex: "^text/html"}`: read the media type back out of it.
    return textShape(header.$regex.replace(/^\^/, '').replace(/\\(.)/g, '$1'));
  }
  return expectation.body !== undefined ? textShape(undefined) : EMPTY_SHAPE;
}
