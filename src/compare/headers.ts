/**
 * Which response headers are compared, and as what value. Pure.
 *
 * `headers` lists names (case-insensitive). The name `*` stands for every header either side sent,
 * except the ones that differ between any two responses whatever the code does:
 * - hop-by-hop headers (RFC 9110 §7.6.1), which belong to one connection, not to the response,
 *   plus any name a `Connection` header lists;
 * - headers derived from the body or its encoding (content-length, content-encoding, digests):
 *   the body is compared decoded, so these only repeat a body difference or report transport
 *   (whether a proxy compressed, whether the client asked for gzip);
 * - clocks and per-response identities: date, expires, last-modified, age, etag, request and
 *   trace ids, timings, and the server's self-description (server, x-powered-by, via).
 * Names listed beside `*` are compared even when they are in that set (`["*", "etag"]`), and
 * `ignore_headers` takes names out of either form (a trailing `*` matches a prefix: `x-amzn-*`).
 *
 * Set-Cookie is compared as the sorted list of cookies with their attributes, each value and
 * Expires replaced: a session id or a clock is never a finding, but a cookie the rewrite no
 * longer sets, or one that lost HttpOnly, is. (Cookie values that matter are left uncompared:
 * list them in a spec example instead.)
 */
import type { ResponseData } from './response.js';

export const WILDCARD_HEADERS = '*';

/** Never compared under `*`: hop-by-hop, body-derived, and per-response headers. */
export const VOLATILE_HEADERS: readonly string[] = [
  // Hop-by-hop.
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-*',
  // Derived from the body or its encoding.
  'content-length',
  'content-encoding',
  'content-md5',
  'digest',
  'content-digest',
  'repr-digest',
  // Clocks.
  'date',
  'expires',
  'last-modified',
  'age',
  // Per-response identities and timings.
  'etag',
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'x-trace-id',
  'traceparent',
  'tracestate',
  'x-b3-*',
  'x-amzn-trace-id',
  'x-amzn-requestid',
  'cf-ray',
  'x-response-time',
  'x-runtime',
  'server-timing',
  'x-envoy-upstream-service-time',
  // The server describing itself.
  'server',
  'x-powered-by',
  'via',
];

export const COOKIE_VALUE_PLACEHOLDER = '…';

export interface HeaderRules {
  headers?: readonly string[] | undefined;
  ignore_headers?: readonly string[] | undefined;
}

/**
 * Headers whose value is a token with `; name=value` parameters (RFC 9110 §5.6.6): compared as
 * such. The token and the parameter names are case-insensitive, so is a charset, and whitespace
 * around `;` and `=` means nothing, so `application/json;charset=UTF-8` equals
 * `application/json; charset=utf-8`. When only parameters differ, each differing one is its own
 * difference (`header:content-type;charset`), which `compare.ignore_header_parameters` can name.
 */
const PARAMETERISED_HEADERS = new Set(['content-type', 'content-disposition']);

interface ParameterisedValue {
  token: string;
  /** Lower-case name -> value, unquoted (a charset lower-cased). */
  parameters: Map<string, string>;
}

function parseParameterised(value: string): ParameterisedValue {
  // `;` inside a quoted value does not separate parameters.
  const [token = '', ...rest] = value.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const parameters = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    let parameter = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (parameter.startsWith('"') && parameter.endsWith('"') && parameter.length >= 2) parameter = parameter.slice(1, -1).replace(/\\(.)/g, '$1');
    parameters.set(name, name === 'charset' ? parameter.toLowerCase() : parameter);
  }
  return { token: token.trim().toLowerCase(), parameters };
}

/**
 * For a parameterised header whose two values name the same token (media type): the names of the
 * parameters that differ, sorted (empty when the values are equal as such headers are compared),
 * leaving out those `ignored` names (`*`: all). Undefined for other headers, or when the tokens differ.
 */
export function differingParameters(name: string, a: string, b: string, ignored: ReadonlySet<string> | undefined): string[] | undefined {
  if (!PARAMETERISED_HEADERS.has(name)) return undefined;
  const [left, right] = [parseParameterised(a), parseParameterised(b)];
  if (left.token !== right.token) return undefined;
  if (ignored?.has('*')) return [];
  const names = new Set([...left.parameters.keys(), ...right.parameters.keys()]);
  return [...names].filter((parameter) => !ignored?.has(parameter) && left.parameters.get(parameter) !== right.parameters.get(parameter)).sort();
}

/** `compare.ignore_header_parameters` entries (`content-type;charset`, `content-type;*`) as header -> parameter names, lower-case. */
export function ignoredParameters(entries: readonly string[] | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of entries ?? []) {
    const semi = entry.indexOf(';');
    if (semi <= 0) continue;
    const header = entry.slice(0, semi).trim().toLowerCase();
    const names = out.get(header) ?? new Set<string>();
    names.add(
      entry
        .slice(semi + 1)
        .trim()
        .toLowerCase(),
    );
    out.set(header, names);
  }
  return out;
}

/** The lower-case header names to compare for this pair of responses, in reporting order. */
export function comparedHeaderNames(
  primary: ResponseData['headers'],
  candidate: ResponseData['headers'],
  rules: HeaderRules,
  defaults: readonly string[],
): string[] {
  const listed = (rules.headers ?? defaults).map((name) => name.toLowerCase());
  const ignored = (rules.ignore_headers ?? []).map((name) => name.toLowerCase());
  const explicit = listed.filter((name) => name !== WILDCARD_HEADERS);
  let names: string[];
  if (listed.includes(WILDCARD_HEADERS)) {
    const hopByHop = [...connectionTokens(primary), ...connectionTokens(candidate)];
    const present = new Set([...presentNames(primary), ...presentNames(candidate)]);
    const all = [...present].filter((name) => !matchesAnyName([...VOLATILE_HEADERS, ...hopByHop], name));
    names = [...new Set([...all, ...explicit])].sort();
  } else names = [...new Set(explicit)];
  return names.filter((name) => !matchesAnyName(ignored, name));
}

/** The value compared for a header: as received (repeats joined with ", "), Set-Cookie normalised. */
export function comparedHeaderValue(headers: ResponseData['headers'], name: string): string | undefined {
  if (name !== 'set-cookie') return headerValue(headers, name);
  const cookies: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== 'set-cookie' || value === undefined) continue;
    for (const line of typeof value === 'string' ? splitSetCookie(value) : value) cookies.push(normaliseCookie(line));
  }
  return cookies.length === 0 ? undefined : cookies.sort().join('\n');
}

function presentNames(headers: ResponseData['headers']): string[] {
  return Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key.toLowerCase());
}

/** Names a `Connection` header declares hop-by-hop. */
function connectionTokens(headers: ResponseData['headers']): string[] {
  return (headerValue(headers, 'connection') ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

function matchesAnyName(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
}

/** Set-Cookie lines joined into one string (`a=1; Path=/, b=2`): split at commas that start a new cookie, not inside Expires. */
export function splitSetCookie(value: string): string[] {
  return value.split(/,\s*(?=[^;,=\s]+=)/);
}

/** The cookies a response sets, name -> value (the last one of a name wins, as in a browser's jar). */
export function cookiesSet(headers: ResponseData['headers']): Map<string, string> {
  const out = new Map<string, string>();
  for (const key in headers) {
    const value = headers[key];
    if (key.toLowerCase() !== 'set-cookie' || value === undefined) continue;
    for (const line of typeof value === 'string' ? splitSetCookie(value) : value) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq > 0) out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  return out;
}

/** `sid=abc; Path=/; Expires=...; HttpOnly` -> `sid=…; httponly; path=/`: the name and attributes, no value and no clock. */
function normaliseCookie(line: string): string {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  const name = pair.includes('=') ? pair.slice(0, pair.indexOf('=')).trim() : pair;
  const kept = attributes
    .filter((attribute) => attribute !== '' && !/^expires\s*=/i.test(attribute))
    .map((attribute) => {
      const eq = attribute.indexOf('=');
      return eq === -1 ? attribute.toLowerCase() : `${attribute.slice(0, eq).trim().toLowerCase()}=${attribute.slice(eq + 1).trim()}`;
    })
    .sort();
  return [`${name}=${COOKIE_VALUE_PLACEHOLDER}`, ...kept].join('; ');
}

/** A header's value by case-insensitive name; repeated headers joined with ", ". */
export function headerValue(headers: ResponseData['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  // Every comparison asks for a few headers: no entries array, and most names are ruled out by their length.
  for (const key in headers) {
    if (key.length !== wanted.length || (key !== wanted && key.toLowerCase() !== wanted)) continue;
    const value = headers[key];
    if (value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}
