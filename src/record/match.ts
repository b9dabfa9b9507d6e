/**
 * Which spec a recorded request belongs to: its method and path against every spec's endpoint
 * template. Recorded traffic is concrete (`/customers/cus_1/invoices`); specs are templates
 * (`/customers/{customer_id}/invoices`), so this is routing done backwards.
 */
import type { LoadedSpec } from '../spec/load.js';
import { volatileMatcher } from './volatile.js';
import { ANY_METHOD } from '../spec/schema.js';

export interface EndpointMatch {
  spec: LoadedSpec;
  /** Path parameter values by name, percent-decoded. */
  params: Record<string, string>;
}

/** The path of a request target, without query string or fragment. */
export function targetPath(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** The query string of a request target, without the "?". */
export function targetQuery(target: string): string {
  const path = targetPath(target);
  const rest = target.slice(path.length);
  if (!rest.startsWith('?')) return '';
  const hash = rest.indexOf('#');
  return hash === -1 ? rest.slice(1) : rest.slice(1, hash);
}

/** Path segments; a trailing slash (and repeated slashes) add no segment. */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape ("%zz") is kept as sent rather than failing the whole recording.
    return segment;
  }
}

interface CompiledSegment {
  regex: RegExp;
  names: string[];
  literal: boolean;
  /** `{name*}`: this segment takes one or more whole path segments; their values joined with "/". */
  catchAll?: string;
}

const compiled = new WeakMap<LoadedSpec, CompiledSegment[]>();

function compile(spec: LoadedSpec): CompiledSegment[] {
  let segments = compiled.get(spec);
  if (!segments) {
    segments = pathSegments(spec.endpoint.path).map((segment) => {
      const catchAll = /^\{([A-Za-z_][A-Za-z0-9_]*)\*\}$/.exec(segment);
      if (catchAll) return { regex: /^.+$/, names: [catchAll[1]!], literal: false, catchAll: catchAll[1]! };
      const names: string[] = [];
      // A segment may mix text and parameters ("{name}.json"); each parameter takes at least one character.
      const source = segment
        .split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/)
        .map((part) => {
          const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(part);
          if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]!);
          return '([^/]+?)';
        })
        .join('');
      return { regex: new RegExp(`^${source}$`), names, literal: names.length === 0 };
    });
    compiled.set(spec, segments);
  }
  return segments;
}

interface Candidate extends EndpointMatch {
  /** Per path segment: 1 for a literal, 0 for a parameter, -1 inside a catch-all; compared left to right. */
  specificity: number[];
  exactMethod: boolean;
}

/**
 * The spec whose endpoint matches `method` and the path of `target`, or undefined. When several
 * match, a literal segment beats a parameter segment, and a parameter beats a catch-all, at the
 * first position where they differ (`/customers/search` over `/customers/{id}`, `/files/{name}`
 * over `/files/{path*}`), then an exact method beats `*`. A catch-all (`{path*}`) takes one or more
 * whole segments, its value their decoded values joined with "/".
 */
export function matchEndpoint(specs: readonly LoadedSpec[], method: string, target: string): EndpointMatch | undefined {
  const segments = pathSegments(targetPath(target));
  const upper = method.toUpperCase();
  let best: Candidate | undefined;
  for (const spec of specs) {
    const exactMethod = spec.endpoint.method === upper;
    if (!exactMethod && spec.endpoint.method !== ANY_METHOD) continue;
    const aligned = alignSegments(compile(spec), segments.length);
    if (!aligned) continue;
    const params: Record<string, string> = {};
    const spans = new Map<string, string[]>();
    let matched = true;
    for (let i = 0; i < segments.length && matched; i++) {
      const { regex, names, catchAll } = aligned[i]!;
      if (catchAll !== undefined) {
        spans.set(catchAll, [...(spans.get(catchAll) ?? []), decodeSegment(segments[i]!)]);
        continue;
      }
      // Parameters are matched against the raw segment so an encoded "/" (%2F) stays inside its segment.
      const m = regex.exec(segments[i]!);
      if (!m) matched = false;
      else names.forEach((name, j) => (params[name] = decodeSegment(m[j + 1]!)));
    }
    if (!matched) continue;
    for (const [name, values] of spans) params[name] = values.join('/');
    const specificity = aligned.map((s) => (s.catchAll !== undefined ? -1 : s.literal ? 1 : 0));
    const candidate: Candidate = { spec, params, specificity, exactMethod };
    if (!best || better(candidate, best)) best = candidate;
  }
  return best && { spec: best.spec, params: best.params };
}

/**
 * A template's segments laid over a path of `count` segments: one to one, except that a catch-all
 * covers as many as the path has beyond the template's other segments (at least one). Undefined
 * when the path cannot have the template's shape.
 */
export function alignSegments<T extends { catchAll?: string }>(template: readonly T[], count: number): T[] | undefined {
  const at = template.findIndex((s) => s.catchAll !== undefined);
  if (at === -1) return template.length === count ? [...template] : undefined;
  const spanned = count - (template.length - 1);
  if (spanned < 1) return undefined;
  return [...template.slice(0, at), ...Array.from({ length: spanned }, () => template[at]!), ...template.slice(at + 1)];
}

function better(a: Candidate, b: Candidate): boolean {
  for (let i = 0; i < a.specificity.length; i++) {
    const d = a.specificity[i]! - b.specificity[i]!;
    if (d !== 0) return d > 0;
  }
  return a.exactMethod && !b.exactMethod;
}

/**
 * `{id}` or `{slug}` when a (decoded) path segment cannot be a route name, by its shape alone.
 * `{id}`: numbers, UUIDs, dates, prefixed ids, tokens, and hashes (hex of 7 or more characters
 * with a digit and a letter). `{slug}`: three or more hyphenated words ending in a random-looking
 * part (a digit, or no vowel: `how-to-train-your-dragon-yzqlfw`), or five or more words (a title).
 * Words are not parameters by shape, so a route name of a few words (`/password-reset-request`)
 * is never mistaken for a slug; PathTemplates finds word parameters by how they vary.
 */
export function shapeParameter(value: string): '{id}' | '{slug}' | undefined {
  if (isIdSegment(value)) return '{id}';
  return isSlugSegment(value) ? '{slug}' : undefined;
}

function isIdSegment(value: string): boolean {
  if (/^\d+$/.test(value) || volatileMatcher(value, 0) !== undefined || /^[0-9a-f]{16,}$/i.test(value)) return true;
  return /^[0-9a-f]{7,}$/i.test(value) && /\d/.test(value) && /[a-f]/i.test(value);
}

function isSlugSegment(value: string): boolean {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+){2,}$/.test(value)) return false;
  const words = value.split('-');
  const last = words[words.length - 1]!;
  return words.length >= 5 || (last.length >= 4 && (/\d/.test(last) || !/[aeiou]/.test(last)));
}
