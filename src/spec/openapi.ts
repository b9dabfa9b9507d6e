/**
 * `parity spec export-openapi`: the loaded specs as an OpenAPI 3.1.0 document, so the contract
 * the reviewers agreed on can feed docs, client generators and gateway config. Pure: specs in,
 * a JSON-ready object out, identical for identical input.
 *
 * The document describes the rewrite, so examples use `expect` (never `expect_legacy`), and
 * `$`-matchers are turned into plain values: OpenAPI tools would show `{$regex: ...}` as data.
 */
import { STATUS_CODES } from 'node:http';
import { alignSegments } from '../record/match.js';
import type { LoadedSpec } from './load.js';
import { HTTP_METHODS, type Example, type Expectation, type Extracted, type HttpMethod, type SpecRequest } from './schema.js';
import { specStatus } from './status.js';

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
}

export type OpenApiExample = { summary?: string; value: unknown };
export type MediaType = { schema?: JsonSchema; examples?: Record<string, OpenApiExample> };
export type JsonSchema = Record<string, unknown>;
export type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
  'x-parity-catch-all'?: boolean;
};
export type Response = { description: string; content?: Record<string, MediaType> };
export type Operation = {
  operationId: string;
  summary?: string;
  description: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  [extension: `x-${string}`]: unknown;
};
export type PathItem = Partial<Record<Lowercase<HttpMethod>, Operation>>;
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  tags?: { name: string }[];
  paths: Record<string, PathItem>;
};

type ExtractedParam = NonNullable<Extracted['params']>[number];

export function exportOpenApi(specs: readonly LoadedSpec[], options: OpenApiOptions): OpenApiDocument {
  // Sorting by id first makes the result independent of the order the caller loaded files in.
  const ordered = [...specs].sort((a, b) => compare(a.spec.id, b.spec.id));
  // OpenAPI treats /a/{id} and /a/{a_id} as the same path, so group by the route with names
  // erased and let the first spec's spelling name the path item.
  const templates = new Map<string, string>();
  const paths: Record<string, PathItem> = {};
  const tags = new Set<string>();
  for (const loaded of ordered) {
    const route = loaded.endpoint.routeKey.slice(loaded.endpoint.method.length + 1);
    // OpenAPI names a parameter {path}; that it spans segments is said on the parameter (CATCH_ALL_NOTE).
    const template = templates.get(route) ?? openApiPath(loaded.endpoint.path);
    templates.set(route, template);
    const item = (paths[template] ??= {});
    // OpenAPI has no "any method": a `*` route is documented under every method, each its own operation.
    const any = loaded.endpoint.method === '*';
    for (const upper of any ? HTTP_METHODS : [loaded.endpoint.method as HttpMethod]) {
      const method = upper.toLowerCase() as Lowercase<HttpMethod>;
      const existing = item[method];
      if (existing) {
        // A duplicate endpoint is a lint error; keep the export going but do not lose the fact.
        existing['x-parity-duplicates'] = [...((existing['x-parity-duplicates'] as string[] | undefined) ?? []), loaded.spec.id];
        continue;
      }
      const operation = buildOperation(loaded, template, upper);
      if (any) {
        operation.operationId = `${loaded.spec.id}.${method}`;
        operation['x-parity-any-method'] = true;
      }
      for (const tag of operation.tags ?? []) tags.add(tag);
      item[method] = operation;
    }
  }

  const sortedPaths: Record<string, PathItem> = {};
  for (const template of Object.keys(paths).sort(compare)) {
    const item = paths[template]!;
    // Methods in a fixed order, not in the order specs happened to arrive.
    sortedPaths[template] = Object.fromEntries(
      HTTP_METHODS.map((m) => m.toLowerCase() as Lowercase<HttpMethod>).flatMap((m) => (item[m] ? [[m, item[m]]] : [])),
    );
  }
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, ...(options.description ? { description: options.description } : {}) },
    ...(tags.size > 0 ? { tags: [...tags].sort(compare).map((name) => ({ name })) } : {}),
    paths: sortedPaths,
  };
  // The round trip drops `undefined` fields (validators reject them) and detaches the document
  // from the specs, so a caller editing one never changes the other.
  return JSON.parse(JSON.stringify(doc)) as OpenApiDocument;
}

function buildOperation(loaded: LoadedSpec, template: string, method: HttpMethod): Operation {
  const { spec, endpoint } = loaded;
  const extracted = spec.extracted ?? {};
  const params = extracted.params ?? [];
  // The spec's own spelling: its catch-all takes several segments of its examples' paths.
  const requests = matchingRequests(spec.examples, method, endpoint.path);
  // Group by resource: the first literal segment (`invoices` for /invoices/{id}/refunds).
  const tag = segments(template).find((s) => !s.startsWith('{'));

  const operation: Operation = {
    operationId: spec.id,
    ...(spec.summary ? { summary: spec.summary } : {}),
    description: describe(loaded),
    ...(tag ? { tags: [tag] } : {}),
    responses: buildResponses(extracted, requests),
    'x-parity-id': spec.id,
    'x-parity-status': specStatus(spec).status,
    'x-parity-behaviors': spec.behaviors.map((b) => ({ id: b.id, says: b.says, disposition: b.disposition })),
    'x-parity-guards': extracted.guards ?? [],
    'x-parity-side-effects': extracted.side_effects ?? [],
    ...(extracted.handler ? { 'x-parity-handler': extracted.handler } : {}),
  };
  const parameters = buildParameters(params, endpoint.params, template, endpoint.path);
  if (parameters.length > 0) operation.parameters = parameters;
  const body = buildRequestBody(params, requests);
  if (body) operation.requestBody = body;
  return operation;
}

function describe({ spec }: LoadedSpec): string {
  const lines: string[] = [];
  if (spec.who_may_call) lines.push(`**Who may call:** ${spec.who_may_call}`);
  if (spec.rate_limit) lines.push(`**Rate limit:** ${spec.rate_limit}`);
  if (spec.idempotency) lines.push(`**Idempotency:** ${spec.idempotency}`);
  const parts = lines.length > 0 ? [lines.join('\n\n')] : [];
  if (spec.behaviors.length > 0) {
    parts.push(['**Behaviours:**', '', ...spec.behaviors.map((b) => `- \`${b.id}\` (${b.disposition}): ${b.says}`)].join('\n'));
  }
  return parts.length > 0 ? parts.join('\n\n') : `Parity spec ${spec.id}.`;
}

/**
 * What OpenAPI cannot express about a catch-all: its path parameters are one segment each (a "/"
 * in a value is percent-encoded by every client and server that follows the document).
 */
export const CATCH_ALL_NOTE =
  'Spans one or more path segments ({name*} in the parity spec): OpenAPI 3.1 path parameters cannot contain "/", so this document cannot express it; clients generated from it will percent-encode the slashes.';

/** A spec path as an OpenAPI path: `{path*}` becomes `{path}`. */
export function openApiPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\*\}/g, '{$1}');
}

function buildParameters(params: readonly ExtractedParam[], pathParams: readonly string[], template: string, specPath: string): Parameter[] {
  // The path item may be spelled by another spec, so path parameters are matched by position.
  const names = [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
  const catchAlls = new Set([...specPath.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\*\}/g)].map((m) => m[1]!));
  const result: Parameter[] = names.map((name, i) => {
    const own = pathParams[i] ?? name;
    const found = params.find((p) => p.in === 'path' && p.name === own);
    const details = paramDetails(found);
    if (!catchAlls.has(own)) return { ...details, name, in: 'path', required: true };
    const description = [details.description, CATCH_ALL_NOTE].filter(Boolean).join('\n\n');
    return { ...details, description, name, in: 'path', required: true, 'x-parity-catch-all': true };
  });
  const seen = new Set<string>();
  for (const p of params) {
    if (p.in !== 'query' && p.in !== 'header' && p.in !== 'cookie') continue;
    const key = `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ name: p.name, in: p.in, ...(p.required ? { required: true } : {}), ...paramDetails(p) });
  }
  return result;
}

function paramDetails(p: ExtractedParam | undefined): { description?: string; schema: JsonSchema } {
  const notes = [p?.description, p?.validations?.length ? `Validations: ${p.validations.join('; ')}` : undefined].filter(Boolean);
  return { ...(notes.length > 0 ? { description: notes.join('\n\n') } : {}), schema: schemaFor(p?.type) };
}

const TYPE_GROUPS: [string, string[]][] = [
  ['string', ['string', 'str', 'text']],
  ['integer', ['integer', 'int']],
  ['number', ['number', 'float', 'decimal', 'double']],
  ['boolean', ['boolean', 'bool']],
  ['array', ['array', 'list']],
  ['object', ['object', 'hash', 'dict', 'map']],
];
const TYPE_NAMES = new Map(TYPE_GROUPS.flatMap(([type, names]) => names.map((name) => [name, type] as const)));

function schemaFor(type: string | undefined): JsonSchema {
  if (type === undefined) return { type: 'string' };
  const mapped = TYPE_NAMES.get(type.toLowerCase());
  // A language type (Money, UUID, ...) says something real, but not a JSON type: keep the name.
  return mapped ? { type: mapped } : { 'x-parity-type': type };
}

type Kind = 'json' | 'form' | 'body';
const MEDIA: Record<Kind, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded', body: 'text/plain' };

function buildRequestBody(params: readonly ExtractedParam[], requests: readonly Matched[]): Operation['requestBody'] {
  const bodyParams = params.filter((p) => p.in === 'body');
  const content: Record<string, MediaType> = {};
  const objectSchema = bodyParams.length > 0 ? bodySchema(bodyParams) : undefined;
  for (const { name, request } of requests) {
    const kind = (['json', 'form', 'body'] as const).find((k) => request[k] !== undefined);
    if (!kind) continue;
    const media = (content[MEDIA[kind]] ??= { schema: kind === 'body' ? { type: 'string' } : (objectSchema ?? { type: 'object' }) });
    addExample(media, name, request[kind]);
  }
  if (objectSchema && !content[MEDIA.json] && !content[MEDIA.form]) content[MEDIA.json] = { schema: objectSchema };
  if (Object.keys(content).length === 0) return undefined;
  return { ...(bodyParams.some((p) => p.required) ? { required: true } : {}), content };
}

function bodySchema(params: readonly ExtractedParam[]): JsonSchema {
  // fromEntries, not assignment: a param called `__proto__` must stay a property.
  const properties = Object.fromEntries(
    params.map((p) => {
      const { description, schema } = paramDetails(p);
      return [p.name, { ...schema, ...(description ? { description } : {}) }];
    }),
  );
  const required = params.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function buildResponses(extracted: Extracted, requests: readonly Matched[]): Record<string, Response> {
  const whens = new Map<number, string[]>();
  const bodies = new Map<number, { name: string; value: unknown }[]>();
  const note = <T>(map: Map<number, T[]>, status: number, item?: T) => {
    const list = map.get(status) ?? [];
    if (item !== undefined) list.push(item);
    map.set(status, list);
  };
  for (const outcome of extracted.outcomes ?? []) {
    note(whens, outcome.status, outcome.when);
    if (outcome.body !== undefined) note(bodies, outcome.status, { name: `outcome ${outcome.status}`, value: outcome.body });
  }
  for (const { name, expect } of requests) {
    const statuses = expect?.status === undefined ? [] : Array.isArray(expect.status) ? expect.status : [expect.status];
    for (const status of statuses) note(whens, status);
    // With several acceptable statuses the body cannot be pinned to one of them.
    if (statuses.length === 1 && expect?.json !== undefined) note(bodies, statuses[0]!, { name, value: expect.json });
  }
  if (whens.size === 0) return { default: { description: 'not documented in the spec' } };

  const responses: Record<string, Response> = {};
  for (const status of [...whens.keys()].sort((a, b) => a - b)) {
    const when = [...new Set(whens.get(status))];
    const response: Response = { description: when.length > 0 ? when.join('; or ') : (STATUS_CODES[status] ?? `status ${status}`) };
    const media: MediaType = {};
    for (const body of bodies.get(status) ?? []) addExample(media, body.name, plain(body.value));
    if (media.examples) response.content = { 'application/json': media };
    responses[String(status)] = response;
  }
  return responses;
}

const OMIT = Symbol('omit');

/**
 * An expected value with its matchers replaced by a value they would accept, or left out when
 * none can be made up honestly ($regex, $absent, $ignore).
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain).filter((v) => v !== OMIT);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).some((k) => k.startsWith('$'))) {
    if ('$type' in record) return TYPE_SAMPLES[String(record.$type)] ?? OMIT;
    if ('$uuid' in record) return '00000000-0000-4000-8000-000000000000';
    if ('$iso_date' in record) return '2024-01-01T00:00:00Z';
    if ('$number' in record) return record.$number;
    if ('$unordered' in record) return plain(record.$unordered);
    return OMIT;
  }
  const entries = Object.entries(record).flatMap(([k, v]) => {
    const p = plain(v);
    return p === OMIT ? [] : [[k, p] as const];
  });
  // `{error: {$regex: ...}}` would show as `{}`, which documents nothing: leave it out too.
  return entries.length === 0 && Object.keys(record).length > 0 ? OMIT : Object.fromEntries(entries);
}

const TYPE_SAMPLES: Record<string, unknown> = { string: 'string', number: 0, integer: 0, boolean: true, null: null, object: {}, array: [] };

function addExample(media: MediaType, name: string, value: unknown): void {
  if (value === OMIT) return;
  const examples = (media.examples ??= {});
  const base = slug(name);
  let key = base;
  for (let n = 2; Object.hasOwn(examples, key); n++) key = `${base}-${n}`;
  examples[key] = { summary: name, value };
}

function slug(name: string): string {
  const slugged = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return slugged.replace(/^-+|-+$/g, '') || 'example';
}

interface Matched {
  name: string;
  request: SpecRequest;
  expect?: Expectation;
}

/** The requests of the examples (single or steps) that call this endpoint. */
function matchingRequests(examples: readonly Example[], method: HttpMethod, template: string): Matched[] {
  const found: Matched[] = [];
  for (const example of examples) {
    if (example.request && hits(example.request, method, template)) found.push({ name: example.name, request: example.request, expect: example.expect });
    const steps = (example.steps ?? []).filter((step) => hits(step.request, method, template));
    steps.forEach((step, i) => {
      const name = steps.length > 1 ? `${example.name} ${step.name ?? `call ${i + 1}`}` : example.name;
      found.push({ name, request: step.request, expect: step.expect });
    });
  }
  return found;
}

/** `{param}` in the template accepts any segment, `{path*}` one or more; `{{capture}}` in a request only fills a parameter. */
function hits(request: SpecRequest, method: HttpMethod, template: string): boolean {
  if (request.method !== method) return false;
  const got = segments(request.path.split('?')[0]!);
  const wanted = alignSegments(
    segments(template).map((w) => ({ w, ...(/^\{\w+\*\}$/.test(w) && { catchAll: w }) })),
    got.length,
  );
  return wanted !== undefined && wanted.every(({ w }, i) => /^\{[^}]+\}$/.test(w) || (w === got[i] && !got[i]!.includes('{{')));
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
