/**
 * `runSpecTests`: every planned example against the legacy and the rewrite in one run.
 *
 * Each example runs separately on each side (its own captures: the ids one side creates mean
 * nothing to the other), its steps in order, examples concurrently. Which expectation a side is
 * held to follows the behaviour's disposition:
 *
 *   preserve (and undecided, and no behaviour)  both sides must meet `expect`
 *   fix    the legacy must meet `expect_legacy` (the documented bug; `expect` on steps without
 *          one) and the rewrite `expect`; a legacy that meets `expect` instead is `bug-gone`
 *   drop   the legacy must meet `expect`; the rewrite is not run
 *
 * With `diff`, the two sides' responses to each step of a preserve example are also compared
 * with the shadow proxy's comparator and its correlation (the ids each side generated, captured
 * under one name or made up by one step, are paired and compare equal: src/correlate), with the
 * spec's `compare` rules and extracted volatile fields ignored. What is left are differences no
 * expectation mentions.
 */
import type { AuthProfile } from '../config/schema.js';
import { cookiesSet } from '../compare/headers.js';
import { compareResponses, liftBody, type Difference } from '../compare/response.js';
import { compareRulesOf } from '../compare/rules.js';
import { pairEquivalence } from '../correlate/equivalence.js';
import { isScalar, isStrong } from '../correlate/identifiers.js';
import { learnPairs } from '../correlate/learn.js';
import { CorrelationMap } from '../correlate/map.js';
import { scopeOfKey } from '../correlate/request.js';
import { ParityError } from '../errors.js';
import { parseJsonPath, selectJsonPath } from '../jsonpath.js';
import { matchEndpoint } from '../record/match.js';
import type { LoadedSpec, SpecSet } from '../spec/load.js';
import type { Disposition, Expectation, SpecRequest } from '../spec/schema.js';
import { checkResponse, type Mismatch } from './expect.js';
import { hookVariables, type RequestHooks } from './hooks.js';
import { HttpClient, RequestFailure, type OutgoingRequest, type ReceivedResponse } from './http.js';
import { authHeaders, planTests, type Phase, type PlannedExample, type PlannedStep, type UntestedBehavior } from './plan.js';
import { ExampleVariables, renderText, renderValue, TemplateError, TemplateFunctionValues } from './template.js';

export const TARGETS = ['legacy', 'rewrite'] as const;

/** A request that cannot be built as written once its placeholders are filled. */
class RenderError extends Error {}
export type Target = (typeof TARGETS)[number];
export type Outcome = 'pass' | 'fail' | 'error' | 'skipped' | 'bug-gone';

export interface StepReport {
  phase: Phase;
  /** 1-based line of the step in its spec file. */
  line: number;
  method: string;
  /** Path and query as sent (placeholders filled), or as written when rendering failed. */
  path: string;
  status?: number;
  durationMs?: number;
  /** Which expectation applied: `expect`, `expect_legacy`, or none written. */
  checked: 'expect' | 'expect_legacy' | 'none';
  mismatches: Mismatch[];
  /** A request that could not be made or answered (template, timeout, connection). */
  error?: string;
  /** The start of the response body, kept for failed steps only. */
  responseExcerpt?: string;
}

export interface TargetResult {
  outcome: Outcome;
  /** Why a result is skipped, bug-gone or error, in words. */
  reason?: string;
  durationMs: number;
  steps: StepReport[];
}

export interface StepDifferences {
  /** 1-based line of the step in its spec file. */
  line: number;
  method: string;
  path: string;
  differences: Difference[];
}

export interface ExampleResult {
  specId: string;
  endpoint: string;
  /** The spec file as shown to the user. */
  file: string;
  /** 1-based line of the example's name. */
  line: number;
  example: string;
  behavior: string | null;
  disposition: Disposition;
  recorded: boolean;
  legacy: TargetResult;
  rewrite: TargetResult;
  /** With `diff`: the steps whose responses differ beyond the compare rules. */
  differences?: StepDifferences[];
}

export interface OutcomeCounts {
  pass: number;
  fail: number;
  error: number;
  skipped: number;
  'bug-gone': number;
}

export interface TestRun {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  legacyUrl: string;
  rewriteUrl: string;
  specsDir: string;
  only: string | null;
  diff: boolean;
  specs: number;
  results: ExampleResult[];
  untested: UntestedBehavior[];
  totals: { examples: number; legacy: OutcomeCounts; rewrite: OutcomeCounts; differing: number };
  /** No rewrite expectation failed (and, with `diff`, no unexpected difference). */
  passed: boolean;
}

export interface RunSpecTestsOptions {
  set: SpecSet;
  legacyUrl: string;
  rewriteUrl: string;
  auth: Record<string, AuthProfile>;
  env: Record<string, string | undefined>;
  hooks?: RequestHooks;
  /** How the hooks module is named in messages. */
  hooksShown?: string;
  only?: string;
  diff?: boolean;
  concurrency: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onStart?(total: number): void;
  onResult?(result: ExampleResult, done: number, total: number): void;
}

export async function runSpecTests(options: RunSpecTestsOptions): Promise<TestRun> {
  const plan = planTests(options.set, { ...(options.only !== undefined && { only: options.only }), auth: options.auth, env: options.env });
  const client = new HttpClient(options.timeoutMs, Math.max(1, options.concurrency));
  const started = new Date();
  const t0 = performance.now();
  try {
    await ensureReachable(client, options);
    options.onStart?.(plan.examples.length);
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    let unreachable: { target: Target; failure: RequestFailure } | undefined;
    const results = new Array<ExampleResult>(plan.examples.length);
    let done = 0;
    await eachWithLimit(plan.examples, options.concurrency, signal, async (planned, index) => {
      let result: ExampleResult;
      try {
        result = await runExample(planned, client, options, signal, (target, failure) => {
          unreachable ??= { target, failure };
          stop.abort();
        });
      } catch (error) {
        // A broken hook or a bug: stop the other workers before the error leaves the run.
        stop.abort();
        throw error;
      }
      if (signal.aborted) return;
      results[index] = result;
      done += 1;
      options.onResult?.(result, done, plan.examples.length);
    });
    if (unreachable) {
      const url = unreachable.target === 'legacy' ? options.legacyUrl : options.rewriteUrl;
      throw new ParityError('TARGET_UNREACHABLE', `the ${unreachable.target} at ${url} stopped answering during the run: ${unreachable.failure.message}`, {
        hint: 'nothing was saved; start it again and rerun',
      });
    }
    if (options.signal?.aborted) throw new ParityError('USAGE', 'the run was interrupted; nothing was saved');
    const finished = new Date();
    const totals = countOutcomes(results, Boolean(options.diff));
    return {
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: performance.now() - t0,
      legacyUrl: options.legacyUrl,
      rewriteUrl: options.rewriteUrl,
      specsDir: options.set.dir,
      only: options.only ?? null,
      diff: Boolean(options.diff),
      specs: plan.specs,
      results,
      untested: plan.untested,
      totals,
      passed: totals.rewrite.fail + totals.rewrite.error === 0 && totals.differing === 0,
    };
  } finally {
    await client.close();
  }
}

/** One example's run on one side: its result and each step's response (indexed like the planned steps). */
export interface SideOutcome {
  result: TargetResult;
  responses: (ReceivedResponse | undefined)[];
}

/**
 * Examples against one implementation only, in order, one at a time: how `parity record` checks
 * that the examples it made from traffic hold when sent again. Throws TARGET_UNREACHABLE when the
 * target refuses connections.
 */
export async function runOnOneSide(examples: readonly PlannedExample[], options: SideOptions & { target: Target; timeoutMs: number }): Promise<SideOutcome[]> {
  const client = new HttpClient(options.timeoutMs, 1);
  const stop = new AbortController();
  let unreachable: RequestFailure | undefined;
  try {
    const outcomes: SideOutcome[] = [];
    for (const planned of examples) {
      const side = await runSide(planned, options.target, client, options, new TemplateFunctionValues(), stop.signal, (_, failure) => {
        unreachable ??= failure;
        stop.abort();
      });
      if (unreachable) throw new ParityError('TARGET_UNREACHABLE', `the ${options.target} at ${options.baseUrl} is unreachable: ${unreachable.message}`);
      outcomes.push({ result: side.result, responses: side.responses });
    }
    return outcomes;
  } finally {
    await client.close();
  }
}

async function ensureReachable(client: HttpClient, options: RunSpecTestsOptions): Promise<void> {
  const probes = await Promise.all(TARGETS.map(async (target) => ({ target, failure: await client.probe(urlOf(options, target)) })));
  const down = probes.filter((p) => p.failure?.kind === 'unreachable' || p.failure?.kind === 'timeout');
  if (down.length === 0) return;
  const lines = down.map((p) => `the ${p.target} at ${urlOf(options, p.target)} is unreachable: ${p.failure!.message}`);
  throw new ParityError('TARGET_UNREACHABLE', lines.join('\n'), {
    hint: 'start it, or point parity at it with --legacy / --rewrite (or legacy.url / rewrite.url in parity.yaml)',
  });
}

function urlOf(options: { legacyUrl: string; rewriteUrl: string }, target: Target): string {
  return target === 'legacy' ? options.legacyUrl : options.rewriteUrl;
}

interface SideRun {
  result: TargetResult;
  /** Indexed like the planned steps; undefined where a step did not run or got no answer. */
  responses: (ReceivedResponse | undefined)[];
  /** The requests as this side was sent them, indexed like `responses`. */
  requests: (OutgoingRequest | undefined)[];
  reports: (StepReport | undefined)[];
  variables: ExampleVariables;
}

async function runExample(
  planned: PlannedExample,
  client: HttpClient,
  options: RunSpecTestsOptions,
  signal: AbortSignal,
  onUnreachable: (target: Target, failure: RequestFailure) => void,
): Promise<ExampleResult> {
  const { loaded, example, behavior, disposition } = planned;
  const hasLegacyExpectations = planned.steps.some((s) => s.step.expect_legacy !== undefined);
  // One set of {{$unique}}, {{$uuid}}... per run of the example, sent to both sides alike.
  const functions = new TemplateFunctionValues();
  const [legacy, rewrite] = await Promise.all(
    TARGETS.map(async (target): Promise<SideRun | TargetResult> => {
      if (target === 'rewrite' && disposition === 'drop') return skipped('dropped: the rewrite need not do this');
      if (target === 'legacy' && disposition === 'fix' && !hasLegacyExpectations) {
        return skipped('a fix example without expect_legacy: what the legacy does is not written down');
      }
      return runSide(planned, target, client, { ...options, baseUrl: urlOf(options, target) }, functions, signal, onUnreachable);
    }),
  );
  const differences =
    options.diff && disposition !== 'fix' && isSideRun(legacy) && isSideRun(rewrite) ? diffSides(planned, legacy, rewrite, options.set.specs) : undefined;
  return {
    specId: loaded.spec.id,
    endpoint: loaded.spec.endpoint,
    file: loaded.source.file,
    line: planned.steps.find((s) => s.phase === 'example')?.line ?? 0,
    example: example.name,
    behavior: behavior?.id ?? null,
    disposition,
    recorded: example.recorded === true,
    legacy: isSideRun(legacy!) ? legacy.result : legacy!,
    rewrite: isSideRun(rewrite!) ? rewrite.result : rewrite!,
    ...(differences && { differences }),
  };
}

function isSideRun(value: SideRun | TargetResult | undefined): value is SideRun {
  return value !== undefined && 'responses' in value;
}

function skipped(reason: string): TargetResult {
  return { outcome: 'skipped', reason, durationMs: 0, steps: [] };
}

/** What one side's run needs to build and send requests. */
export interface SideOptions {
  baseUrl: string;
  auth: Record<string, AuthProfile>;
  env: Record<string, string | undefined>;
  hooks?: RequestHooks;
  hooksShown?: string;
}

async function runSide(
  planned: PlannedExample,
  target: Target,
  client: HttpClient,
  options: SideOptions,
  functions: TemplateFunctionValues,
  signal: AbortSignal,
  onUnreachable: (target: Target, failure: RequestFailure) => void,
): Promise<SideRun> {
  const variables = new ExampleVariables(functions);
  const steps: StepReport[] = [];
  const responses: (ReceivedResponse | undefined)[] = [];
  const requests: (OutgoingRequest | undefined)[] = [];
  const reports: (StepReport | undefined)[] = [];
  const started = performance.now();
  let failed = false;
  let errored: string | undefined;
  let bugGone = false;
  for (const [stepIndex, plannedStep] of planned.steps.entries()) {
    // After a failure the remaining steps would run against state the example did not set up; teardown still runs.
    if ((failed || errored) && plannedStep.phase !== 'teardown') continue;
    if (signal.aborted) break;
    const { expectation, checked } = expectationFor(plannedStep, target, planned.disposition);
    const report: StepReport = {
      phase: plannedStep.phase,
      line: plannedStep.line,
      method: plannedStep.step.request.method,
      path: plannedStep.step.request.path,
      checked,
      mismatches: [],
    };
    steps.push(report);
    let outgoing: OutgoingRequest;
    try {
      outgoing = await renderRequest(plannedStep.step.request, variables, target, options);
    } catch (error) {
      if (!(error instanceof TemplateError || error instanceof RenderError)) throw error;
      // A teardown that needs a value the failed example never captured has nothing to clean up.
      if (plannedStep.phase === 'teardown' && (failed || errored)) {
        steps.pop();
        continue;
      }
      report.error = `${planned.loaded.source.file}:${plannedStep.line}: ${error.message}`;
      errored ??= report.error;
      continue;
    }
    report.path = outgoing.target;
    let response: ReceivedResponse;
    try {
      response = await client.send(options.baseUrl, outgoing, signal);
    } catch (error) {
      if (!(error instanceof RequestFailure)) throw error;
      if (error.kind === 'unreachable') onUnreachable(target, error);
      report.error = error.message;
      errored ??= error.message;
      continue;
    }
    responses[stepIndex] = response;
    requests[stepIndex] = outgoing;
    reports[stepIndex] = report;
    report.status = response.status;
    report.durationMs = response.durationMs;
    let expected: { main?: Expectation; fixed?: Expectation };
    try {
      expected = {
        ...(expectation && { main: renderValue(expectation, variables) as Expectation }),
        ...(checked === 'expect_legacy' && plannedStep.step.expect && { fixed: renderValue(plannedStep.step.expect, variables) as Expectation }),
      };
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      report.error = `${planned.loaded.source.file}:${plannedStep.line}: in the expectation: ${error.message}`;
      errored ??= report.error;
      continue;
    }
    report.mismatches = expected.main ? checkResponse(expected.main, response) : [];
    if (report.mismatches.length > 0 && expected.fixed && checkResponse(expected.fixed, response).length === 0) {
      // The legacy now does what the rewrite must: the documented bug is gone.
      bugGone = true;
      report.mismatches = [];
    }
    report.mismatches.push(...capture(plannedStep, response, variables));
    if (report.mismatches.length > 0) {
      failed = true;
      report.responseExcerpt = excerpt(response);
    }
  }
  const durationMs = performance.now() - started;
  const result: TargetResult = errored
    ? { outcome: 'error', reason: errored, durationMs, steps }
    : failed
      ? { outcome: 'fail', durationMs, steps }
      : bugGone
        ? { outcome: 'bug-gone', reason: 'the legacy no longer shows the documented bug: it meets `expect`, not `expect_legacy`', durationMs, steps }
        : { outcome: 'pass', durationMs, steps };
  return { result, responses, requests, reports, variables };
}

function expectationFor(
  planned: PlannedStep,
  target: Target,
  disposition: Disposition,
): { expectation: Expectation | undefined; checked: StepReport['checked'] } {
  const { step } = planned;
  if (target === 'legacy' && disposition === 'fix' && step.expect_legacy) return { expectation: step.expect_legacy, checked: 'expect_legacy' };
  return step.expect ? { expectation: step.expect, checked: 'expect' } : { expectation: undefined, checked: 'none' };
}

async function renderRequest(request: SpecRequest, variables: ExampleVariables, target: Target, options: SideOptions): Promise<OutgoingRequest> {
  let path = renderText(request.path, variables);
  // A captured Location header may be an absolute URL: keep its path, send it to this side.
  if (/^https?:\/\//i.test(path)) {
    const url = new URL(path);
    path = url.pathname + url.search;
  }
  if (!path.startsWith('/')) throw new RenderError(`the path ${JSON.stringify(path)} does not start with "/"`);
  if (request.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query)) {
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, typeof item === 'string' ? renderText(item, variables) : String(item));
    }
    const query = params.toString();
    if (query) path += (path.includes('?') ? '&' : '?') + query;
  }
  const headers: Record<string, string> = {};
  const setHeader = (name: string, value: string) => {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  };
  let body: Buffer | null = null;
  if (request.json !== undefined) {
    body = Buffer.from(JSON.stringify(renderValue(request.json, variables)), 'utf8');
    setHeader('content-type', 'application/json');
  } else if (request.form !== undefined) {
    body = Buffer.from(new URLSearchParams(Object.entries(request.form).map(([k, v]): [string, string] => [k, renderText(v, variables)])).toString(), 'utf8');
    setHeader('content-type', 'application/x-www-form-urlencoded');
  } else if (request.body !== undefined) {
    body = Buffer.from(renderText(request.body, variables), 'utf8');
    setHeader('content-type', 'text/plain; charset=utf-8');
  }
  if (request.auth !== undefined) {
    for (const [name, value] of Object.entries(authHeaders(options.auth[request.auth]!, options.env))) setHeader(name, value);
  }
  if (request.headers) {
    const fromHook = await hookVariables(
      options.hooks,
      { target, baseUrl: options.baseUrl, method: request.method, path, body },
      options.hooksShown ?? 'hooks',
    );
    const headerVariables = variables.extended(fromHook);
    for (const [name, value] of Object.entries(request.headers)) setHeader(name, renderText(value, headerVariables));
  }
  return { method: request.method, target: path, headers, body };
}

function capture(planned: PlannedStep, response: ReceivedResponse, variables: Map<string, unknown>): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const [name, source] of Object.entries(planned.step.capture ?? {})) {
    if (source.startsWith('header:')) {
      const header = source.slice('header:'.length).toLowerCase();
      const value = Object.entries(response.headers).find(([key]) => key.toLowerCase() === header)?.[1];
      if (value === undefined)
        mismatches.push({
          path: source,
          expected: `a ${header} header to capture as {{${name}}}`,
          message: `capture ${name}: no ${header} header in the response`,
        });
      else variables.set(name, Array.isArray(value) ? value[0] : value);
      continue;
    }
    if (source.startsWith('cookie:')) {
      const cookie = source.slice('cookie:'.length);
      const value = cookiesSet(response.headers).get(cookie);
      if (value === undefined)
        mismatches.push({
          path: source,
          expected: `a ${cookie} cookie to capture as {{${name}}}`,
          message: `capture ${name}: the response sets no ${cookie} cookie (Set-Cookie)`,
        });
      else variables.set(name, value);
      continue;
    }
    const body = liftBody(response);
    const found = body.kind === 'json' ? selectJsonPath(body.value, parseJsonPath(source)) : [];
    if (found.length === 0) {
      mismatches.push({
        path: source,
        expected: `a value to capture as {{${name}}}`,
        message: `capture ${name}: ${source} matched nothing in the ${body.kind === 'json' ? 'JSON body' : 'response (not JSON)'}`,
      });
    } else variables.set(name, found[0]);
  }
  return mismatches;
}

function excerpt(response: ReceivedResponse, max = 500): string {
  const body = liftBody(response);
  const text =
    body.kind === 'json' ? JSON.stringify(body.value) : body.kind === 'text' ? body.value : body.kind === 'bytes' ? `<${body.value.length} bytes>` : '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Each step's two answers compared, the way the shadow proxy compares them: the ids each side
 * made up are paired (the captures of the same name, and what each step's two answers made up,
 * learned by src/correlate as a shadow comparison learns them) and a pair compares equal.
 */
function diffSides(planned: PlannedExample, legacy: SideRun, rewrite: SideRun, specs: readonly LoadedSpec[]): StepDifferences[] {
  const pairs = new CorrelationMap({ maxEntries: 10_000, maxAgeMs: Number.MAX_SAFE_INTEGER });
  const found: StepDifferences[] = [];
  planned.steps.forEach((_, i) => {
    const [a, b, request, step] = [legacy.responses[i], rewrite.responses[i], legacy.requests[i], legacy.reports[i]];
    if (!a || !b || !request || !step) return;
    // Compare rules belong to an endpoint: a setup step that creates an invoice is compared by the invoice spec's rules.
    const owner = matchEndpoint(specs, step.method, step.path)?.spec ?? planned.loaded;
    const context = { template: owner.endpoint.path };
    learnCaptures(pairs, legacy.variables, rewrite.variables);
    for (const pair of learnPairs({ request, primary: a, other: b, context })) pairs.learn(pair);
    const differences = compareResponses(a, b, compareRulesOf(owner.spec), { equivalent: pairEquivalence(pairs, request, context) });
    if (differences.length > 0) found.push({ line: step.line, method: step.method, path: step.path, differences });
  });
  return found;
}

/** Values both sides captured under one name are one thing: paired (a weak value under the scope its name gives). */
function learnCaptures(pairs: CorrelationMap, legacy: ReadonlyMap<string, unknown>, rewrite: ReadonlyMap<string, unknown>): void {
  for (const [name, value] of legacy) {
    const other = rewrite.get(name);
    if (!isScalar(value) || !isScalar(other) || value === other) continue;
    pairs.learn({ primary: value, other, scope: isStrong(value) ? undefined : scopeOfKey(name, undefined, undefined), source: `capture ${name}` });
  }
}

function countOutcomes(results: readonly ExampleResult[], diff: boolean): TestRun['totals'] {
  const empty = (): OutcomeCounts => ({ pass: 0, fail: 0, error: 0, skipped: 0, 'bug-gone': 0 });
  const totals = { examples: results.length, legacy: empty(), rewrite: empty(), differing: 0 };
  for (const result of results) {
    totals.legacy[result.legacy.outcome] += 1;
    totals.rewrite[result.rewrite.outcome] += 1;
    if (diff && (result.differences?.length ?? 0) > 0) totals.differing += 1;
  }
  return totals;
}

/** Run `work` over `items` with at most `limit` in flight, in order of start; stops starting new ones once `signal` aborts. */
async function eachWithLimit<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
