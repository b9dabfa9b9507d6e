/**
 * `compareResponses(primary, candidate, rules)`: the comparator shared by `parity test --diff`,
 * the shadow proxy, replay and record. Pure: responses in, typed differences out.
 *
 * A response is lifted into a tree (status, the chosen headers, and the body by content type,
 * compressed bodies decoded first) and the trees are compared. Each difference carries its
 * concrete path and a pattern with array indices wildcarded: the same bug in every element of
 * a list is one pattern, and a signature (endpoint + sorted patterns and kinds) is the unit the
 * store counts and the dashboard ranks.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { compileJsonRules, diffJson, formatConcrete, type JsonDifferenceKind } from './json.js';

export interface ResponseData {
  status: number;
  /** Header names in any case; repeated headers as arrays. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array | string | null;
}

export interface CompareRules {
  ignore?: readonly string[];
  unordered?: readonly string[];
  tolerance?: Readonly<Record<string, number>>;
  /** Response headers to compare, case-insensitive. Default: content-type. */
  headers?: readonly string[];
}

export type DifferenceKind = 'status' | 'header' | 'body' | JsonDifferenceKind;

export interface Difference {
  kind: DifferenceKind;
  /** `status`, `header:<name>`, or a JSONPath into the body such as `$.data[3].id`. */
  path: string;
  /** The path with array indices wildcarded: `$.data[*].id`. */
  pattern: string;
  primary?: unknown;
  candidate?: unknown;
}

export const DEFAULT_COMPARED_HEADERS = ['content-type'] as const;

export function compareResponses(primary: ResponseData, candidate: ResponseData, rules: CompareRules = {}): Difference[] {
  const differences: Difference[] = [];
  if (primary.status !== candidate.status) {
    differences.push({ kind: 'status', path: 'status', pattern: 'status', primary: primary.status, candidate: candidate.status });
  }
  for (const name of rules.headers ?? DEFAULT_COMPARED_HEADERS) {
    const a = headerValue(primary.headers, name);
    const b = headerValue(candidate.headers, name);
    if (a !== b) {
      const path = `header:${name.toLowerCase()}`;
      differences.push({ kind: 'header', path, pattern: path, ...(a !== undefined && { primary: a }), ...(b !== undefined && { candidate: b }) });
    }
  }
  differences.push(...compareBodies(liftBody(primary), liftBody(candidate), rules));
  return differences;
}

/** The endpoint plus the sorted set of (pattern, kind): what "the same difference" means. */
export function differenceSignature(endpoint: string, differences: readonly Difference[]): string {
  const parts = [...new Set(differences.map((d) => `${d.pattern} ${d.kind}`))].sort();
  return `${endpoint} | ${parts.join('; ')}`;
}

type LiftedBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'text'; value: string } | { kind: 'bytes'; value: Buffer };

/** The body's bytes with any content-encoding (gzip, br, deflate) undone. */
export function decodedBody(response: ResponseData): Buffer {
  if (response.body === null) return Buffer.alloc(0);
  return decode(
    typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body),
    headerValue(response.headers, 'content-encoding'),
  );
}

export function liftBody(response: ResponseData): LiftedBody {
  if (response.body === null || response.body.length === 0) return { kind: 'none' };
  const raw = decodedBody(response);
  const contentType = (headerValue(response.headers, 'content-type') ?? '').toLowerCase();
  const text = raw.toString('utf8');
  if (/[/+]json\b/.test(contentType)) {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      // A body that claims JSON but is not: compare it as text rather than hide it.
      return { kind: 'text', value: text };
    }
  }
  if (contentType === '' || contentType.startsWith('text/') || /xml|javascript|x-www-form-urlencoded/.test(contentType)) return { kind: 'text', value: text };
  return { kind: 'bytes', value: raw };
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body);
      case 'br':
        return brotliDecompressSync(body);
      case 'deflate':
        return inflateSync(body);
      default:
        return body;
    }
  } catch {
    // Compare what was received; a corrupt encoding on one side shows as a body difference.
    return body;
  }
}

function compareBodies(a: LiftedBody, b: LiftedBody, rules: CompareRules): Difference[] {
  if (a.kind === 'json' && b.kind === 'json') {
    return diffJson(a.value, b.value, compileJsonRules(rules)).map((d) => ({
      kind: d.kind,
      path: formatConcrete(d.path),
      pattern: formatConcrete(d.path, true),
      ...('primary' in d && { primary: d.primary }),
      ...('candidate' in d && { candidate: d.candidate }),
    }));
  }
  if (a.kind === 'none' && b.kind === 'none') return [];
  if (a.kind !== b.kind) return [{ kind: 'type', path: '$', pattern: '$', primary: a.kind, candidate: b.kind }];
  if (a.kind === 'text' && b.kind === 'text')
    return a.value === b.value ? [] : [{ kind: 'body', path: '$', pattern: '$', primary: a.value, candidate: b.value }];
  if (a.kind === 'bytes' && b.kind === 'bytes')
    return a.value.equals(b.value) ? [] : [{ kind: 'body', path: '$', pattern: '$', primary: `${a.value.length} bytes`, candidate: `${b.value.length} bytes` }];
  return [];
}

/** A header's value by case-insensitive name; repeated headers joined with ", ". */
export function headerValue(headers: ResponseData['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}
