/**
 * Describing endpoints with Claude: per endpoint, build the request, reuse a cached description
 * when the same request was answered before, otherwise send it (a few at a time), check the tool
 * call against the schema and drop claims that cite lines the model was not shown. One endpoint's
 * failure is a result, never an exception: the run goes on and the caller reports it.
 *
 * Retries (429, 5xx, timeouts, connection errors, honouring retry-after) and the per-request
 * timeout are the SDK's own.
 */
import Anthropic, { APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import type { EndpointFacts, SourceProject } from '../../../extractors/types.js';
import type { LlmConfig } from '../../config/schema.js';
import { ParityError } from '../../errors.js';
import type { ExtractedLlm } from '../../spec/schema.js';
import type { LlmCache } from './cache.js';
import { buildRequest, DescriptionOutputSchema, groundClaims, PROMPT_VERSION, TOOL_NAME, type EndpointRequest } from './prompt.js';

export const API_KEY_VARIABLE = 'ANTHROPIC_API_KEY';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';

export type DescriptionStatus = 'described' | 'cached' | 'failed' | 'would-send' | 'would-use-cache';

export interface EndpointDescription {
  /** "METHOD /path". */
  endpoint: string;
  status: DescriptionStatus;
  /** What goes into the draft's `extracted.llm`: described or cached. */
  description?: ExtractedLlm;
  /** Why it failed. */
  error?: string;
  excerpts: { at: string; role: 'handler' | 'helper'; tokens: number }[];
  cut: string[];
  /** Secrets masked in what is (or would be) sent. */
  masked: number;
  estimatedInputTokens: number;
  /** Tokens the API counted for this run's request (0 when nothing was sent or no answer came). */
  inputTokens: number;
  outputTokens: number;
  /** With --dry-run and --json: the request body that would be sent. */
  request?: unknown;
}

export interface LlmRunReport {
  model: string;
  promptVersion: string;
  dryRun: boolean;
  endpoints: EndpointDescription[];
  described: number;
  cached: number;
  failed: number;
  /** Requests that would be sent (dry run). */
  toSend: number;
  inputTokens: number;
  outputTokens: number;
  /** The most output tokens one answer may take. */
  maxOutputTokens: number;
  /** Dry run: input tokens estimated over the requests that would be sent. */
  estimatedInputTokens: number;
  /** US dollars: what this run's tokens cost; for a dry run, at most what sending would cost (every answer at max_output_tokens). */
  estimatedCostUsd: number;
}

export interface DescribeOptions {
  endpoints: readonly EndpointFacts[];
  project: SourceProject;
  config: LlmConfig;
  /** Where ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are read from (the CLI's io env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Descriptions kept between runs; without it every endpoint is sent. */
  cache?: LlmCache;
  /** false (`--no-cache`): send even what is cached; the answers still refresh the cache. */
  readCache?: boolean;
  /** Build and report what would be sent; send nothing and need no API key. */
  dryRun?: boolean;
  /** Include each request body in the report (dry run). */
  includeRequests?: boolean;
}

export async function describeEndpoints(options: DescribeOptions): Promise<LlmRunReport> {
  const { config } = options;
  const readCache = options.readCache ?? true;
  const planned = options.endpoints.map((facts) => {
    const request = buildRequest({ facts, project: options.project, config });
    const key = { endpoint: request.endpoint, sourceHash: request.sourceHash, model: config.model, promptVersion: PROMPT_VERSION };
    const hit = readCache ? options.cache?.get(key) : undefined;
    return { request, key, cached: hit !== undefined && hit.inputHash === request.inputHash ? hit : undefined };
  });

  const results: EndpointDescription[] = planned.map(({ request, cached }) => ({
    endpoint: request.endpoint,
    status: cached ? (options.dryRun ? 'would-use-cache' : 'cached') : options.dryRun ? 'would-send' : 'failed',
    ...(cached && { description: cached.result }),
    excerpts: request.excerpts.map((e) => ({ at: `${e.file}:${e.start}-${e.end}`, role: e.role, tokens: e.tokens })),
    cut: request.cut,
    masked: request.masked,
    estimatedInputTokens: request.estimatedInputTokens,
    inputTokens: 0,
    outputTokens: 0,
    ...(options.dryRun && options.includeRequests && !cached && { request: request.params }),
  }));

  const pending = planned.map((p, index) => ({ ...p, index })).filter((p) => p.cached === undefined);
  if (!options.dryRun && pending.length > 0) {
    const apiKey = options.env[API_KEY_VARIABLE];
    if (apiKey === undefined || apiKey.trim() === '') {
      throw new ParityError('CREDENTIALS_MISSING', `${API_KEY_VARIABLE} is not set; \`parity extract --llm\` needs it to ask Claude`, {
        hint: `set ${API_KEY_VARIABLE} in the environment, or run with --dry-run to see what would be sent without it`,
      });
    }
    const client = new Anthropic({
      apiKey,
      // Passed explicitly so that the CLI's environment, not the process's, decides where requests go.
      baseURL: options.env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL,
      maxRetries: config.max_retries,
      timeout: config.timeout_ms,
      logLevel: 'off',
    });
    await inPool(pending, config.concurrency, async ({ request, key, index }) => {
      const result = results[index]!;
      const outcome = await send(client, request, config);
      result.inputTokens = outcome.inputTokens;
      result.outputTokens = outcome.outputTokens;
      if ('error' in outcome) {
        result.error = outcome.error;
        return;
      }
      result.status = 'described';
      result.description = outcome.description;
      options.cache?.put(key, {
        inputHash: request.inputHash,
        result: outcome.description,
        inputTokens: outcome.inputTokens,
        outputTokens: outcome.outputTokens,
      });
    });
  }

  const count = (status: DescriptionStatus) => results.filter((r) => r.status === status).length;
  const inputTokens = sum(results.map((r) => r.inputTokens));
  const outputTokens = sum(results.map((r) => r.outputTokens));
  const toSend = results.filter((r) => r.status === 'would-send');
  const estimatedInputTokens = sum(toSend.map((r) => r.estimatedInputTokens));
  const cost = (input: number, output: number) => (input * config.input_price_per_million + output * config.output_price_per_million) / 1_000_000;
  return {
    model: config.model,
    promptVersion: PROMPT_VERSION,
    dryRun: options.dryRun ?? false,
    endpoints: results,
    described: count('described'),
    cached: count('cached') + count('would-use-cache'),
    failed: count('failed'),
    toSend: toSend.length,
    inputTokens,
    outputTokens,
    maxOutputTokens: config.max_output_tokens,
    estimatedInputTokens,
    estimatedCostUsd: options.dryRun ? cost(estimatedInputTokens, toSend.length * config.max_output_tokens) : cost(inputTokens, outputTokens),
  };
}

type SendOutcome = { inputTokens: number; outputTokens: number } & ({ description: ExtractedLlm } | { error: string });

async function send(client: Anthropic, request: EndpointRequest, config: LlmConfig): Promise<SendOutcome> {
  let message: Message;
  try {
    message = await client.messages.create(request.params);
  } catch (error) {
    return { inputTokens: 0, outputTokens: 0, error: describeError(error, config) };
  }
  const inputTokens = message.usage?.input_tokens ?? 0;
  const outputTokens = message.usage?.output_tokens ?? 0;
  const call = (message.content ?? []).find((block) => block.type === 'tool_use' && block.name === TOOL_NAME);
  if (!call || call.type !== 'tool_use') {
    return { inputTokens, outputTokens, error: `the answer has no ${TOOL_NAME} tool call (stop reason: ${message.stop_reason ?? 'none'})` };
  }
  const parsed = DescriptionOutputSchema.safeParse(call.input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    return { inputTokens, outputTokens, error: `the tool call does not match the schema${where}: ${first?.message ?? 'invalid'}` };
  }
  const grounded = groundClaims(parsed.data, request.excerpts);
  const description: ExtractedLlm = {
    model: config.model,
    prompt_version: PROMPT_VERSION,
    summary: parsed.data.summary.trim(),
    behaviors: grounded.behaviors,
    questions: parsed.data.questions.map((q) => q.trim()).filter((q) => q !== ''),
    ...(request.cut.length > 0 && { cut: request.cut }),
    dropped_claims: grounded.dropped,
  };
  return { inputTokens, outputTokens, description };
}

function describeError(error: unknown, config: LlmConfig): string {
  const attempts = `${config.max_retries + 1} ${config.max_retries === 0 ? 'attempt' : 'attempts'}`;
  if (error instanceof APIConnectionTimeoutError) return `timed out after ${config.timeout_ms} ms (${attempts})`;
  if (error instanceof APIError) {
    const status = error.status === undefined ? 'connection error' : `HTTP ${error.status}`;
    // The API's own message when the body carried one, not the whole JSON body.
    const body = error.error as { error?: { message?: unknown } } | undefined;
    const detail = typeof body?.error?.message === 'string' ? body.error.message : error.message;
    return `${status}: ${oneLine(detail)}${error.status === 429 || (error.status ?? 0) >= 500 || error.status === undefined ? ` (${attempts})` : ''}`;
  }
  return oneLine(error instanceof Error ? error.message : String(error));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Runs `work` over the items, at most `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
