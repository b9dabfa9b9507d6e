/**
 * The workspace config, `parity.yaml`. Validated with zod; every path in it is relative to the
 * directory that holds the file.
 */
import ms from 'ms';
import { z } from 'zod';
import { jsonPathProblem } from '../jsonpath.js';
import { CompareSchema, HTTP_METHODS } from '../spec/schema.js';

export const CONFIG_FILE_NAME = 'parity.yaml';

/**
 * A base URL as people type it on a command line: `:7101` is `http://127.0.0.1:7101` and
 * `host:8080` (no scheme) is `http://host:8080`, as curl, httpie and most dev servers read them.
 * Anything else is returned as given, for httpUrlProblem to judge.
 */
export function expandUrlShorthand(value: string): string {
  if (/^:\d{1,5}(\/.*)?$/.test(value)) return `http://127.0.0.1${value}`;
  if (/^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\]):\d{1,5}(\/.*)?$/i.test(value)) return `http://${value}`;
  return value;
}

export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http:// or https:// URL such as "http://127.0.0.1:3000" (or ":3000" for it on a command line), got ${JSON.stringify(value)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected an http:// or https:// URL, got the scheme "${url.protocol}"`;
  if (url.search || url.hash) return 'a base URL has no query string or fragment';
  return undefined;
}

export const SAMPLE_BY = /^(header|cookie):([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/;

/** Why a `sample_by` value is unusable, or undefined when it is fine. */
export function sampleByProblem(value: string): string | undefined {
  return SAMPLE_BY.test(value)
    ? undefined
    : `expected "header:NAME" or "cookie:NAME", such as "header:X-User-Id" or "cookie:session", got ${JSON.stringify(value)}`;
}

/** Why an `include` / `exclude` / `allow_writes` entry is unusable, or undefined when it is fine. */
export function requestGlobProblem(value: string, methodRequired: boolean): string | undefined {
  if (methodRequired ? /^\S+ \/\S*$/.test(value) : /^(\S+ )?\/\S*$/.test(value)) return undefined;
  return methodRequired
    ? `expected "METHOD /path" such as "POST /invoices" or "PATCH /customers/{customer_id}", got ${JSON.stringify(value)}`
    : `expected a glob on "METHOD /path" such as "GET /customers/**", "* /internal/**" or "/health", got ${JSON.stringify(value)}`;
}

export const HttpUrl = z.string().superRefine((value, ctx) => {
  const problem = httpUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const RelativePath = z.string().min(1);

/** A section whose key may be present with only comments under it (YAML null): same as absent. */
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

/** A string checked by a function that says what is wrong with it. */
function checked(problemOf: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const HeaderRewriteSchema = z.strictObject({
  set: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected a header name' }), z.string())
    .default({})
    .describe("Headers set on requests to this target, replacing the client's; ${NAME} is read from the environment at start."),
  remove: z.array(z.string().min(1)).default([]).describe('Header names removed from requests to this target.'),
});

export const ShadowConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Address the shadow proxy listens on.'),
  port: z.int().min(0).max(65535).default(8480).describe('Port the shadow proxy listens on (0 picks a free one).'),
  mode: z.enum(['inline', 'detached']).default('inline'),
  primary: HttpUrl.optional().describe('The legacy instance whose answers clients get (default: legacy.url).'),
  candidate: HttpUrl.optional().describe('The rewrite (default: rewrite.url).'),
  secondary: HttpUrl.optional().describe('A second legacy instance, to tell noise from real differences.'),
  sample_percent: z.number().min(0).max(100).default(100).describe('Share of eligible requests mirrored, 0 to 100.'),
  sample_by: checked(sampleByProblem)
    .optional()
    .describe('"header:NAME" or "cookie:NAME": sample by a stable hash of its value, so the same user is always in or always out (default: at random).'),
  methods: z
    .array(z.enum(HTTP_METHODS))
    .min(1)
    .default(['GET', 'HEAD', 'OPTIONS'])
    .describe('Methods mirrored to the candidate; others only when an endpoint is explicitly allowed.'),
  allow_writes: z
    .array(checked((value) => requestGlobProblem(value, true)))
    .default([])
    .describe('Endpoints ("POST /invoices", "PATCH /customers/{customer_id}") or globs on "METHOD /path" mirrored whatever their method.'),
  include: z
    .array(checked((value) => requestGlobProblem(value, false)))
    .default([])
    .describe('Globs on "METHOD /path" ("GET /customers/**", "/health"); when set, only matching requests are mirrored.'),
  exclude: z
    .array(checked((value) => requestGlobProblem(value, false)))
    .default([])
    .describe('Globs on "METHOD /path" never mirrored; exclude wins over include and allow_writes.'),
  queue_limit: z.int().min(1).default(10_000).describe('Mirror jobs waiting at most; beyond this they are dropped and counted.'),
  timeout_ms: z.int().min(1).default(5_000).describe('Per-request timeout towards the candidate and secondary.'),
  timeouts: section(
    z
      .strictObject({
        candidate: z.int().min(1).optional().describe('Per-request timeout towards the candidate (default: timeout_ms).'),
        secondary: z.int().min(1).optional().describe('Per-request timeout towards the secondary (default: timeout_ms).'),
      })
      .default({}),
  ),
  max_body_bytes: z.int().min(0).default(1_048_576).describe('Bodies larger than this are recorded as not compared.'),
  headers: section(
    z
      .strictObject({
        candidate: section(HeaderRewriteSchema.default({ set: {}, remove: [] })),
        secondary: section(HeaderRewriteSchema.default({ set: {}, remove: [] })),
      })
      .default({ candidate: { set: {}, remove: [] }, secondary: { set: {}, remove: [] } })
      .describe("Per-target header rewrites (each target its own auth token); the primary always gets the client's headers."),
  ),
  compare: CompareSchema.optional().describe(
    "Compare rules for every endpoint (ignore, unordered, tolerance, headers, ignore_headers, ignore_header_parameters, mask), under each spec's own `compare` section.",
  ),
  correlation: section(
    z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Follow the identifiers each side makes up (ids, slugs, tokens, session cookies): translate them in mirrored requests, compare learned pairs as equal, order dependent requests, and count differences downstream of a diverged write.',
          ),
        max_entries: z.int().min(1).default(100_000).describe('Learned pairs kept per side (and diverged identifiers kept), least recently used first out.'),
        max_age_hours: z.number().gt(0).default(168).describe('A learned pair or diverged identifier not used for this long is forgotten.'),
        keys: z
          .array(z.string().min(1))
          .default([])
          .describe('More JSON keys whose values are identifiers, beside id, *_id, uuid, slug, token, *_token and the like ("number", "handle").'),
        sessions: z
          .array(z.enum(['connection', 'authorization', 'cookie']))
          .default(['connection', 'authorization', 'cookie'])
          .describe(
            "What makes requests one client's, whose writes reach the candidate in order: the client connection (inline), the Authorization header, each cookie. Leave out `authorization` when one credential is shared by many independent clients.",
          ),
      })
      .default({ enabled: true, max_entries: 100_000, max_age_hours: 168, keys: [], sessions: ['connection', 'authorization', 'cookie'] }),
  ),
  drain_seconds: z
    .int()
    .min(0)
    .default(10)
    .describe('On SIGTERM, how long queued comparisons may take before the rest are dropped (counted); then the store is flushed and parity exits.'),
  minute_retention_hours: z
    .int()
    .min(1)
    .default(48)
    .describe('Per-minute rollups older than this are deleted as shadowing goes on; the hourly ones, which reports and the dashboard read, are kept.'),
  log_interval_seconds: z
    .int()
    .min(1)
    .default(60)
    .describe('parity shadow writes a JSON line of its counters to standard error this often (and once when it stops).'),
  redact: section(
    z
      .strictObject({
        headers: z
          .array(z.string().min(1))
          .default([])
          .describe('Header names redacted before anything is stored, beside Authorization, Cookie, Set-Cookie, X-Api-Key.'),
        json_paths: z
          .array(
            z.string().superRefine((value, ctx) => {
              const problem = jsonPathProblem(value);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
          )
          .default([])
          .describe('JSONPaths redacted inside request and response bodies, such as "$.card.number".'),
        query: z.array(z.string().min(1)).default([]).describe('Query and form parameters redacted, beside access_token.'),
      })
      .default({ headers: [], json_paths: [], query: [] }),
  ),
});

export const TestConfigSchema = z.strictObject({
  concurrency: z.int().min(1).max(256).default(8).describe('Examples run at once (the steps of one example always run in order).'),
  timeout_ms: z.int().min(1).default(10_000).describe('Per-request timeout of spec tests.'),
});

/** A duration such as "24h", "7d" or "90m" (the `ms` package's syntax), as milliseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const parsed = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(value) ? ms(value as ms.StringValue) : undefined;
  return parsed !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

const Duration = z.string().superRefine((value, ctx) => {
  if (parseDuration(value) === undefined)
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "24h", "7d" or "90m", got ${JSON.stringify(value)}` });
});

const Fraction = z.number().gt(0).lt(1);

export const ReportConfigSchema = z.strictObject({
  target_match_rate: Fraction.default(0.999).describe('The match rate the lower confidence bound must reach for the shadow correctness gate.'),
  confidence: Fraction.default(0.95).describe('One-sided confidence of the bounds the gates use.'),
  error_rate_margin: z
    .number()
    .min(0)
    .lt(1)
    .default(0.001)
    .describe("How much the rewrite's 5xx rate may exceed the legacy's (0.001: 0.1 percentage points), judged by the upper confidence bound."),
  max_p99_ratio: z
    .number()
    .min(1)
    .default(1.1)
    .describe("The rewrite's p99 (and p50) latency over the reference's at most, judged by the upper bound of a confidence interval."),
  p99_slack_ms: z
    .number()
    .min(0)
    .default(1)
    .describe("A rewrite p99 (or p50) within this many milliseconds of the reference's passes whatever the ratio, judged the same way."),
  min_latency_samples: z.int().min(1).default(200).describe('Requests each side needs before latency is judged.'),
  max_secondary_divergence: z
    .number()
    .min(0)
    .lt(1)
    .default(0.01)
    .describe(
      "The share of an endpoint's requests on which the secondary may disagree with the primary on status or structure; above it the secondary has drifted and the endpoint's correctness is at most INSUFFICIENT.",
    ),
  min_shadow_duration: Duration.default('24h').describe('How long an endpoint must have been shadowed ("24h", "7d").'),
});

export const LlmConfigSchema = z.strictObject({
  model: z.string().min(1).default('claude-sonnet-5-5').describe('The Claude model `parity extract --llm` asks.'),
  max_input_tokens: z
    .int()
    .min(500)
    .default(6000)
    .describe('Input budget per endpoint (estimated as characters / 4): source excerpts beyond it are cut, and the draft says what was cut.'),
  max_output_tokens: z.int().min(100).default(1500).describe('The most tokens one description may take.'),
  concurrency: z.int().min(1).max(64).default(4).describe('Endpoints described at once.'),
  timeout_ms: z.int().min(1).default(60_000).describe('Per-request timeout; a timed-out request is retried like a 5xx.'),
  max_retries: z.int().min(0).max(10).default(3).describe('Retries (with backoff, honouring retry-after) on 429, 5xx, timeouts and connection errors.'),
  input_price_per_million: z.number().min(0).default(3).describe('US dollars per million input tokens, for the cost estimate.'),
  output_price_per_million: z.number().min(0).default(15).describe('US dollars per million output tokens, for the cost estimate.'),
});

export const AuthProfileSchema = z.strictObject({
  headers: z.record(z.string(), z.string()).describe('Headers added to each request; ${NAME} is read from the environment.'),
});

export const ConfigSchema = z.strictObject({
  legacy: section(
    z
      .strictObject({
        source: RelativePath.optional().describe('Directory holding the legacy source code, for `parity extract`.'),
        url: HttpUrl.optional().describe('Base URL of a running legacy instance.'),
      })
      .default({}),
  ),
  rewrite: section(
    z
      .strictObject({
        url: HttpUrl.optional().describe('Base URL of a running rewrite instance.'),
      })
      .default({}),
  ),
  specs: RelativePath.default('specs').describe('Directory of spec files.'),
  store: RelativePath.default('.parity/parity.db').describe('SQLite store for runs, shadow comparisons and caches.'),
  reports: RelativePath.default('reports').describe('Directory readiness reports are written to.'),
  auth: section(
    z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'an auth profile name is letters, digits, "_" and "-"' }), AuthProfileSchema)
      .default({})
      .describe('Named credentials that spec examples use with `auth: <name>`.'),
  ),
  hooks: RelativePath.optional().describe('A JavaScript module whose requestVariables(request) fills {{name}} in request headers (signatures, tokens).'),
  test: section(TestConfigSchema.default(() => TestConfigSchema.parse({}))),
  shadow: section(ShadowConfigSchema.default(() => ShadowConfigSchema.parse({}))),
  report: section(ReportConfigSchema.default(() => ReportConfigSchema.parse({}))),
  llm: section(LlmConfigSchema.default(() => LlmConfigSchema.parse({}))),
});

export type ConfigFile = z.output<typeof ConfigSchema>;
export type ShadowConfig = z.output<typeof ShadowConfigSchema>;
export type TestConfig = z.output<typeof TestConfigSchema>;
export type ReportConfig = z.output<typeof ReportConfigSchema>;
export type LlmConfig = z.output<typeof LlmConfigSchema>;
export type AuthProfile = z.output<typeof AuthProfileSchema>;
