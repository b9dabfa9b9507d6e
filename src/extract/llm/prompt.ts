/**
 * The request for one endpoint: the static facts and numbered source excerpts of the handler and
 * the helpers its source hash covers, secrets kept out, cut to the token budget. Pure apart from
 * reading the project's files, so `--dry-run` shows exactly what a real run would send.
 */
import type { MessageCreateParamsNonStreaming, Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { hashedSpans, type SpanLocation } from '../../../extractors/hash.js';
import type { EndpointFacts, SourceProject } from '../../../extractors/types.js';
import type { LlmConfig } from '../../config/schema.js';
import { canonicalJson, sha256 } from '../../hash.js';
import { isSecretFile, MASK, maskSecrets } from './redact.js';

/** Bump when the system prompt, the tool or the shape of the input changes: cached descriptions are then stale. */
export const PROMPT_VERSION = 'describe-1';
export const TOOL_NAME = 'record_endpoint_description';

/** No local tokenizer ships with the SDK (counting is an API call), so the usual ~4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface Excerpt {
  file: string;
  start: number;
  end: number;
  role: 'handler' | 'helper';
  /** The text sent: a header line, then each source line prefixed with its number. */
  text: string;
  tokens: number;
}

export interface EndpointRequest {
  /** "METHOD /path". */
  endpoint: string;
  sourceHash: string;
  excerpts: Excerpt[];
  /** What was not sent, "file:start-end (reason)". */
  cut: string[];
  /** Secrets masked in what is sent. */
  masked: number;
  estimatedInputTokens: number;
  /** The hash of the exact request body: a cached description is only reused for the same input. */
  inputHash: string;
  params: MessageCreateParamsNonStreaming;
}

const SYSTEM = `You help a team rewrite a legacy HTTP service. For one endpoint you get the facts parity's static extractor found and numbered excerpts of its handler and the helpers it calls. Describe what the endpoint really does, so a reviewer can decide which behaviours the rewrite must preserve.

Rules:
- Rely only on the excerpts and facts given. Each behaviour cites the lines it rests on as "file:start-end" (or "file:line"), using the line numbers shown, within the excerpts shown. Do not cite lines you were not shown; a behaviour without such citations is discarded.
- Prefer concrete, checkable statements: status codes, conditions, fields, side effects, ordering, defaults, error bodies.
- Put in questions what a reviewer must decide or check: ambiguities, suspected bugs, edge cases, and what existing data or inputs this code would mishandle (nulls, encodings, legacy formats, large values, concurrency).
- Values shown as "…[masked]" were secrets removed before sending; do not guess them.
- Answer only by calling the ${TOOL_NAME} tool, once.`;

const TOOL: Tool = {
  name: TOOL_NAME,
  description: 'Record the description of one HTTP endpoint of the legacy service.',
  input_schema: {
    type: 'object',
    properties: {
      summary: { type: 'string', description: 'What the endpoint does, in two to four sentences.' },
      behaviors: {
        type: 'array',
        description: 'Behaviours a rewrite must match or deliberately change, each citing the lines it rests on.',
        items: {
          type: 'object',
          properties: {
            says: { type: 'string', description: 'One behaviour, in plain words a reviewer can check.' },
            lines: { type: 'array', items: { type: 'string' }, description: 'Citations such as "lib/users.js:12-18", within the excerpts shown.' },
          },
          required: ['says', 'lines'],
        },
      },
      questions: {
        type: 'array',
        items: { type: 'string' },
        description: 'Open questions for the reviewer: ambiguities, suspected bugs, existing data this code would mishandle.',
      },
    },
    required: ['summary', 'behaviors', 'questions'],
  },
};

/** What the tool call must carry; anything else is a failure for that endpoint. */
export const DescriptionOutputSchema = z.object({
  summary: z.string().trim().min(1),
  behaviors: z.array(z.object({ says: z.string().trim().min(1), lines: z.array(z.string()) })),
  questions: z.array(z.string()),
});
export type DescriptionOutput = z.output<typeof DescriptionOutputSchema>;

export interface BuildRequestOptions {
  facts: EndpointFacts;
  project: SourceProject;
  config: LlmConfig;
}

export function buildRequest({ facts, project, config }: BuildRequestOptions): EndpointRequest {
  const endpoint = `${facts.method} ${facts.path}`;
  const maskedFiles = new Map<string, string>();
  const mask = (text: string) => maskSecrets(text).text;
  const maskedFile = (file: string) => {
    let text = maskedFiles.get(file);
    if (text === undefined) maskedFiles.set(file, (text = mask(project.read(file))));
    return text;
  };
  const factsJson = mask(
    JSON.stringify(
      {
        endpoint,
        framework: facts.framework,
        handler: facts.handler,
        params: facts.params,
        guards: facts.guards,
        outcomes: facts.outcomes,
        side_effects: facts.side_effects,
        volatile: facts.volatile,
      },
      null,
      1,
    ),
  );
  const intro = `Endpoint: ${endpoint}\n\nStatic facts (JSON):\n${factsJson}\n\nSource excerpts (each line starts with its line number in the file):\n`;
  const fixed = estimateTokens(SYSTEM) + estimateTokens(JSON.stringify(TOOL)) + estimateTokens(intro);
  let remaining = config.max_input_tokens - fixed;

  const excerpts: Excerpt[] = [];
  const cut: string[] = [];
  const spans = spansOf(facts);
  spans.forEach((span, index) => {
    const role = index === 0 ? 'handler' : 'helper';
    const at = `${span.file}:${span.start}-${span.end}`;
    if (isSecretFile(span.file)) {
      cut.push(`${at} (secret file, never sent)`);
      return;
    }
    if (excerpts.some((e) => e.file === span.file && e.start <= span.start && span.end <= e.end)) return;
    let lines: string[];
    try {
      lines = maskedFile(span.file).split(/\r?\n/);
    } catch {
      cut.push(`${at} (unreadable)`);
      return;
    }
    const end = Math.min(span.end, lines.length);
    const numbered = lines.slice(span.start - 1, end).map((line, i) => `${span.start + i}| ${line}`);
    // Keep as many whole lines as fit; the header line is counted with the first.
    let kept = 0;
    let tokens = 0;
    const header = (last: number) => `--- ${span.file}:${span.start}-${last} (${role}) ---\n`;
    for (const line of numbered) {
      const next = tokens + estimateTokens(`${line}\n`) + (kept === 0 ? estimateTokens(header(end)) : 0);
      if (next > remaining) break;
      tokens = next;
      kept++;
    }
    if (kept === 0) {
      cut.push(`${at} (over budget)`);
      return;
    }
    const last = span.start + kept - 1;
    if (last < end) cut.push(`${span.file}:${last + 1}-${end} (over budget)`);
    const text = `${header(last)}${numbered.slice(0, kept).join('\n')}\n`;
    remaining -= tokens;
    excerpts.push({ file: span.file, start: span.start, end: last, role, text, tokens: estimateTokens(text) });
  });

  const user = `${intro}${excerpts.length > 0 ? excerpts.map((e) => e.text).join('\n') : '(none: every excerpt was over the budget or withheld)\n'}${
    cut.length > 0 ? `\nNot shown: ${cut.join('; ')}.\n` : ''
  }`;
  const params: MessageCreateParamsNonStreaming = {
    model: config.model,
    max_tokens: config.max_output_tokens,
    system: SYSTEM,
    tools: [TOOL],
    tool_choice: { type: 'tool', name: TOOL_NAME },
    messages: [{ role: 'user', content: user }],
  };
  return {
    endpoint,
    sourceHash: facts.source_hash,
    excerpts,
    cut,
    masked: user.split(MASK).length - 1,
    estimatedInputTokens: estimateTokens(SYSTEM) + estimateTokens(JSON.stringify(TOOL)) + estimateTokens(user),
    inputHash: sha256(canonicalJson(params)),
    params,
  };
}

/** The handler and its helpers as the source hash saw them; only the handler when the hash was not computed here. */
function spansOf(facts: EndpointFacts): readonly SpanLocation[] {
  const hashed = hashedSpans(facts.source_hash);
  if (hashed && hashed.length > 0) return hashed;
  const match = /^(.+):(\d+)(?:-(\d+))?$/.exec(facts.handler);
  if (!match) return [];
  const start = Number(match[2]);
  return [{ file: match[1]!, start, end: match[3] === undefined ? start : Number(match[3]) }];
}

export interface Grounded {
  behaviors: { says: string; lines: string[] }[];
  dropped: number;
}

/**
 * Keeps the behaviours whose every citation lies inside an excerpt that was sent: a claim resting
 * on lines the model never saw is not grounded, however plausible it reads.
 */
export function groundClaims(output: DescriptionOutput, excerpts: readonly Excerpt[]): Grounded {
  const behaviors: Grounded['behaviors'] = [];
  let dropped = 0;
  for (const behavior of output.behaviors) {
    const lines = behavior.lines.map((l) => l.trim());
    if (lines.length > 0 && lines.every((line) => withinExcerpts(line, excerpts))) behaviors.push({ says: behavior.says.trim(), lines });
    else dropped++;
  }
  return { behaviors, dropped };
}

function withinExcerpts(citation: string, excerpts: readonly Excerpt[]): boolean {
  const match = /^([^\s:][^:]*):(\d+)(?:-(\d+))?$/.exec(citation);
  if (!match) return false;
  const start = Number(match[2]);
  const end = match[3] === undefined ? start : Number(match[3]);
  return start <= end && excerpts.some((e) => e.file === match[1] && e.start <= start && end <= e.end);
}
