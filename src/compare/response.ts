/**
 * `compareResponses(primary, candidate, rules)`: the comparator shared by `parity test --diff`,
 * the shadow proxy, replay and record. Pure: responses in, typed differences out.
 *
 * A response is lifted into a tree (status, the chosen headers, and the body by content type,
 * compressed bodies decoded first) and the trees are compared. Each difference carries its
 * concrete path and a pattern with array indices wildcarded: the same bug in every element of
 * a list is one pattern, and a signature (endpoint + sorted patterns and kinds) is the unit the
 * store counts and the dashboard ranks.
 *
 * Bodies by content type: JSON as a tree (src/compare/json.ts); line-delimited JSON (NDJSON, JSON
 * Lines, JSON text sequences) as the array of its records, each compared as JSON; text, HTML and
 * XML as text, line by line when both sides have as many lines (each differing line its own
 * `line:N` difference), otherwise the first differing line of the whole (src/compare/text.ts);
 * anything else as bytes, by length and SHA-256, so a difference never holds a binary body. Masks (src/compare/mask.ts) rewrite both
 * sides before any of this.
 */
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Equivalence } from '../correlate/equivalence.js';
import { comparedHeaderNames, comparedHeaderValue, differingParameters, headerValue, ignoredParameters } from './headers.js';
import { compileJsonRules, diffJson, formatConcrete, type Concrete, type JsonDifferenceKind, type JsonRules } from './json.js';
import { compileMasks, maskJson, maskText, type CompiledMasks } from './mask.js';
import { diffLinesApart, diffText } from './text.js';

export { headerValue } from './headers.js';

export interface ResponseData {
  status: number;
  /** Header names in any case; repeated headers as arrays. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array | string | null;
}

export interface CompareRules {
  /** JSONPaths whose differences never count. */
  ignore?: readonly string[];
  /** JSONPaths of arrays compared as multisets. */
  unordered?: readonly string[];
  /** JSONPath -> absolute tolerance for numbers. */
  tolerance?: Readonly<Record<string, number>>;
  /**
   * Response headers to compare, case-insensitive. Default: content-type. `*` means every header
   * except hop-by-hop, body-derived and per-response ones (see src/compare/headers.ts).
   */
  headers?: readonly string[];
  /** Headers never compared, whatever `headers` says; a trailing `*` matches a prefix. */
  ignore_headers?: readonly string[];
  /** Parameters of a parameterised header that never count: `content-type;charset`, or `content-type;*` for the media type only. */
  ignore_header_parameters?: readonly string[];
  /** Target (JSONPath, `body` or `header:Name`) -> regex whose matches are masked on both sides. */
  mask?: Readonly<Record<string, string>>;
  /** HTML and XML: whitespace standing alone between tags does not count. */
  ignore_tag_whitespace?: boolean;
}

/** `line`: one line of a text body that has as many lines on both sides; `body`: a text or binary body that differs as a whole. */
export type DifferenceKind = 'status' | 'header' | 'body' | 'line' | JsonDifferenceKind;

export interface Difference {
  kind: DifferenceKind;
  /** `status`, `header:<name>`, or a JSONPath into the body such as `$.data[3].id`. */
  path: string;
  /** The path with array indices wildcarded: `$.data[*].id`. */
  pattern: string;
  primary?: unknown;
  candidate?: unknown;
}

/**
 * The headers compared when rules name none. Deliberately only content-type, not `*`: a legacy
 * and its rewrite run on different stacks, and framework headers (Rails' cache-control and
 * x-frame-options, a Go server's lack of them) would put the same header difference on every
 * request of every endpoint, burying the body differences the shadow exists to find. `*` is one
 * word away for a spec or a config that wants every header held to parity.
 */
export const DEFAULT_COMPARED_HEADERS = ['content-type'] as const;

interface CompiledRules {
  masks: CompiledMasks;
  json: JsonRules;
  /** Header -> parameter names that never count (`*`: all). */
  headerParameters: Map<string, Set<string>>;
}

const compiledRules = new WeakMap<CompareRules, CompiledRules>();

/**
 * The rules' masks and JSONPaths, compiled once per rules object: the shadow proxy compares with
 * the same few objects millions of times. A rules object is therefore never changed once used
 * (specs and config are read into new objects).
 */
function compiledOf(rules: CompareRules): CompiledRules {
  let compiled = compiledRules.get(rules);
  if (!compiled) {
    compiled = { masks: compileMasks(rules.mask), json: compileJsonRules(rules), headerParameters: ignoredParameters(rules.ignore_header_parameters) };
    compiledRules.set(rules, compiled);
  }
  return compiled;
}

export interface CompareOptions {
  /**
   * Identifier pairs learned between the two sides (src/correlate): a body value or a compared
   * header that differs only by a learned pair is not a difference.
   */
  equivalent?: Equivalence;
}

export function compareResponses(primary: ResponseData, candidate: ResponseData, rules: CompareRules = {}, options: CompareOptions = {}): Difference[] {
  const differences: Difference[] = [];
  if (primary.status !== candidate.status) {
    differences.push({ kind: 'status', path: 'status', pattern: 'status', primary: primary.status, candidate: candidate.status });
  }
  const compiled = compiledOf(rules);
  const masks = compiled.masks;
  for (const name of comparedHeaderNames(primary.headers, candidate.headers, rules, DEFAULT_COMPARED_HEADERS)) {
    const regexes = masks.headers.get(name) ?? [];
    const [a, b] = [primary, candidate].map((r) => {
      const value = comparedHeaderValue(r.headers, name);
      return value === undefined ? undefined : maskText(value, regexes);
    });
    if (a !== b && !(a !== undefined && b !== undefined && options.equivalent?.(a, b, { header: name }))) {
      const path = `header:${name}`;
      const values = { ...(a !== undefined && { primary: a }), ...(b !== undefined && { candidate: b }) };
      // The same media type with other parameters: a difference per parameter, so that a charset is one cause, apart from the body's.
      const parameters = a !== undefined && b !== undefined ? differingParameters(name, a, b, compiled.headerParameters.get(name)) : undefined;
      if (parameters === undefined) differences.push({ kind: 'header', path, pattern: path, ...values });
      else for (const parameter of parameters) differences.push({ kind: 'header', path, pattern: `${path};${parameter}`, ...values });
    }
  }
  // The same bytes under the same content type and encoding can show no difference whatever the
  // rules say; most shadowed responses are such matches, and parsing them twice is the cost.
  if (!sameBytes(primary, candidate)) differences.push(...compareBodies(liftBody(primary), liftBody(candidate), rules, compiled, options.equivalent));
  return differences;
}

function sameBytes(a: ResponseData, b: ResponseData): boolean {
  if (headerValue(a.headers, 'content-type') !== headerValue(b.headers, 'content-type')) return false;
  if (headerValue(a.headers, 'content-encoding') !== headerValue(b.headers, 'content-encoding')) return false;
  const bytes = (body: ResponseData['body']) =>
    body === null ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return bytes(a.body).equals(bytes(b.body));
}

/**
 * Whether a difference is about what the answer is (its status, its shape: a missing or extra
 * subtree, a type, a length, a body that differs as a whole) rather than a leaf of it (a value, a
 * header, one line of text, the order of the same items). Two legacy instances that differ
 * structurally are not showing noise: they disagree.
 */
export function isStructural(difference: Pick<Difference, 'kind'>): boolean {
  return !LEAF_KINDS.has(difference.kind);
}

const LEAF_KINDS: ReadonlySet<DifferenceKind> = new Set(['value', 'header', 'line', 'order']);

/** The endpoint plus the sorted set of (pattern, kind): what "the same difference" means. */
export function differenceSignature(endpoint: string, differences: readonly Difference[]): string {
  const parts = [...new Set(differences.map((d) => `${d.pattern} ${d.kind}`))].sort();
  return `${endpoint} | ${parts.join('; ')}`;
}

export type LiftedBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  /** `markup`: HTML or XML, where `ignore_tag_whitespace` applies. */
  | { kind: 'text'; value: string; markup: boolean }
  | { kind: 'bytes'; value: Buffer };

/** The body's bytes with any content-encoding (gzip, br, deflate) undone; the body's own bytes (not a copy) when there is none: callers only read it. */
export function decodedBody(response: ResponseData): Buffer {
  if (response.body === null) return Buffer.alloc(0);
  const body = response.body;
  const bytes =
    typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return decode(bytes, headerValue(response.headers, 'content-encoding'));
}

/**
 * Bodies already lifted, by the body's bytes object: a mirrored exchange's bodies are read by
 * correlation (src/correlate/learn.ts) and by the comparison, and parsing them twice is the cost.
 * Lifted values are never changed by their readers.
 */
const liftedBodies = new WeakMap<Uint8Array, { contentType: string | undefined; encoding: string | undefined; lifted: LiftedBody }>();

export function liftBody(response: ResponseData): LiftedBody {
  if (response.body === null || response.body.length === 0) return { kind: 'none' };
  const contentTypeHeader = headerValue(response.headers, 'content-type');
  const encoding = headerValue(response.headers, 'content-encoding');
  if (typeof response.body === 'string') return liftDecoded(decodedBody(response), contentTypeHeader);
  const memo = liftedBodies.get(response.body);
  if (memo && memo.contentType === contentTypeHeader && memo.encoding === encoding) return memo.lifted;
  const lifted = liftDecoded(decodedBody(response), contentTypeHeader);
  liftedBodies.set(response.body, { contentType: contentTypeHeader, encoding, lifted });
  return lifted;
}

function liftDecoded(raw: Buffer, contentTypeHeader: string | undefined): LiftedBody {
  const contentType = (contentTypeHeader ?? '').toLowerCase();
  const text = raw.toString('utf8');
  if (JSON_LINES.test(contentType)) {
    const lines = jsonLines(text);
    if (lines) return { kind: 'json', value: lines };
    // Not JSON on every line: compared as text, line by line.
    return { kind: 'text', value: text, markup: false };
  }
  if (/[/+]json\b/.test(contentType)) {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      // A body that claims JSON but is not: compare it as text rather than hide it.
      return { kind: 'text', value: text, markup: false };
    }
  }
  const markup = /html|xml/.test(contentType);
  if (contentType === '' || contentType.startsWith('text/') || markup || /javascript|x-www-form-urlencoded/.test(contentType))
    return { kind: 'text', value: text, markup };
  return { kind: 'bytes', value: raw };
}

/** Line-delimited JSON: NDJSON, JSON Lines, JSON text sequences. */
const JSON_LINES = /\/(x-)?(ndjson|jsonl|jsonlines|json-seq)\b/;

/**
 * A line-delimited JSON body as the array of its records, so each record is compared as JSON at
 * `$[i]` and noise in one record stays in that record; undefined when a line is not JSON.
 */
function jsonLines(text: string): unknown[] | undefined {
  const records: unknown[] = [];
  // RS (0x1E) starts each record of a JSON text sequence (RFC 7464).
  for (const line of text.split(/\r?\n|\u001e/)) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  return records;
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

function compareBodies(a: LiftedBody, b: LiftedBody, rules: CompareRules, { masks, json }: CompiledRules, equivalent: Equivalence | undefined): Difference[] {
  if (a.kind === 'json' && b.kind === 'json') {
    const leafEquivalence = equivalent && ((x: string | number, y: string | number, path: readonly Concrete[]) => equivalent(x, y, { path }));
    return diffJson(maskJson(a.value, masks.json), maskJson(b.value, masks.json), json, leafEquivalence).map((d) => ({
      kind: d.kind,
      path: formatConcrete(d.path),
      pattern: formatConcrete(d.path, true),
      ...('primary' in d && { primary: d.primary }),
      ...('candidate' in d && { candidate: d.candidate }),
    }));
  }
  if (a.kind === 'none' && b.kind === 'none') return [];
  if (a.kind !== b.kind) return [{ kind: 'type', path: '$', pattern: '$', primary: a.kind, candidate: b.kind }];
  if (a.kind === 'text' && b.kind === 'text') {
    const [textA, textB] = [maskText(a.value, masks.body), maskText(b.value, masks.body)];
    // Either side being markup is enough: a content-type change is reported as a header difference already.
    const ignoreTagWhitespace = rules.ignore_tag_whitespace === true && (a.markup || b.markup);
    const lines = ignoreTagWhitespace || textA === textB ? undefined : diffLinesApart(textA, textB);
    if (lines) return lines.map(({ line, primary, candidate }) => ({ kind: 'line', path: `line:${line}`, pattern: `line:${line}`, primary, candidate }));
    const found = diffText(textA, textB, { ignoreTagWhitespace });
    return found ? [{ kind: 'body', path: '$', pattern: '$', ...found }] : [];
  }
  if (a.kind === 'bytes' && b.kind === 'bytes') {
    return a.value.equals(b.value) ? [] : [{ kind: 'body', path: '$', pattern: '$', primary: fingerprint(a.value), candidate: fingerprint(b.value) }];
  }
  return [];
}

/** A binary body as a difference shows it: its length and SHA-256, never its bytes. */
export function fingerprint(bytes: Uint8Array): string {
  return `${bytes.length} bytes, sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
