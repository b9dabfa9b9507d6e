import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EndpointFacts } from '../../extractors/types.js';
import { specIdFor, writeDrafts } from '../../src/extract/drafts.js';
import { approveSpec } from '../../src/spec/approve.js';
import { lintSpecs } from '../../src/spec/lint.js';
import { listSpecs } from '../../src/spec/list.js';
import { packageRoot } from '../../src/package-info.js';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const HASH = (c: string) => `sha256:${c.repeat(64)}`;

function facts(method: EndpointFacts['method'], route: string, overrides: Partial<EndpointFacts> = {}): EndpointFacts {
  return {
    method,
    path: route,
    framework: 'express',
    handler: 'controllers/things.js:10-20',
    params: [{ name: 'id', in: 'path', type: 'string', required: true, evidence: 'routes/things.js:4' }],
    guards: [{ kind: 'auth', text: 'requireApiKey', level: 'router', evidence: 'routes/things.js:2' }],
    outcomes: [
      { status: 200, evidence: 'controllers/things.js:19' },
      { status: 404, when: '!thing', body: { error: 'not found' }, evidence: 'controllers/things.js:14' },
    ],
    side_effects: [{ kind: 'db_write', target: 'things', evidence: 'controllers/things.js:17' }],
    volatile: [{ field: '$.created', reason: 'Date.now()', evidence: 'controllers/things.js:16' }],
    source_hash: HASH('a'),
    ...overrides,
  };
}

describe('spec ids for drafts', () => {
  it.each([
    ['GET', '/customers', 'customers.list'],
    ['GET', '/customers/{id}', 'customers.get'],
    ['POST', '/customers', 'customers.create'],
    ['PATCH', '/customers/{id}', 'customers.update'],
    ['DELETE', '/customers/{id}', 'customers.delete'],
    ['GET', '/customers/{id}/invoices', 'customers.invoices.list'],
    ['POST', '/invoices/{id}/finalize', 'invoices.finalize'],
    ['POST', '/payments/{id}/refunds', 'payments.refunds'],
    ['GET', '/', 'root.list'],
    ['GET', '/v1/Users-Export', 'v1.users-export.list'],
    ['*', '/health', 'health.any'],
  ])('%s %s is %s', (method, route, id) => {
    expect(specIdFor(method, route)).toBe(id);
  });
});

describe('writeDrafts', () => {
  const tmp = useTempDir('drafts');

  it('creates one lint-clean draft per endpoint, with behaviours proposed from the facts, undecided', () => {
    const dir = tmp();
    const specsDir = path.join(dir, 'specs');
    const result = writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}'), facts('POST', '/things', { params: [] })] });
    expect(result.created.map((c) => [c.id, c.file])).toEqual([
      ['things.get', 'specs/things.get.yaml'],
      ['things.create', 'specs/things.create.yaml'],
    ]);
    expect(lintSpecs({ specsDir, cwd: dir }).problems).toEqual([]);
    const listing = listSpecs({ specsDir, cwd: dir });
    expect(listing.specs.map((s) => s.status)).toEqual(['draft', 'draft']);
    const text = fs.readFileSync(path.join(specsDir, 'things.get.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=.*specs\/schema\.json\n# Drafted by `parity extract` from controllers\/things\.js:10-20\.\n/);
    expect(text).toContain('  - id: answers-404-thing\n    says: Answers 404 with {"error":"not found"} when !thing.\n    disposition: undecided\n');
    expect(text).toContain('  - id: guard-auth\n');
    expect(text).toContain('  - id: db-write-things\n');
    expect(text).toMatch(/\nwho_may_call:\n/);
  });

  it('is idempotent: the same facts change nothing, byte for byte', () => {
    const dir = tmp();
    const specsDir = path.join(dir, 'specs');
    writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}')] });
    const before = fs.readFileSync(path.join(specsDir, 'things.get.yaml'), 'utf8');
    const again = writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}')] });
    expect(again).toMatchObject({ created: [], updated: [], unchanged: [{ id: 'things.get' }] });
    expect(fs.readFileSync(path.join(specsDir, 'things.get.yaml'), 'utf8')).toBe(before);
  });

  it('replaces only the extracted block of an existing spec, keeps what reviewers wrote, and reports drift of an approved one', () => {
    const dir = tmp();
    const specsDir = path.join(dir, 'specs');
    writeFiles(dir, {
      'specs/mine.yaml': `# reviewed by the billing team
id: things.show   # our own id
endpoint: GET /things/{thing_id}
extracted:
  handler: controllers/things.js:10-20
  source_hash: ${HASH('a')}
summary: Shows a thing.
who_may_call: its owner
rate_limit: none, intentionally
behaviors:
  - {id: shows, says: "Answers the thing", disposition: preserve}
`,
    });
    approveSpec({ specsDir, cwd: dir, id: 'things.show', by: 'Ada', now: new Date('2026-11-01T00:00:00Z') });
    const approved = fs.readFileSync(path.join(specsDir, 'mine.yaml'), 'utf8');

    const result = writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}', { source_hash: HASH('b') })] });
    expect(result.updated).toEqual([{ id: 'things.show', endpoint: 'GET /things/{thing_id}', file: 'specs/mine.yaml' }]);
    expect(result.drifted).toEqual([
      {
        id: 'things.show',
        endpoint: 'GET /things/{thing_id}',
        file: 'specs/mine.yaml',
        from: HASH('a'),
        to: HASH('b'),
        changes: [
          'new param: path id (string)',
          'new guard: auth requireApiKey',
          'new outcome: 200',
          'new outcome: 404 when !thing',
          'new side effect: db_write things',
          'new volatile field: $.created',
        ],
      },
    ]);
    const after = fs.readFileSync(path.join(specsDir, 'mine.yaml'), 'utf8');
    const withoutExtracted = (text: string) => text.replace(/^extracted:\n(?: .*\n)*/m, '');
    expect(withoutExtracted(after)).toBe(withoutExtracted(approved));
    expect(after).toContain(`  source_hash: ${HASH('b')}\n`);
    expect(after).toContain('  outcomes:\n');
    const status = listSpecs({ specsDir, cwd: dir }).specs[0]!;
    expect(status.status).toBe('drifted');
    expect(status.reasons[0]).toContain('the legacy source changed');
    expect(status.reasons).toContain('new outcome: 404 when !thing');

    // A later extraction keeps the account of what moved since approval; approving again clears it.
    writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}', { source_hash: HASH('c'), outcomes: [] })] });
    const later = listSpecs({ specsDir, cwd: dir }).specs[0]!;
    expect(later.reasons).toEqual(expect.arrayContaining(['new outcome: 404 when !thing', 'outcome gone: 404 when !thing']));
    approveSpec({ specsDir, cwd: dir, id: 'things.show', by: 'Ada' });
    writeDrafts({ specsDir, cwd: dir, endpoints: [facts('GET', '/things/{id}', { source_hash: HASH('c'), outcomes: [] })] });
    expect(fs.readFileSync(path.join(specsDir, 'mine.yaml'), 'utf8')).not.toContain('changes_since_approval');
    expect(listSpecs({ specsDir, cwd: dir }).specs[0]!.status).toBe('approved');
  });

  it('drafts a route that answers any method as a `*` endpoint', () => {
    const dir = tmp();
    const specsDir = path.join(dir, 'specs');
    const result = writeDrafts({ specsDir, cwd: dir, endpoints: [facts('*', '/health', { params: [] })] });
    expect(result.created).toEqual([{ id: 'health.any', endpoint: '* /health', file: 'specs/health.any.yaml' }]);
    expect(lintSpecs({ specsDir, cwd: dir }).problems).toEqual([]);
  });

  it('writes nothing while a spec in the directory does not load, saying which', async () => {
    const dir = tmp();
    writeFiles(dir, { 'specs/broken.yaml': 'id: [\n' });
    expect(() => writeDrafts({ specsDir: path.join(dir, 'specs'), cwd: dir, endpoints: [facts('GET', '/things')] })).toThrow('some specs do not load');
    expect(fs.readdirSync(path.join(dir, 'specs'))).toEqual(['broken.yaml']);
  });

  it('never overwrites an unrelated file that has the name a draft would take', () => {
    const dir = tmp();
    writeFiles(dir, { 'specs/things.list.yaml': 'id: other\nendpoint: GET /other\n' });
    const result = writeDrafts({ specsDir: path.join(dir, 'specs'), cwd: dir, endpoints: [facts('GET', '/things')] });
    expect(result.created).toEqual([{ id: 'things.list', endpoint: 'GET /things', file: 'specs/things.list-2.yaml' }]);
    expect(fs.readFileSync(path.join(dir, 'specs', 'things.list.yaml'), 'utf8')).toBe('id: other\nendpoint: GET /other\n');
  });
});

describe('parity extract', () => {
  const tmp = useTempDir('extract-cli');

  it('exits 2 without a legacy source, and when it is not a directory', async () => {
    const dir = tmp();
    const none = await parity(dir, 'extract');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: no legacy source directory');
    const missing = await parity(dir, 'extract', '--source', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('legacy source nope is not a directory');
  });

  it('exits 1 when no supported framework is found', async () => {
    const dir = tmp();
    writeFiles(dir, { 'app/main.c': 'int main() { return 0; }\n' });
    const run = await parity(dir, 'extract', '--source', 'app');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('no supported framework found in app\n');
  });

  it('with --llm and nothing to describe, needs no API key (test/extract/llm.test.ts covers the rest)', async () => {
    const dir = tmp();
    const run = await parity(dir, 'extract', '--llm', '--source', '.');
    expect(run).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^no supported framework found in .+\n$/) });
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
  });
});

describe('parity extract on the billing legacy', () => {
  const tmp = useTempDir('extract-billing');
  const legacy = path.join(packageRoot(), 'examples', 'billing', 'legacy');

  it('--json prints the endpoints and writes nothing', async () => {
    const dir = tmp();
    const run = await parity(dir, 'extract', '--source', legacy, '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { endpoints: EndpointFacts[]; warnings: { file: string; line: number; message: string }[] };
    expect(result.endpoints).toHaveLength(15);
    expect(result.endpoints[0]).toMatchObject({
      method: 'GET',
      path: '/customers',
      framework: 'express',
      handler: expect.stringMatching(/^controllers\/customers\.js:\d+-\d+$/),
    });
    expect(Object.keys(result)).toEqual(['endpoints', 'warnings']);
    expect(fs.existsSync(path.join(dir, '.parity'))).toBe(false);
  });

  it('--only keeps the endpoints whose "METHOD /path" matches, a * crossing slashes', async () => {
    const run = await parity(tmp(), 'extract', '--source', legacy, '--json', '--only', 'post /invoices*');
    const result = JSON.parse(run.stdout) as { endpoints: EndpointFacts[] };
    expect(result.endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(['POST /invoices', 'POST /invoices/{id}/finalize', 'POST /invoices/{id}/void']);
  });

  it('writes lint-clean drafts, then changes nothing on a second run', async () => {
    const dir = tmp();
    const first = await parity(dir, 'extract', '--source', legacy, '--specs', 'drafts');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('15 endpoints in ');
    expect(first.stdout).toContain('drafts: 15 created, 0 updated, 0 unchanged');
    expect(lintSpecs({ specsDir: path.join(dir, 'drafts'), cwd: dir }).problems).toEqual([]);
    const before = Object.fromEntries(fs.readdirSync(path.join(dir, 'drafts')).map((f) => [f, fs.readFileSync(path.join(dir, 'drafts', f), 'utf8')]));
    const second = await parity(dir, 'extract', '--source', legacy, '--specs', 'drafts');
    expect(second.stdout).toContain('drafts: 0 created, 0 updated, 15 unchanged');
    const after = Object.fromEntries(fs.readdirSync(path.join(dir, 'drafts')).map((f) => [f, fs.readFileSync(path.join(dir, 'drafts', f), 'utf8')]));
    expect(after).toEqual(before);
  });

  it('keeps the worked, approved specs approved: only their extracted blocks are rewritten', async () => {
    const dir = tmp();
    fs.cpSync(path.join(packageRoot(), 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
    const run = await parity(dir, 'extract', '--source', legacy, '--specs', 'specs', '--only', 'POST /invoices*');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('drifted');
    const listing = listSpecs({ specsDir: path.join(dir, 'specs'), cwd: dir });
    expect(listing.counts).toEqual({ draft: 0, reviewed: 0, approved: 15, drifted: 0 });
  });

  it('reports drift when the legacy handler changes', async () => {
    const dir = tmp();
    fs.cpSync(legacy, path.join(dir, 'legacy'), { recursive: true });
    fs.cpSync(path.join(packageRoot(), 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
    const controller = path.join(dir, 'legacy', 'controllers', 'payments.js');
    fs.writeFileSync(
      controller,
      fs.readFileSync(controller, 'utf8').replace('function refund(req, res) {', 'function refund(req, res) {\n  // audited 2026-11'),
    );
    const run = await parity(dir, 'extract', '--source', 'legacy', '--specs', 'specs');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('drifted: refunds.create (specs/refunds.create.yaml)');
    expect(run.stdout).toContain('  handler is now controllers/payments.js:92-136 (was controllers/payments.js:92-135)\n');
    const status = await parity(dir, 'spec', 'status', 'refunds.create', '--json');
    expect(JSON.parse(status.stdout).specs[0]).toMatchObject({ status: 'drifted' });
    expect(JSON.parse(status.stdout).specs[0].reasons).toContain('handler is now controllers/payments.js:92-136 (was controllers/payments.js:92-135)');
  });
});
