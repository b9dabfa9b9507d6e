import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initWorkspace } from '../../src/config/init.js';
import { findConfigFile, loadWorkspace, readConfigFile } from '../../src/config/load.js';
import { ParityError } from '../../src/errors.js';
import { expandUrlShorthand, httpUrlProblem } from '../../src/config/schema.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parity } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

function configError(fn: () => unknown): { error: ParityError; lines: string[] } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParityError) return { error, lines: error.diagnostics.map(formatDiagnostic) };
    throw error;
  }
  throw new Error('expected a ParityError');
}

describe('parity.yaml', () => {
  const tmp = useTempDir('config');

  it('is found by walking up from the working directory, and its paths are relative to it', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: api-specs\nlegacy:\n  source: ../legacy-app\n  url: http://127.0.0.1:3000\n', 'a/b/c/.keep': '' });
    const deep = path.join(root, 'a', 'b', 'c');
    expect(findConfigFile(deep)).toBe(path.join(root, 'parity.yaml'));
    const ws = loadWorkspace({ cwd: deep });
    expect(ws.configPath).toBe(path.join(root, 'parity.yaml'));
    expect(ws.specsDir).toBe(path.join(root, 'api-specs'));
    expect(ws.legacy).toEqual({ source: path.resolve(root, '../legacy-app'), url: 'http://127.0.0.1:3000' });
    expect(ws.storePath).toBe(path.join(root, '.parity', 'parity.db'));
    expect(ws.shadow.methods).toEqual(['GET', 'HEAD', 'OPTIONS']);
  });

  it('falls back to defaults relative to the working directory when there is none', () => {
    const root = tmp();
    const ws = loadWorkspace({ cwd: root });
    expect(ws.configPath).toBeNull();
    expect(ws.specsDir).toBe(path.join(root, 'specs'));
  });

  it('lets flags override the file, resolving flag paths against the working directory', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: specs\nrewrite: {url: "http://127.0.0.1:4000"}\n', 'sub/.keep': '' });
    const ws = loadWorkspace({ cwd: path.join(root, 'sub'), overrides: { specs: 'mine', rewriteUrl: 'http://127.0.0.1:4999' } });
    expect(ws.specsDir).toBe(path.join(root, 'sub', 'mine'));
    expect(ws.rewrite.url).toBe('http://127.0.0.1:4999');
  });

  it('rejects a bad URL given as a flag, naming the flag', () => {
    const { error } = configError(() => loadWorkspace({ cwd: tmp(), overrides: { legacyUrl: 'localhost:3000' } }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^--legacy: expected an http:\/\/ or https:\/\/ URL/);
  });

  it('names file, line, column and key for a wrong type', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: specs\nshadow:\n  port: eighty\n' });
    const { error, lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(lines).toEqual(['parity.yaml:3:9: shadow.port: expected an integer, got "eighty"']);
  });

  it('names an unknown key and suggests the right one', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'legacy:\n  sources: ./app\n' });
    const { lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(lines).toEqual(['parity.yaml:2:3: legacy.sources: unknown key (did you mean "source"?)']);
  });

  it('refuses a drift threshold that is not a share of requests', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'report:\n  max_secondary_divergence: 1.5\n' });
    const { error, lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(lines).toEqual(['parity.yaml:2:29: report.max_secondary_divergence: must be < 1, got 1.5']);
  });

  it('refuses a header parameter rule for a header without parameters, naming the entry', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'shadow:\n  compare:\n    ignore_header_parameters: [cache-control;max-age]\n' });
    const { error, lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(lines).toEqual([
      'parity.yaml:3:32: shadow.compare.ignore_header_parameters[0]: expected content-type or content-disposition and one of its parameters, ' +
        'as in "content-type;charset", or "content-type;*" for the media type only',
    ]);
  });

  it('says what a URL must look like', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'rewrite:\n  url: ftp://example.test\n' });
    const { lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(lines).toEqual(['parity.yaml:2:8: rewrite.url: expected an http:// or https:// URL, got the scheme "ftp:"']);
  });

  it('reports YAML syntax errors with their position', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: [a, b\nstore: x\n' });
    const { lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^parity\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('treats an empty file as all defaults', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': '# nothing yet\n' });
    expect(readConfigFile(path.join(root, 'parity.yaml'), root).specs).toBe('specs');
  });

  it('exits 2 through the CLI and prints the positioned problem', async () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: 12\n', 'specs/.keep': '' });
    const run = await parity(root, 'spec', 'lint');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('parity.yaml:1:8: specs: expected a string, got 12');
  });

  it('--config points at a file elsewhere; a missing one is a usage error', async () => {
    const root = tmp();
    writeFiles(root, { 'conf/parity.yaml': 'specs: ../the-specs\n', 'the-specs/.keep': '' });
    expect((await parity(root, '--config', 'conf/parity.yaml', 'spec', 'list')).stdout).toContain('no specs in the-specs');
    const missing = await parity(root, '--config', 'nope.yaml', 'spec', 'list');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config: nope.yaml does not exist');
  });
});

describe('parity init', () => {
  const tmp = useTempDir('init');

  it('writes a commented parity.yaml that loads, and creates the specs and store directories', () => {
    const root = tmp();
    const result = initWorkspace({ cwd: root, legacySource: 'legacy', legacyUrl: 'http://127.0.0.1:3000', rewriteUrl: 'http://127.0.0.1:4000' });
    const text = fs.readFileSync(result.configPath, 'utf8');
    expect(text).toContain('# parity workspace.');
    const ws = loadWorkspace({ cwd: root });
    expect(ws.legacy).toEqual({ source: path.join(root, 'legacy'), url: 'http://127.0.0.1:3000' });
    expect(ws.rewrite.url).toBe('http://127.0.0.1:4000');
    expect(fs.statSync(path.join(root, 'specs')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(root, '.parity', '.gitignore'), 'utf8')).toBe('*\n');
    expect(result.created.map((p) => path.relative(root, p)).sort()).toEqual(['.parity', 'parity.yaml', 'specs']);
  });

  it('keeps awkward values intact (spaces, colons, hashes)', () => {
    const root = tmp();
    initWorkspace({ cwd: root, specs: 'my specs: v2 #1' });
    expect(loadWorkspace({ cwd: root }).specsDir).toBe(path.join(root, 'my specs: v2 #1'));
  });

  it('refuses to overwrite without --force, and leaves the file as it was', async () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'specs: mine\n' });
    const run = await parity(root, 'init');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('parity.yaml already exists');
    expect(run.stderr).toContain('hint: use --force to overwrite it');
    expect(fs.readFileSync(path.join(root, 'parity.yaml'), 'utf8')).toBe('specs: mine\n');
    const forced = await parity(root, 'init', '--force', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ replaced: true });
  });

  it('rejects a bad URL before writing anything', async () => {
    const root = tmp();
    const run = await parity(root, 'init', '--legacy-url', 'not a url');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--legacy-url: expected an http:// or https:// URL');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('writes into --dir, storing paths relative to the new file', async () => {
    const root = tmp();
    const run = await parity(root, 'init', '--dir', 'ws', '--legacy-source', 'app');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote ws/parity.yaml');
    expect(fs.readFileSync(path.join(root, 'ws', 'parity.yaml'), 'utf8')).toContain('  source: ../app\n');
  });
});

describe('auth profiles', () => {
  const tmp = useTempDir('auth');

  it('loads named header sets and rejects a malformed one at its position', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'auth:\n  acme:\n    headers:\n      Authorization: Bearer ${ACME_KEY}\n' });
    expect(loadWorkspace({ cwd: root }).auth).toEqual({ acme: { headers: { Authorization: 'Bearer ${ACME_KEY}' } } });
    writeFiles(root, { 'parity.yaml': 'auth:\n  acme:\n    header:\n      Authorization: x\n' });
    const { lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(lines).toEqual([
      'parity.yaml:2:3: auth.acme: missing required key "headers"',
      'parity.yaml:3:5: auth.acme.header: unknown key (did you mean "headers"?)',
    ]);
  });
});

describe('shadow mirror policy keys', () => {
  const tmp = useTempDir('shadow-policy');

  it('loads the policy keys and rejects a bad sample_by or glob at its position', () => {
    const root = tmp();
    writeFiles(root, {
      'parity.yaml': [
        'shadow:',
        '  sample_by: cookie:session',
        '  allow_writes: ["POST /invoices"]',
        '  exclude: ["/internal/**"]',
        '  timeouts: {candidate: 800}',
        '  headers:',
        '    candidate:',
        '      set: {Authorization: "Bearer ${CANDIDATE_TOKEN}"}',
        '',
      ].join('\n'),
    });
    const { shadow } = loadWorkspace({ cwd: root });
    expect(shadow).toMatchObject({
      sample_by: 'cookie:session',
      allow_writes: ['POST /invoices'],
      include: [],
      exclude: ['/internal/**'],
      timeouts: { candidate: 800 },
      headers: { candidate: { set: { Authorization: 'Bearer ${CANDIDATE_TOKEN}' }, remove: [] }, secondary: { set: {}, remove: [] } },
    });

    writeFiles(root, { 'parity.yaml': 'shadow:\n  sample_by: user-id\n  allow_writes: [/invoices]\n  headers:\n    primary: {}\n' });
    const { error, lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(error.exitCode).toBe(2);
    expect(lines).toEqual([
      'parity.yaml:2:14: shadow.sample_by: expected "header:NAME" or "cookie:NAME", such as "header:X-User-Id" or "cookie:session", got "user-id"',
      'parity.yaml:3:18: shadow.allow_writes[0]: expected "METHOD /path" such as "POST /invoices" or "PATCH /customers/{customer_id}", got "/invoices"',
      'parity.yaml:5:5: shadow.headers.primary: unknown key (expected one of: candidate, secondary)',
    ]);
  });

  it('loads shadow.correlation with its defaults, and rejects a bad bound or session kind at its position', () => {
    const root = tmp();
    writeFiles(root, { 'parity.yaml': 'shadow:\n  correlation: {keys: [number], sessions: [cookie]}\n' });
    expect(loadWorkspace({ cwd: root }).shadow.correlation).toEqual({
      enabled: true,
      max_entries: 100_000,
      max_age_hours: 168,
      keys: ['number'],
      sessions: ['cookie'],
    });

    writeFiles(root, { 'parity.yaml': 'shadow:\n  correlation:\n    max_entries: 0\n    sessions: [ip]\n' });
    const { error, lines } = configError(() => readConfigFile(path.join(root, 'parity.yaml'), root));
    expect(error.exitCode).toBe(2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^parity\.yaml:3:18: shadow\.correlation\.max_entries: /);
    expect(lines[1]).toMatch(/^parity\.yaml:4:16: shadow\.correlation\.sessions\[0\]: .*connection.*authorization.*cookie/);
  });
});

describe('URL flags', () => {
  it('expand a host-less :PORT to loopback and a scheme-less host:PORT to http, and leave everything else to be checked', () => {
    expect(expandUrlShorthand(':7101')).toBe('http://127.0.0.1:7101');
    expect(expandUrlShorthand(':7101/api')).toBe('http://127.0.0.1:7101/api');
    expect(expandUrlShorthand('localhost:3000')).toBe('http://localhost:3000');
    expect(expandUrlShorthand('legacy.internal:8080')).toBe('http://legacy.internal:8080');
    expect(expandUrlShorthand('[::1]:3000')).toBe('http://[::1]:3000');
    for (const given of ['http://x:1', 'https://x', 'ftp://x', ':port', 'x', '7101']) expect(expandUrlShorthand(given)).toBe(given);
    expect(httpUrlProblem(expandUrlShorthand('7101'))).toMatch(/^expected an http:\/\/ or https:\/\/ URL/);
  });
});
