/**
 * The mirror policy: which live requests are copied to the candidate (and the secondary), and
 * what each of them is sent. Pure: compiled once from the `shadow` section of parity.yaml and the
 * environment, then asked per request.
 *
 * A request is mirrored when, in this order:
 * 1. no `exclude` glob matches it (deny wins);
 * 2. `include` is empty or one of its globs matches it;
 * 3. its method is one of `methods` (GET, HEAD, OPTIONS by default), or `allow_writes` names its
 *    endpoint (the spec endpoint it matched, such as "PATCH /customers/{customer_id}") or a glob
 *    on its "METHOD /path";
 * 4. it falls in the sample: `sample_percent` of requests, drawn at random, or with `sample_by`
 *    by a stable hash of a header or cookie, so the same user is always in or always out.
 *
 * Globs are picomatch globs on "METHOD /path" (no query string): "GET /customers/**",
 * "* /internal/**"; a glob without a method ("/health") applies to every method, and a `{name}`
 * path parameter stands for one path segment.
 */
import { SAMPLE_BY, sampleByProblem } from '../src/config/schema.js';
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { ParityError } from '../src/errors.js';
import { targetPath } from '../src/record/match.js';

export const MIRROR_TARGETS = ['candidate', 'secondary'] as const;
export type MirrorTarget = (typeof MIRROR_TARGETS)[number];

export interface HeaderRewrite {
  /** Headers set (replacing any the client sent, whatever their case); `${NAME}` from the environment. */
  set?: Readonly<Record<string, string>>;
  /** Header names removed, case-insensitively. */
  remove?: readonly string[];
}

/** The policy's part of the `shadow` config; the parsed ShadowConfig fits it as it is. */
export interface MirrorPolicyConfig {
  methods: readonly string[];
  /** 0 to 100. */
  sample_percent: number;
  /** "header:NAME" or "cookie:NAME". */
  sample_by?: string | undefined;
  allow_writes?: readonly string[];
  include?: readonly string[];
  exclude?: readonly string[];
  headers?: Partial<Record<MirrorTarget, HeaderRewrite | undefined>>;
  timeout_ms: number;
  timeouts?: Partial<Record<MirrorTarget, number | undefined>>;
}

export interface MirrorCandidateRequest {
  method: string;
  /** Path and query. */
  target: string;
  /** The spec endpoint the request matched ("PATCH /customers/{customer_id}"), or a function giving it, called only when needed. */
  endpoint?: string | (() => string | undefined);
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface MirrorPolicy {
  shouldMirror(request: MirrorCandidateRequest): boolean;
  /** The headers sent to a target: the client's with that target's rewrites applied (a new object). */
  headersFor(target: MirrorTarget, headers: Readonly<Record<string, string>>): Record<string, string>;
  /** Per-request timeout towards a target, ms. */
  timeoutFor(target: MirrorTarget): number;
}

export interface CompilePolicyOptions {
  /** Random numbers in [0, 1), for sampling without `sample_by` (default Math.random). */
  random?: () => number;
}

const ENV_VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The sample bucket of a key, 0 to 9999: the first 4 bytes of its SHA-1, mod 10000. Stable across processes and releases. */
export function sampleBucket(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % 10_000;
}

/** `${NAME}` replaced from the environment; unset variables are collected in `missing`. */
export function expandEnv(value: string, env: Readonly<Record<string, string | undefined>>, missing: string[] = []): string {
  return value.replace(ENV_VARIABLE, (_, name: string) => {
    const found = env[name];
    if (found === undefined) missing.push(name);
    return found ?? '';
  });
}

/**
 * Compile the policy. Throws a ParityError (exit 2) naming every environment variable a header
 * rewrite needs that is not set, so `parity shadow` fails at start rather than sending an empty token.
 */
export function compilePolicy(config: MirrorPolicyConfig, env: Readonly<Record<string, string | undefined>>, options: CompilePolicyOptions = {}): MirrorPolicy {
  const random = options.random ?? Math.random;
  const methods = new Set(config.methods.map((m) => m.toUpperCase()));
  const include = (config.include ?? []).map((glob) => requestMatcher(glob));
  const exclude = (config.exclude ?? []).map((glob) => requestMatcher(glob));
  const allowWrites = (config.allow_writes ?? []).map((entry) => ({ key: routeKey(entry), matches: requestMatcher(entry) }));
  const threshold = Math.round(config.sample_percent * 100);
  const sampleBy = config.sample_by === undefined ? undefined : parseSampleBy(config.sample_by);

  const problems: string[] = [];
  const rewrites = {} as Record<MirrorTarget, { set: [string, string][]; remove: Set<string> }>;
  for (const target of MIRROR_TARGETS) {
    const rewrite = config.headers?.[target];
    const set = Object.entries(rewrite?.set ?? {}).map(([name, value]): [string, string] => {
      const missing: string[] = [];
      const expanded = expandEnv(value, env, missing);
      for (const variable of new Set(missing)) {
        problems.push(`shadow.headers.${target}.set.${name} needs the environment variable ${variable}, which is not set`);
      }
      return [name.toLowerCase(), expanded];
    });
    rewrites[target] = { set, remove: new Set([...(rewrite?.remove ?? []), ...set.map(([name]) => name)].map((name) => name.toLowerCase())) };
  }
  if (problems.length > 0) {
    throw new ParityError('CONFIG_INVALID', problems.join('; '), {
      hint: 'export the variable before starting parity shadow, or remove the header from shadow.headers',
    });
  }

  function sampled(headers: MirrorCandidateRequest['headers']): boolean {
    if (threshold >= 10_000) return true;
    if (threshold <= 0) return false;
    const key = sampleBy && (sampleBy.kind === 'header' ? headerValue(headers, sampleBy.name) : cookieValue(headers, sampleBy.name));
    // A request without the key (an anonymous client) is sampled at random, at the same rate.
    if (key === undefined || key === '') return random() * 10_000 < threshold;
    return sampleBucket(key) < threshold;
  }

  function writeAllowed(method: string, path: string, request: MirrorCandidateRequest): boolean {
    if (allowWrites.length === 0) return false;
    if (allowWrites.some((allowed) => allowed.matches(method, path))) return true;
    const endpoint = typeof request.endpoint === 'function' ? request.endpoint() : request.endpoint;
    if (endpoint === undefined) return false;
    // A spec endpoint for any method ("* /webhooks") is this request's method.
    const key = routeKey(endpoint.startsWith('* ') ? `${method} ${endpoint.slice(2)}` : endpoint);
    return allowWrites.some((allowed) => allowed.key === key);
  }

  return {
    shouldMirror(request) {
      const method = request.method.toUpperCase();
      const path = targetPath(request.target);
      if (exclude.some((matches) => matches(method, path))) return false;
      if (include.length > 0 && !include.some((matches) => matches(method, path))) return false;
      if (!methods.has(method) && !writeAllowed(method, path, request)) return false;
      return sampled(request.headers);
    },
    headersFor(target, headers) {
      const { set, remove } = rewrites[target];
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) if (!remove.has(name.toLowerCase())) out[name] = value;
      for (const [name, value] of set) out[name] = value;
      return out;
    },
    timeoutFor(target) {
      return config.timeouts?.[target] ?? config.timeout_ms;
    },
  };
}

function parseSampleBy(value: string): { kind: 'header' | 'cookie'; name: string } {
  const match = SAMPLE_BY.exec(value);
  if (!match) throw new ParityError('CONFIG_INVALID', `shadow.sample_by: ${sampleByProblem(value)}`);
  return { kind: match[1] as 'header' | 'cookie', name: match[2]! };
}

/** A glob on "METHOD /path"; without a method it applies to all; `{name}` is one path segment. */
function requestMatcher(glob: string): (method: string, path: string) => boolean {
  const withMethod = glob.startsWith('/') ? `* ${glob}` : glob;
  const space = withMethod.indexOf(' ');
  const pattern = `${withMethod.slice(0, space).toUpperCase()}${withMethod.slice(space).replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, '*')}`;
  const isMatch = picomatch(pattern, { dot: true });
  return (method, path) => isMatch(`${method} ${path}`);
}

/** "PATCH /customers/{customer_id}/" -> "PATCH /customers/{}": parameter names and trailing slashes do not matter. */
function routeKey(endpoint: string): string {
  const space = endpoint.indexOf(' ');
  const path = endpoint.slice(space + 1);
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return `${endpoint.slice(0, space).toUpperCase()} ${trimmed.replace(/\{[^}/]*\}/g, '{}')}`;
}

function headerValue(headers: MirrorCandidateRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function cookieValue(headers: MirrorCandidateRequest['headers'], name: string): string | undefined {
  const header = headerValue(headers, 'cookie');
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
