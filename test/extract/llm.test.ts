/**
 * `parity extract --llm` end to end: the real CLI in-process, the real Anthropic SDK, and a fake
 * Messages API on loopback that records what it was sent and answers as each test needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import type { LlmRunReport } from '../../src/extract/llm/describe.js';
import { startFakeAnthropic, type FakeAnthropic, type ReceivedRequest, type Reply } from '../helpers/fake-anthropic.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const tmp = useTempDir('llm');
const servers: FakeAnthropic[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const STRIPE_KEY = 'sk_live_51HqLyjWDarjtT1zdp7dc4eC39qXr';
const ENV_SECRET = 'envfileSECRETvalue7731';
const DB_PASSWORD = 'SuperSecretPassw0rd';

const REPORT_LINES = 700;

/** A small Express legacy app: a helper holding a live key, one in a secrets file, one too big for the budget. */
function workspace(llm: Record<string, unknown> = {}): string {
  const dir = tmp();
  writeFiles(dir, {
    'parity.yaml': `legacy: {source: legacy}\nspecs: specs\nllm: ${JSON.stringify({ max_retries: 1, timeout_ms: 5000, ...llm })}\n`,
    'legacy/package.json': JSON.stringify({ name: 'legacy', dependencies: { express: '^4.0.0' } }),
    'legacy/.env': `STRIPE_KEY=${ENV_SECRET}\nDATABASE_URL=postgres://admin:${DB_PASSWORD}@db/prod\n`,
    'legacy/app.js': [
      "const express = require('express');",
      "const { findUser, signToken } = require('./lib/users.js');",
      "const { databaseUrl } = require('./config/secrets.js');",
      "const { buildReport } = require('./lib/report.js');",
      'const app = express();',
      'app.use(express.json());',
      '',
      "app.get('/users/:id', (req, res) => {",
      '  const user = findUser(req.params.id);',
      "  if (!user) return res.status(404).json({ error: 'not found' });",
      '  res.json({ id: user.id, token: signToken(user) });',
      '});',
      '',
      "app.post('/users', (req, res) => {",
      "  if (!req.body.name) return res.status(422).json({ error: 'name required' });",
      '  res.status(201).json({ id: 7, name: req.body.name, db: databaseUrl() });',
      '});',
      '',
      "app.get('/reports', (req, res) => {",
      '  res.json(buildReport(req.query.month));',
      '});',
      '',
      'module.exports = app;',
      '',
    ].join('\n'),
    'legacy/lib/users.js': [
      'function findUser(id) {',
      "  if (id === '0') return null;",
      '  return { id };',
      '}',
      '',
      'function signToken(user) {',
      `  const key = "${STRIPE_KEY}";`,
      "  return key.slice(0, 4) + ':' + user.id;",
      '}',
      '',
      'module.exports = { findUser, signToken };',
      '',
    ].join('\n'),
    'legacy/config/secrets.js': `function databaseUrl() {\n  return "postgres://admin:${DB_PASSWORD}@db/prod";\n}\nmodule.exports = { databaseUrl };\n`,
    'legacy/lib/report.js': [
      'function buildReport(month) {',
      '  let total = 0;',
      ...Array.from({ length: REPORT_LINES }, (_, i) => `  total += (month || 1) * ${i + 1}; // adds the contribution of ledger row ${i + 1}`),
      '  return { month, total };',
      '}',
      'module.exports = { buildReport };',
      '',
    ].join('\n'),
  });
  return dir;
}

async function run(cwd: string, env: Record<string, string | undefined>, ...argv: string[]) {
  const io = memoryIo(cwd, env);
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const envFor = (server: FakeAnthropic) => ({ ANTHROPIC_API_KEY: 'sk-ant-test-0000', ANTHROPIC_BASE_URL: server.url });

/** A valid description citing lines that were sent, for each of the three endpoints. */
function goodAnswer(request: ReceivedRequest): Reply {
  const cites: Record<string, string> = { 'GET /users/{id}': 'app.js:8-12', 'POST /users': 'app.js:15', 'GET /reports': 'app.js:19-21' };
  return {
    kind: 'tool',
    input: {
      summary: `Handles ${request.endpoint}.`,
      behaviors: [{ says: `${request.endpoint} answers as its handler says.`, lines: [cites[request.endpoint ?? ''] ?? 'app.js:1'] }],
      questions: ['Is this intended?'],
    },
  };
}

async function fake(reply: (request: ReceivedRequest, previous: number) => Reply = goodAnswer): Promise<FakeAnthropic> {
  const server = await startFakeAnthropic(reply);
  servers.push(server);
  return server;
}

function readSpec(dir: string, id: string): { text: string; spec: { extracted?: { llm?: Record<string, unknown> } } } {
  const text = fs.readFileSync(path.join(dir, 'specs', `${id}.yaml`), 'utf8');
  return { text, spec: parse(text) as { extracted?: { llm?: Record<string, unknown> } } };
}

/** The parts of a spec file outside its `extracted` block. */
function humanParts(text: string): [string, string] {
  const start = text.indexOf('\nextracted:');
  const end = text.indexOf('\nsummary:');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return [text.slice(0, start), text.slice(end)];
}

describe('parity extract --llm', () => {
  it('writes each description into the extracted block and leaves the human sections byte-identical', async () => {
    const dir = workspace();
    const server = await fake();
    expect((await run(dir, {}, 'extract')).code).toBe(0);
    // A reviewer's edits in the human sections, with a comment and odd spacing.
    const file = path.join(dir, 'specs', 'users.get.yaml');
    const edited = fs
      .readFileSync(file, 'utf8')
      .replace(/^summary:.*$/m, 'summary: "Looks up a user"   # checked by Ana')
      .replace(/^who_may_call:.*$/m, 'who_may_call: anyone with an API key');
    fs.writeFileSync(file, edited);

    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(3);
    const sent = server.requests[0]!;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.body.model).toBe('claude-sonnet-5-5');
    expect(sent.body.tool_choice).toEqual({ type: 'tool', name: 'record_endpoint_description' });
    expect(result.stdout).toContain('llm (claude-sonnet-5-5): 3 described, 0 cached, 0 failed; 3,000 tokens in, 600 tokens out; estimated cost $0.0180');

    const after = readSpec(dir, 'users.get');
    expect(humanParts(after.text)).toEqual(humanParts(edited));
    expect(after.spec.extracted?.llm).toEqual({
      model: 'claude-sonnet-5-5',
      prompt_version: 'describe-1',
      summary: 'Handles GET /users/{id}.',
      behaviors: [{ says: 'GET /users/{id} answers as its handler says.', lines: ['app.js:8-12'] }],
      questions: ['Is this intended?'],
      dropped_claims: 0,
    });
    expect(after.text).toContain('\n  llm:\n    model: claude-sonnet-5-5\n    prompt_version: describe-1\n    summary: Handles GET /users/{id}.\n');
    // The drafts still pass lint (the llm block is valid spec YAML).
    expect((await run(dir, {}, 'spec', 'lint')).code).toBe(0);
  });

  it('sends at most llm.concurrency requests at once', async () => {
    const dir = workspace({ concurrency: 2 });
    const server = await fake((request) => {
      const answer = goodAnswer(request);
      return answer.kind === 'tool' ? { ...answer, delayMs: 150 } : answer;
    });
    expect((await run(dir, envFor(server), 'extract', '--llm')).code).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(server.maxInFlight()).toBe(2);
  });

  it('retries a 429 (retry-after: 0) through the SDK and then succeeds', async () => {
    const dir = workspace();
    const server = await fake((request, previous) => (previous === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '0' } } : goodAnswer(request)));
    const result = await run(dir, envFor(server), 'extract', '--llm', '--only', 'GET /users*');
    expect(result.stderr).toBe('');
    expect(server.requests).toHaveLength(2);
    expect(result.stdout).toContain('1 described, 0 cached, 0 failed');
    expect(readSpec(dir, 'users.get').spec.extracted?.llm?.summary).toBe('Handles GET /users/{id}.');
  });

  it('retries a 500, and when it persists warns for that endpoint without aborting', async () => {
    const dir = workspace({ max_retries: 1 });
    const server = await fake((request) => (request.endpoint === 'POST /users' ? { kind: 'status', status: 500 } : goodAnswer(request)));
    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(result.code).toBe(0);
    expect(server.requests.filter((r) => r.endpoint === 'POST /users')).toHaveLength(2);
    expect(result.stderr).toBe('warning: POST /users: no description: HTTP 500: fake 500 (2 attempts)\n');
    expect(result.stdout).toContain('2 described, 0 cached, 1 failed');
    expect(readSpec(dir, 'users.create').spec.extracted?.llm).toBeUndefined();
    expect(readSpec(dir, 'users.get').spec.extracted?.llm).toBeDefined();
  });

  it('treats malformed output as a failure of that endpoint: no tool call, a schema mismatch, a body that is not JSON', async () => {
    const dir = workspace();
    const server = await fake((request) => {
      if (request.endpoint === 'GET /users/{id}') return { kind: 'text', text: 'Here is what it does...' };
      if (request.endpoint === 'POST /users') return { kind: 'tool', input: { behaviors: 'none', questions: [] } };
      return goodAnswer(request);
    });
    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'warning: POST /users: no description: the tool call does not match the schema at summary: Invalid input: expected string, received undefined',
      'warning: GET /users/{id}: no description: the answer has no record_endpoint_description tool call (stop reason: end_turn)',
    ]);
    expect(result.stdout).toContain('1 described, 0 cached, 2 failed');
    expect(readSpec(dir, 'users.get').spec.extracted?.llm).toBeUndefined();
    expect(readSpec(dir, 'users.create').spec.extracted?.llm).toBeUndefined();
    expect(readSpec(dir, 'reports.list').spec.extracted?.llm?.summary).toBe('Handles GET /reports.');

    const broken = await fake(() => ({ kind: 'not-json' }));
    const again = await run(dir, envFor(broken), 'extract', '--llm', '--only', 'POST /users');
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^warning: POST \/users: no description: .+\n$/);
  });

  it('gives up on a request that never answers after the configured timeout, as a warning', async () => {
    const dir = workspace({ timeout_ms: 300, max_retries: 0 });
    const server = await fake((request) => (request.endpoint === 'GET /reports' ? { kind: 'hang' } : goodAnswer(request)));
    const started = Date.now();
    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('warning: GET /reports: no description: timed out after 300 ms (1 attempt)\n');
    expect(result.stdout).toContain('2 described, 0 cached, 1 failed');
  });

  it('drops and counts claims citing lines that were not sent', async () => {
    const dir = workspace();
    const server = await fake((request) => ({
      kind: 'tool',
      input: {
        summary: 'Looks a user up.',
        behaviors: [
          { says: 'Answers 404 for an unknown id.', lines: ['app.js:10'] },
          { says: 'Uses a cache.', lines: ['app.js:100-120'] },
          { says: 'Rejects id 0.', lines: ['app.js:10', 'lib/users.js:11-12'] },
          { says: 'Something unanchored.', lines: [] },
          { says: 'Signs tokens.', lines: ['lib/users.js:6-9'] },
        ],
        questions: [`What does ${request.endpoint} do for id 0?`],
      },
    }));
    const result = await run(dir, envFor(server), 'extract', '--llm', '--only', 'GET /users*');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('llm: 3 claims dropped for citing lines that were not sent');
    const llm = readSpec(dir, 'users.get').spec.extracted?.llm;
    expect(llm?.behaviors).toEqual([
      { says: 'Answers 404 for an unknown id.', lines: ['app.js:10'] },
      { says: 'Signs tokens.', lines: ['lib/users.js:6-9'] },
    ]);
    expect(llm?.dropped_claims).toBe(3);
  });

  it('never sends .env files, secret files or key-like literals, and cuts what is over the budget', async () => {
    const dir = workspace();
    const server = await fake();
    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) {
      expect(request.raw).not.toContain(ENV_SECRET);
      expect(request.raw).not.toContain(DB_PASSWORD);
      expect(request.raw).not.toContain(STRIPE_KEY);
      expect(request.raw).not.toContain('51HqLyjWDarjtT1zdp7dc4eC39');
      // The budget holds: system, tools and prompt within max_input_tokens at ~4 characters a token.
      const { system, tools, messages } = request.body;
      expect(
        Math.ceil(String(system).length / 4) + Math.ceil(JSON.stringify(tools).length / 4) + Math.ceil(JSON.stringify(messages).length / 4),
      ).toBeLessThanOrEqual(6000 + 100);
    }
    const users = server.requests.find((r) => r.endpoint === 'GET /users/{id}')!;
    // The helper was sent, with its key masked.
    expect(users.raw).toContain('function signToken(user)');
    expect(users.raw).toContain('sk_live_…[masked]');

    expect(readSpec(dir, 'users.create').spec.extracted?.llm?.cut).toEqual(['config/secrets.js:1-3 (secret file, never sent)']);
    const reportCut = readSpec(dir, 'reports.list').spec.extracted?.llm?.cut as string[];
    expect(reportCut).toHaveLength(1);
    expect(reportCut[0]).toMatch(new RegExp(`^lib/report\\.js:\\d+-${REPORT_LINES + 4} \\(over budget\\)$`));
    const reports = server.requests.find((r) => r.endpoint === 'GET /reports')!;
    expect(reports.raw).toContain('ledger row 1\\n');
    expect(reports.raw).not.toContain(`ledger row ${REPORT_LINES}\\n`);
  });

  it('sends nothing for unchanged code on a second run, and everything again with --no-cache', async () => {
    const dir = workspace();
    const server = await fake();
    expect((await run(dir, envFor(server), 'extract', '--llm')).code).toBe(0);
    expect(server.requests).toHaveLength(3);
    const before = fs.readFileSync(path.join(dir, 'specs', 'users.get.yaml'), 'utf8');

    const second = await run(dir, envFor(server), 'extract', '--llm');
    expect(second.stderr).toBe('');
    expect(server.requests).toHaveLength(3);
    expect(second.stdout).toContain('llm (claude-sonnet-5-5): 0 described, 3 cached, 0 failed; 0 tokens in, 0 tokens out; estimated cost $0.0000');
    expect(second.stdout).toContain('drafts: 0 created, 0 updated, 3 unchanged');
    expect(fs.readFileSync(path.join(dir, 'specs', 'users.get.yaml'), 'utf8')).toBe(before);

    // Cached runs need no key at all: nothing is sent.
    expect((await run(dir, { ANTHROPIC_BASE_URL: server.url }, 'extract', '--llm')).code).toBe(0);

    const forced = await run(dir, envFor(server), 'extract', '--llm', '--no-cache');
    expect(forced.code).toBe(0);
    expect(server.requests).toHaveLength(6);
    expect(forced.stdout).toContain('3 described, 0 cached, 0 failed');

    // A plain extraction keeps the descriptions of unchanged code.
    expect((await run(dir, {}, 'extract')).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'specs', 'users.get.yaml'), 'utf8')).toBe(before);
  });

  it('sends again when the legacy code changes', async () => {
    const dir = workspace();
    const server = await fake();
    await run(dir, envFor(server), 'extract', '--llm');
    const users = path.join(dir, 'legacy', 'lib', 'users.js');
    fs.writeFileSync(users, fs.readFileSync(users, 'utf8').replace("id === '0'", "id === '-1'"));
    const result = await run(dir, envFor(server), 'extract', '--llm');
    expect(result.stdout).toContain('1 described, 2 cached, 0 failed');
    expect(server.requests.slice(3).map((r) => r.endpoint)).toEqual(['GET /users/{id}']);
  });

  it('exits 2 naming ANTHROPIC_API_KEY when it is missing, sending and writing nothing', async () => {
    const dir = workspace();
    const server = await fake();
    const result = await run(dir, { ANTHROPIC_BASE_URL: server.url }, 'extract', '--llm');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: ANTHROPIC_API_KEY is not set');
    expect(result.stderr).toContain('hint: set ANTHROPIC_API_KEY in the environment, or run with --dry-run');
    expect(server.requests).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, 'specs'))).toBe(false);
  });

  it('--dry-run shows what would be sent and the token estimate, sending and writing nothing, without a key', async () => {
    const dir = workspace();
    const server = await fake();
    const result = await run(dir, { ANTHROPIC_BASE_URL: server.url }, 'extract', '--llm', '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, 'specs'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
    const out = result.stdout;
    expect(out).toContain('dry run: nothing sent, nothing written (model claude-sonnet-5-5, prompt describe-1)');
    expect(out).toMatch(
      / {2}GET \/users\/\{id\} {2}~[\d,]+ tokens\n {4}handler {2}app\.js:8-12 {2}~\d+ tokens\n {4}helper {3}lib\/users\.js:1-4 {2}~\d+ tokens\n/,
    );
    expect(out).toContain('    cut      config/secrets.js:1-3 (secret file, never sent)');
    expect(out).toMatch(/cut {6}lib\/report\.js:\d+-\d+ \(over budget\)/);
    expect(out).toContain('    masked   1 secret');
    expect(out).toMatch(/would send 3 requests: ~[\d,]+ tokens in \(estimated\), at most 4,500 tokens out; estimated cost at most \$0\.\d{4}\n/);

    const json = await run(dir, {}, 'extract', '--llm', '--dry-run', '--json');
    const llm = (JSON.parse(json.stdout) as { llm: LlmRunReport }).llm;
    expect(llm.toSend).toBe(3);
    expect(llm.estimatedInputTokens).toBe(llm.endpoints.reduce((n, e) => n + e.estimatedInputTokens, 0));
    expect(llm.endpoints.every((e) => e.estimatedInputTokens <= 6000)).toBe(true);
    expect(JSON.stringify(llm)).not.toContain(STRIPE_KEY);
    expect(server.requests).toHaveLength(0);
  });

  it('--dry-run after a run shows cached endpoints as not sent', async () => {
    const dir = workspace();
    const server = await fake();
    await run(dir, envFor(server), 'extract', '--llm', '--only', 'GET /users*');
    const result = await run(dir, {}, 'extract', '--llm', '--dry-run');
    expect(result.stdout).toContain('  GET /users/{id}  cached, not sent');
    expect(result.stdout).toContain('would send 2 requests');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses --dry-run and --no-cache without --llm', async () => {
    const dir = workspace();
    const result = await run(dir, {}, 'extract', '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --dry-run only applies with --llm');
  });
});
