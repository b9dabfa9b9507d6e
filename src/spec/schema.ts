/**
 * The spec format: one YAML file per endpoint. This zod schema is the single source of truth:
 * the loader validates with it, the types below are inferred from it, and `specs/schema.json`
 * (for editors) is generated from it; a test fails when the committed file drifts.
 *
 * Ownership: `extracted` is machine-owned (rewritten by `parity extract`), `approval` is written
 * by `parity spec approve`, everything else belongs to the humans who review the spec.
 */
import { z } from 'zod';
import { maskProblems } from '../compare/mask.js';
import { jsonPathProblem } from '../jsonpath.js';
import { AT_KEY } from '../yaml/validate.js';
import { matcherProblems } from './matchers.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const DISPOSITIONS = ['preserve', 'fix', 'drop', 'undecided'] as const;

/** A route that answers any method (Express `all`, Rails `via: :all`, a Go pattern without a method). */
export const ANY_METHOD = '*';

const ENDPOINT_PATTERN = new RegExp(`^(${HTTP_METHODS.join('|')}|\\*) (/[^\\s]*)$`);

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected an id of letters, digits, "_", "." or "-" (such as "refunds.create")' })
  .describe('A stable identifier: letters, digits, "_", "." and "-".');

const Endpoint = z
  .string()
  .superRefine((value, ctx) => {
    const problem = endpointProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    '"METHOD /path" with OpenAPI-style path parameters, such as "POST /invoices/{invoice_id}/refunds"; METHOD `*` for a route that answers any method.',
  );

const Evidence = z
  .string()
  .regex(/^[^\s:][^:]*:\d+(-\d+)?$/, { error: 'expected evidence as "file:line" or "file:line-line", such as "app/controllers/refunds_controller.rb:20"' })
  .describe('Where in the legacy source this comes from: "file:line" or "file:line-line".');

const SourceHash = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, { error: 'expected "sha256:" followed by 64 lowercase hex digits' })
  .describe('A content hash: "sha256:<64 hex digits>".');

const JsonPath = z
  .string()
  .superRefine((value, ctx) => {
    const problem = jsonPathProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A JSONPath subset: $, .name, [\'name\'], [3], .* and [*], such as "$.items[*].id".');

const Text = z.string().nullable().optional();

const HeaderMap = z.record(z.string(), z.string()).describe('Header name to value.');
const ScalarOrList = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

/** Expected JSON or text: literal values, or `$`-matchers (see src/spec/matchers.ts). */
const ExpectedValue = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const problem of matcherProblems(value)) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, ...(problem.atKey && { params: AT_KEY }) });
    }
  })
  .describe(
    'Expected value. Literals must be equal; a mapping of $-keys is a matcher: $type, $regex, $uuid, $iso_date, $number (+ $tolerance), $unordered, $absent, $ignore.',
  );

export const RequestSchema = z
  .strictObject({
    method: z.enum(HTTP_METHODS),
    path: z.string().regex(/^(\/|\{\{)/, { error: 'expected a path starting with "/" (or a {{name}} holding one, such as a captured Location header)' }),
    query: z.record(z.string(), ScalarOrList).optional(),
    headers: HeaderMap.optional(),
    auth: z.string().optional().describe('Name of an auth profile from parity.yaml to apply to this request.'),
    json: z.unknown().optional().describe('A JSON request body.'),
    body: z.string().optional().describe('A raw text request body.'),
    form: z.record(z.string(), z.string()).optional().describe('A URL-encoded form body.'),
  })
  .superRefine((request, ctx) => {
    const bodies = (['json', 'body', 'form'] as const).filter((k) => request[k] !== undefined);
    if (bodies.length > 1) ctx.addIssue({ code: 'custom', message: `a request has at most one body, got ${bodies.join(' and ')}`, path: [bodies[1]!] });
  })
  .describe(
    'One HTTP request, sent to each implementation. Any string in it may hold {{name}} (a captured value) and the template functions {{$unique}}, {{$uuid}}, {{$now}} and {{$timestamp}}: made once per run of the example (per label, as in {{$unique:bob}}) and sent to both implementations alike.',
  );

export const ExpectSchema = z
  .strictObject({
    status: z
      .union([z.int().min(100).max(599), z.array(z.int().min(100).max(599)).min(1)])
      .optional()
      .describe('The status, or a list of acceptable statuses.'),
    headers: z.record(z.string(), ExpectedValue).optional().describe('Expected response headers (names are case-insensitive).'),
    json: ExpectedValue.optional().describe('The expected JSON body; fields not named are not checked.'),
    body: ExpectedValue.optional().describe('The expected text body.'),
  })
  .describe('What a response must look like.');

const Capture = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a capture name is letters, digits and "_"' }),
    z.string().superRefine((value, ctx) => {
      for (const prefix of ['header:', 'cookie:']) {
        if (!value.startsWith(prefix)) continue;
        if (value.length === prefix.length) ctx.addIssue({ code: 'custom', message: `expected a ${prefix.slice(0, -1)} name after "${prefix}"` });
        return;
      }
      const problem = jsonPathProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (or "header:Name" to capture a header, "cookie:name" a cookie the response sets)` });
    }),
  )
  .describe(
    'Values to remember for later steps as {{name}}: a JSONPath into the body, "header:Name", or "cookie:name" (the value of a cookie the response sets).',
  );

export const StepSchema = z.strictObject({
  name: z.string().optional(),
  request: RequestSchema,
  capture: Capture.optional(),
  expect: ExpectSchema.optional(),
  expect_legacy: ExpectSchema.optional().describe('For a fix behaviour: what the legacy does (the bug). The rewrite must meet `expect`.'),
});

export const ExampleSchema = z
  .strictObject({
    name: z.string().min(1),
    behavior: Id.optional().describe('The id of the behaviour this example demonstrates; it decides which side must meet which expectation.'),
    description: Text,
    recorded: z
      .boolean()
      .optional()
      .describe('true when `parity record` or `parity import har` made it from real traffic; review it, then remove the flag or the example.'),
    request: RequestSchema.optional(),
    expect: ExpectSchema.optional(),
    expect_legacy: ExpectSchema.optional(),
    steps: z.array(StepSchema).min(1).optional(),
    cleanup: z
      .array(StepSchema)
      .min(1)
      .optional()
      .describe(
        "Steps run after this example, even when it failed, before the spec's teardown: they may use the values the example captured on that side ({{name}}); a step needing a value the example never captured (it failed before) is left out.",
      ),
  })
  .superRefine((example, ctx) => {
    if (example.request === undefined && example.steps === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an example needs `request` (one request) or `steps` (several in order)' });
    }
    if (example.request !== undefined && example.steps !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'an example has either `request` or `steps`, not both', path: ['steps'] });
    }
    if (example.steps !== undefined) {
      for (const key of ['expect', 'expect_legacy'] as const) {
        if (example[key] !== undefined) ctx.addIssue({ code: 'custom', message: `with \`steps\`, put \`${key}\` on the step it checks`, path: [key] });
      }
    }
  });

export const BehaviorSchema = z.strictObject({
  id: Id,
  says: z.string().min(1).describe('What the endpoint does, in plain words a reviewer can check.'),
  disposition: z
    .enum(DISPOSITIONS)
    .describe(
      'preserve: the rewrite must do the same; fix: a real bug the rewrite must not copy; drop: the rewrite need not do it; undecided: not reviewed yet.',
    ),
  evidence: z.array(Evidence).optional(),
  notes: Text,
  signatures: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'Shadow difference signatures this fix explains ("ENDPOINT | path kind; ..."), linked from the dashboard: such differences are classified expected.',
    ),
});

const ExtractedParam = z.strictObject({
  name: z.string().min(1),
  in: z.enum(['path', 'query', 'body', 'header', 'cookie']),
  type: z.string().optional().describe('string, integer, number, boolean, array, object, or a language type name.'),
  required: z.boolean().optional(),
  validations: z.array(z.string()).optional(),
  description: z.string().optional(),
  evidence: Evidence.optional(),
});

const ExtractedGuard = z.strictObject({
  kind: z.enum(['auth', 'authz', 'rate_limit', 'validation', 'csrf', 'other']),
  text: z.string().min(1),
  level: z.enum(['app', 'router', 'group', 'controller', 'handler']).optional().describe('Where the guard is attached.'),
  required: z
    .boolean()
    .optional()
    .describe(
      'For an auth guard: true when a request without valid credentials is rejected; false when credentials are only read if present. ' +
        'For an authz guard: true when it also rejects every request without credentials (IsAdminUser).',
    ),
  evidence: Evidence.optional(),
});

const ExtractedOutcome = z.strictObject({
  status: z.int().min(100).max(599),
  when: z.string().optional(),
  body: z.unknown().optional(),
  evidence: Evidence.optional(),
});

const ExtractedSideEffect = z.strictObject({
  kind: z.enum(['db_write', 'db_read', 'job', 'email', 'http_call', 'cache', 'event', 'file', 'other']),
  target: z.string().min(1),
  evidence: Evidence.optional(),
});

const ExtractedVolatile = z.strictObject({
  field: JsonPath,
  reason: z.string().min(1),
  evidence: Evidence.optional(),
});

export const ExtractedLlmSchema = z
  .strictObject({
    model: z.string().min(1).describe('The Claude model that wrote this description.'),
    prompt_version: z.string().min(1).describe("The version of parity's prompt; a new version describes again."),
    summary: z.string().min(1).describe('What the endpoint does, in a few sentences.'),
    behaviors: z
      .array(
        z.strictObject({
          says: z.string().min(1).describe('One behaviour, in plain words a reviewer can check.'),
          lines: z.array(Evidence).min(1).describe('The source lines it rests on, each within the excerpts that were sent.'),
        }),
      )
      .describe('Behaviours the model read in the code; claims citing lines it was not shown are dropped.'),
    questions: z.array(z.string()).describe('Open questions for the reviewer: ambiguities, suspected bugs, existing data this code would mishandle.'),
    cut: z
      .array(z.string())
      .optional()
      .describe('Source the model was not shown, "file:start-end (reason)": over the token budget, or a secret file never sent.'),
    dropped_claims: z.int().min(0).describe('Behaviours dropped because they cited lines outside the excerpts sent (or cited none).'),
  })
  .describe('A description written by Claude (`parity extract --llm`) from the static facts and source excerpts; a draft to check, not evidence.');

export const ExtractedSchema = z
  .strictObject({
    framework: z.string().optional(),
    handler: Evidence.optional(),
    source_hash: SourceHash.optional().describe('Hash of the handler source at extraction; approval is bound to it.'),
    params: z.array(ExtractedParam).optional(),
    guards: z.array(ExtractedGuard).optional(),
    outcomes: z.array(ExtractedOutcome).optional(),
    side_effects: z.array(ExtractedSideEffect).optional(),
    volatile: z.array(ExtractedVolatile).optional(),
    narrative: z.string().optional(),
    questions: z.array(z.string()).optional(),
    llm: ExtractedLlmSchema.optional(),
    changes_since_approval: z
      .array(z.string())
      .optional()
      .describe('What extraction found changed in the legacy since the spec was approved; cleared by the next extraction after approval.'),
  })
  .describe('Machine-owned: rewritten by every `parity extract`. Edit the human sections instead.');

export const ApprovalSchema = z
  .strictObject({
    by: z.string().min(1),
    at: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as "2026-11-21T10:00:00Z"' }),
    source_hash: SourceHash.optional().describe('extracted.source_hash when approved; a different current hash means the legacy moved (drifted).'),
    spec_hash: SourceHash.describe('Hash of the reviewed decisions when approved; editing them withdraws the approval.'),
  })
  .describe('Written by `parity spec approve`.');

const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected a header name such as "cache-control"' })
  .describe('An HTTP header name, case-insensitive.');

export const CompareSchema = z
  .strictObject({
    ignore: z.array(JsonPath).optional().describe('Fields whose differences never count.'),
    unordered: z.array(JsonPath).optional().describe('Arrays compared without regard to order.'),
    tolerance: z.record(z.string(), z.number().min(0)).optional().describe('Numeric fields compared within an absolute tolerance, keyed by JSONPath.'),
    headers: z
      .array(HeaderName)
      .optional()
      .describe(
        'Response headers to compare (default: content-type); "*" is every header but hop-by-hop, body-derived and per-response ones (date, etag, ...).',
      ),
    ignore_headers: z
      .array(HeaderName)
      .optional()
      .describe('Response headers never compared, even under "*"; a trailing "*" matches a prefix, as in "x-amzn-*".'),
    ignore_header_parameters: z
      .array(
        z.string().regex(/^(content-type|content-disposition);([!#$%&'+.^_`|~0-9A-Za-z-]+|\*)$/i, {
          error:
            'expected content-type or content-disposition and one of its parameters, as in "content-type;charset", or "content-type;*" for the media type only',
        }),
      )
      .optional()
      .describe(
        'Parameters of content-type or content-disposition that never count: "content-type;charset", or "content-type;*" to compare the media type only.',
      ),
    mask: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Target -> regex: every match is replaced by "[masked]" on both sides before comparing. Targets: a JSONPath (strings at or beneath it), "body" (a text, HTML or XML body) or "header:Name".',
      ),
    ignore_tag_whitespace: z.boolean().optional().describe('HTML and XML bodies: whitespace standing alone between tags does not count.'),
  })
  .superRefine((compare, ctx) => {
    for (const path of Object.keys(compare.tolerance ?? {})) {
      const problem = jsonPathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['tolerance', path], params: AT_KEY });
    }
    for (const [target, regex] of Object.entries(compare.mask ?? {})) {
      const problems = maskProblems(target, regex);
      if (problems.target) ctx.addIssue({ code: 'custom', message: problems.target, path: ['mask', target], params: AT_KEY });
      if (problems.regex) ctx.addIssue({ code: 'custom', message: problems.regex, path: ['mask', target] });
    }
  })
  .describe("Rules for comparing the two implementations' responses (spec tests with --diff, shadow, replay).");

export const SpecSchema = z
  .strictObject({
    id: Id,
    endpoint: Endpoint,
    approval: ApprovalSchema.optional(),
    extracted: ExtractedSchema.optional(),
    summary: Text,
    who_may_call: Text.describe('Who is allowed to call this endpoint. Required before approval.'),
    rate_limit: Text.describe('The rate limit that applies ("none, intentionally" is an answer). Required before approval.'),
    idempotency: Text.describe('What happens when the same request is sent twice.'),
    behaviors: z.array(BehaviorSchema).default([]),
    examples: z.array(ExampleSchema).default([]),
    setup: z.array(StepSchema).optional().describe('Steps run before each example of this spec.'),
    teardown: z.array(StepSchema).optional().describe('Steps run after each example of this spec, even when it failed.'),
    compare: CompareSchema.optional(),
  })
  .describe('A parity spec: what one endpoint of the legacy service does, and what the rewrite must do.');

export type Spec = z.output<typeof SpecSchema>;
export type Behavior = z.output<typeof BehaviorSchema>;
export type Example = z.output<typeof ExampleSchema>;
export type Step = z.output<typeof StepSchema>;
export type SpecRequest = z.output<typeof RequestSchema>;
export type Expectation = z.output<typeof ExpectSchema>;
export type Extracted = z.output<typeof ExtractedSchema>;
export type ExtractedLlm = z.output<typeof ExtractedLlmSchema>;
export type Approval = z.output<typeof ApprovalSchema>;
export type Disposition = (typeof DISPOSITIONS)[number];
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ParsedEndpoint {
  method: HttpMethod | typeof ANY_METHOD;
  path: string;
  /** Path parameter names in order (a catch-all's without its `*`). */
  params: string[];
  /** The route with parameter names erased, so `/a/{id}` and `/a/{a_id}` compare equal. */
  routeKey: string;
}

/** A path parameter: `{name}`, or `{name*}` for a catch-all that spans one or more whole segments. */
const PATH_PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}/g;

export function endpointProblem(value: string): string | undefined {
  const match = ENDPOINT_PATTERN.exec(value);
  if (!match) return `expected "METHOD /path" with METHOD one of ${HTTP_METHODS.join(', ')} or * (any), such as "POST /invoices/{invoice_id}/refunds"`;
  const path = match[2]!;
  const stripped = path.replace(PATH_PARAM, '');
  if (/[{}]/.test(stripped)) {
    return `path parameters are written {name} (or {name*} for one spanning several segments) with a name of letters, digits and "_", got ${JSON.stringify(path)}`;
  }
  const params = [...path.matchAll(PATH_PARAM)].map((m) => m[1]!);
  const repeated = params.find((p, i) => params.indexOf(p) !== i);
  if (repeated) return `path parameter {${repeated}} appears twice`;
  const catchAlls = [...path.matchAll(PATH_PARAM)].filter((m) => m[2] === '*');
  if (catchAlls.length > 1) return `a path has at most one catch-all parameter, got ${catchAlls.map((m) => m[0]).join(' and ')}`;
  const segment = path.split('/').find((s) => s.includes('*}'));
  if (segment !== undefined && !/^\{[A-Za-z_][A-Za-z0-9_]*\*\}$/.test(segment)) {
    return `a catch-all parameter is a whole path segment ("/files/{path*}"), got ${JSON.stringify(segment)}`;
  }
  return undefined;
}

export function parseEndpoint(value: string): ParsedEndpoint {
  const problem = endpointProblem(value);
  if (problem) throw new Error(problem);
  const [, method, path] = ENDPOINT_PATTERN.exec(value)!;
  const params = [...path!.matchAll(PATH_PARAM)].map((m) => m[1]!);
  const normalized = path!.length > 1 ? path!.replace(/\/+$/, '') : path!;
  // A catch-all is another route than a one-segment parameter at the same place.
  const routeKey = `${method} ${normalized.replace(/\{[^}]*\*\}/g, '{*}').replace(/\{[^}*]+\}/g, '{}')}`;
  return { method: method as ParsedEndpoint['method'], path: path!, params, routeKey };
}
