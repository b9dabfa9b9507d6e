/**
 * One recorded exchange read for turning into examples (examples.ts): its spec, the headers worth
 * writing apart from its credentials, its bodies parsed, the values it sent (which stay literal
 * when a response echoes them) and where it used values a capture could fill. Pure.
 */
import type { AuthProfile } from '../config/schema.js';
import type { LoadedSpec } from '../spec/load.js';
import { isJsonMediaType, mediaType } from './dedupe.js';
import type { RecordedExchange } from './exchange.js';
import { alignSegments, decodeSegment, matchEndpoint, targetPath, targetQuery, type EndpointMatch } from './match.js';
import { isStrong } from '../correlate/identifiers.js';
import { CREDENTIAL_HEADERS, requestValues } from '../correlate/request.js';

export interface RecordingOptions {
  /** The workspace's auth profiles: credentials equal to one are written as `auth: <name>`. */
  auth: Record<string, AuthProfile>;
  /** For `${NAME}` in profile header values. */
  env: Record<string, string | undefined>;
}

/** Request headers that describe the client or the connection, not what the endpoint is asked. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'user-agent',
  'accept-encoding',
  'accept',
  'accept-language',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'via',
  'forwarded',
  'origin',
  'referer',
  'dnt',
  'pragma',
  'cache-control',
  'priority',
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'sentry-trace',
  'uber-trace-id',
  'x-request-id',
  'x-correlation-id',
  'x-amzn-trace-id',
  'x-cloud-trace-context',
  'upgrade-insecure-requests',
]);

const DROPPED_HEADER_PREFIXES = ['sec-', 'x-forwarded-', 'x-b3-', 'x-datadog-', 'x-real-ip', ':'];

export type Body =
  { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'form'; value: Record<string, string> } | { kind: 'text'; value: string } | { kind: 'binary' };

export type ResponseBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; value: string; media: string | undefined }
  | { kind: 'binary'; media: string | undefined };

/** Somewhere a request used a value: a path segment, a query value or a JSON body string. */
export interface Use {
  value: string;
  /** What the value is called there, for naming a capture. */
  hint: string;
  /**
   * The thing it names, as stateful shadowing scopes it (src/correlate/request.ts): `post` for
   * `/posts/13` and `postId: 13`; undefined for a value strong enough to mean one thing anywhere.
   */
  scope: string | undefined;
}

export interface Prepared {
  exchange: RecordedExchange;
  method: string;
  path: string;
  query: [string, string][];
  match: EndpointMatch | undefined;
  credentialKey: string;
  credentialNames: string[];
  /** The credential headers it carried, lowercase name -> value (never written). */
  credentials: Record<string, string>;
  auth: string | undefined;
  /** Credentials no profile holds, each handed out by an earlier response; undefined when any came from nowhere. */
  session?: SessionCredential[];
  headers: Record<string, string>;
  body: Body;
  response: ResponseBody;
  uses: Use[];
  /** Tagged ("s:" string, "n:" number) values the request sent, which stay literal when the response echoes them. */
  sent: Set<string>;
}

/**
 * A credential the request carried that an earlier response of the session handed out (a login's
 * token, a session cookie): written as a capture of that response, never as its value.
 */
export interface SessionCredential {
  /** The request header, lowercase. */
  header: string;
  /** The value an earlier response produced: the token inside the header, or one cookie's value. */
  token: string;
  /** What to call its capture: `token`, the cookie's name, the header's name. */
  hint: string;
  produced: Produced;
}

export interface Produced {
  producer: Prepared;
  /** Where the value is in the producer's response: a JSONPath or "header:Name". */
  location: string;
  numeric: boolean;
  /** The thing the value names (see Use.scope). */
  scope: string | undefined;
}

export interface Profile {
  name: string;
  headers: Map<string, string>;
  missing: string[];
}

export function expandProfiles(options: RecordingOptions): Profile[] {
  return Object.entries(options.auth).map(([name, profile]) => {
    const missing: string[] = [];
    const headers = new Map<string, string>();
    for (const [header, template] of Object.entries(profile.headers)) {
      const value = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
        const found = options.env[variable];
        if (found === undefined) missing.push(variable);
        return found ?? '';
      });
      headers.set(header.toLowerCase(), value);
    }
    return { name, headers: missing.length > 0 ? new Map() : headers, missing };
  });
}

export function prepare(exchange: RecordedExchange, specs: readonly LoadedSpec[], profiles: readonly Profile[], profileValues: ReadonlySet<string>): Prepared {
  const method = exchange.method.toUpperCase();
  const path = targetPath(exchange.target) || '/';
  const query = [...new URLSearchParams(targetQuery(exchange.target))];
  const match = matchEndpoint(specs, method, exchange.target);

  const credentials: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(exchange.requestHeaders)) {
    const name = rawName.toLowerCase();
    if (CREDENTIAL_HEADERS.has(name) || profileValues.has(value)) credentials[name] = value;
    else if (!DROPPED_HEADERS.has(name) && !DROPPED_HEADER_PREFIXES.some((p) => name.startsWith(p))) headers[name] = value;
  }
  const credentialNames = Object.keys(credentials).sort();
  const credentialKey = credentialNames.length === 0 ? '' : JSON.stringify(credentialNames.map((n) => [n, credentials[n]]));
  const auth = credentialNames.length === 0 ? undefined : findProfile(profiles, credentials, exchange.requestHeaders);

  const body = requestBody(exchange);
  const media = mediaType(exchange.requestHeaders['content-type']);
  if ((body.kind === 'json' && media === 'application/json') || (body.kind === 'form' && media === 'application/x-www-form-urlencoded')) {
    delete headers['content-type'];
  }

  const uses: Use[] = [];
  const sent = new Set<string>();
  // Each value's scope, from the walk stateful shadowing translates requests with.
  const scopes = new Map<string, string | undefined>();
  const walked = { method, target: exchange.target, headers: exchange.requestHeaders, body: exchange.requestBody };
  for (const slot of requestValues(walked, match ? { template: match.spec.endpoint.path } : {})) {
    const value = String(slot.value);
    if (!scopes.has(value)) scopes.set(value, isStrong(slot.value) ? undefined : slot.scope);
  }
  const scopeOf = (value: string) => scopes.get(value);
  const segments = path.split('/');
  const paramSegments = match ? paramPositions(match, segments.filter((s) => s !== '').length) : undefined;
  segments.forEach((segment, i) => {
    if (segment === '') return;
    const value = decodeSegment(segment);
    tagSent(sent, value);
    const hint = paramSegments ? paramSegments.get(pathIndex(segments, i)) : `${singular(segments[i - 1] ?? '')}_id`;
    if (hint !== undefined) uses.push({ value, hint, scope: scopeOf(value) });
  });
  for (const [key, value] of query) {
    tagSent(sent, value);
    uses.push({ value, hint: idName(key), scope: scopeOf(value) });
  }
  if (body.kind === 'json') collectJsonUses(body.value, 'value', uses, sent, scopeOf);
  if (body.kind === 'form') for (const value of Object.values(body.value)) tagSent(sent, value);

  return {
    exchange,
    method,
    path,
    query,
    match,
    credentialKey,
    credentialNames,
    credentials,
    auth,
    headers,
    body,
    response: responseBody(exchange),
    uses,
    sent,
  };
}

/** The profile whose headers the request carries exactly and which covers every credential it sent. */
function findProfile(profiles: readonly Profile[], credentials: Record<string, string>, requestHeaders: Record<string, string>): string | undefined {
  const lower = new Map(Object.entries(requestHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  let best: Profile | undefined;
  for (const profile of profiles) {
    if (profile.headers.size === 0) continue;
    const carried = [...profile.headers].every(([name, value]) => lower.get(name) === value);
    const covers = Object.keys(credentials).every((name) => profile.headers.has(name));
    if (carried && covers && (!best || profile.headers.size > best.headers.size)) best = profile;
  }
  return best?.name;
}

/** Path segment index (among the `count` non-empty segments) to the one-segment parameter name it carries. */
function paramPositions(match: EndpointMatch, count: number): Map<number, string> {
  const positions = new Map<number, string>();
  const template = match.spec.endpoint.path
    .split('/')
    .filter((s) => s !== '')
    .map((segment) => {
      const name = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment)?.[1];
      return { ...(name !== undefined && { name }), ...(/^\{\w+\*\}$/.test(segment) && { catchAll: segment }) };
    });
  alignSegments(template, count)?.forEach((segment, i) => {
    if (segment.name !== undefined) positions.set(i, segment.name);
  });
  return positions;
}

function pathIndex(segments: readonly string[], i: number): number {
  return segments.slice(0, i).filter((s) => s !== '').length;
}

function singular(word: string): string {
  return word.replace(/ies$/, 'y').replace(/s$/, '') || 'path';
}

function idName(key: string): string {
  return /id$/i.test(key) ? key : `${key}_id`;
}

function tagSent(sent: Set<string>, value: string | number): void {
  sent.add(`s:${value}`);
  if (typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(value)) sent.add(`n:${Number(value)}`);
}

function collectJsonUses(value: unknown, key: string, uses: Use[], sent: Set<string>, scopeOf: (value: string) => string | undefined): void {
  if (typeof value === 'string') {
    uses.push({ value, hint: idName(key), scope: scopeOf(value) });
    sent.add(`s:${value}`);
  } else if (typeof value === 'number') {
    sent.add(`n:${value}`);
    if (Number.isInteger(value) && ID_KEY.test(key)) uses.push({ value: String(value), hint: idName(key), scope: scopeOf(String(value)) });
  } else if (Array.isArray(value)) for (const item of value) collectJsonUses(item, key, uses, sent, scopeOf);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) collectJsonUses(v, k, uses, sent, scopeOf);
}

function decodeText(buffer: Buffer): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

function requestBody(exchange: RecordedExchange): Body {
  const buffer = exchange.requestBody;
  if (!buffer || buffer.length === 0) return { kind: 'none' };
  const text = decodeText(buffer);
  if (text === undefined) return { kind: 'binary' };
  const media = mediaType(exchange.requestHeaders['content-type']);
  if (isJsonMediaType(media)) {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      return { kind: 'text', value: text };
    }
  }
  if (media === 'application/x-www-form-urlencoded') {
    const pairs = [...new URLSearchParams(text)];
    // `form` is one value per key; a repeated key is only faithful as the raw text.
    if (new Set(pairs.map(([k]) => k)).size === pairs.length) return { kind: 'form', value: Object.fromEntries(pairs) };
  }
  return { kind: 'text', value: text };
}

function responseBody(exchange: RecordedExchange): ResponseBody {
  const buffer = exchange.responseBody;
  if (!buffer || buffer.length === 0) return { kind: 'none' };
  const media = mediaType(exchange.responseHeaders['content-type']);
  const text = decodeText(buffer);
  if (text === undefined) return { kind: 'binary', media };
  if (isJsonMediaType(media)) {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      // Declared JSON that does not parse is compared as what it is: text.
    }
  }
  return { kind: 'text', value: text, media };
}

/** A key that names an identifier: `id`, `customer_id`, `customerId`. */
export const ID_KEY = /(^|_)id$|[a-z]Id$/;
