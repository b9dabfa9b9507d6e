/**
 * `parity replay`: a store filled by the real inline proxy (a primary, a candidate with a planted
 * bug on one path), then its samples re-sent to other candidate builds and compared with the
 * stored primary responses. Real servers on loopback, real SQLite, the real CLI in-process.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShadowProxy } from '../../shadow-proxy/proxy.js';
import { replaySamples, type ReplayResult } from '../../shadow-proxy/replay.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { loadWorkspace } from '../../src/config/load.js';
import { openStore } from '../../src/store/store.js';

const LIVE_TOKEN = 'Bearer live-token-that-must-not-be-stored';
const REPLAY_TOKEN = 'Bearer replay-token';
const CUSTOMER_IDS = ['1', '2', '3', '9'];
const ORDER_IDS = ['1', '2', '3'];

type Kind = 'buggy' | 'fixed' | 'other';

interface Upstream {
  url: string;
  /** The Authorization header of every request it got. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

function customer(id: string): Record<string, unknown> {
  // Customer 9's answer is larger than the store's sample body cap: its sample is truncated.
  return { id: Number(id), name: `Customer ${id}`, email: `c${id}@example.test`, ...(id === '9' && { notes: 'n'.repeat(4000) }) };
}

async function serve(handler: http.RequestListener): Promise<Upstream> {
  const authorizations: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    authorizations,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, gzip = false): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', ...(gzip && { 'content-encoding': 'gzip' }) });
  res.end(gzip ? zlib.gzipSync(bytes) : bytes);
}

/** The legacy: customers and orders. */
function primary(): Promise<Upstream> {
  return serve((req, res) => {
    const [, collection, id = ''] = (req.url ?? '/').split('/');
    if (collection === 'customers') return json(res, 200, customer(id));
    if (collection === 'orders') return json(res, 200, { id: Number(id), total: 10 * Number(id) });
    json(res, 404, { error: 'not found' });
  });
}

/**
 * A rewrite build that checks the bearer token: `buggy` upper-cases customer names (the planted
 * bug), `fixed` answers like the legacy (gzip-compressed, which must not matter), `other` has a
 * different bug: customers lose their email.
 */
function candidate(kind: Kind, token: string): Promise<Upstream> {
  return serve((req, res) => {
    if (req.headers.authorization !== token) return json(res, 401, { error: 'unauthorized' });
    const [, collection, id = ''] = (req.url ?? '/').split('/');
    if (collection === 'orders') return json(res, 200, { id: Number(id), total: 10 * Number(id) }, kind === 'fixed');
    if (collection !== 'customers') return json(res, 404, { error: 'not found' });
    const body = customer(id);
    if (kind === 'buggy') body.name = String(body.name).toUpperCase();
    if (kind === 'other') delete body.email;
    json(res, 200, body, kind === 'fixed');
  });
}

async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let dir: string;
let storeFile: string;
const upstreams: Upstream[] = [];
const candidates = {} as Record<Kind, Upstream>;

/** Live traffic through the real inline proxy, in front of the legacy, mirrored to the buggy build. */
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-replay-'));
  storeFile = path.join(dir, '.parity', 'parity.db');
  const legacy = await primary();
  const live = await candidate('buggy', LIVE_TOKEN);
  upstreams.push(legacy, live);
  const store = openShadowStore(storeFile, { flushIntervalMs: 20, maxSampleBodyBytes: 1024 });
  const proxy = await startShadowProxy({
    primary: legacy.url,
    candidate: live.url,
    specs: [],
    methods: ['GET'],
    samplePercent: 100,
    queueLimit: 100,
    timeoutMs: 5_000,
    maxBodyBytes: 1 << 20,
    store,
  });
  try {
    for (const target of [...CUSTOMER_IDS.map((id) => `/customers/${id}`), ...ORDER_IDS.map((id) => `/orders/${id}`)]) {
      const response = await fetch(`${proxy.url}${target}`, { headers: { authorization: LIVE_TOKEN, accept: 'application/json' } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  } finally {
    await proxy.close();
    await store.close();
  }
  expect(proxy.metrics().compared).toMatchObject({ mismatch: 4, match: 3 });
  for (const kind of ['buggy', 'fixed', 'other'] as const) upstreams.push((candidates[kind] = await candidate(kind, REPLAY_TOKEN)));
  fs.writeFileSync(path.join(dir, 'parity.yaml'), 'auth:\n  replay:\n    headers:\n      Authorization: Bearer ${REPLAY_SECRET}\n');
});

afterAll(async () => {
  for (const upstream of upstreams.splice(0)) await upstream.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(dir, { REPLAY_SECRET: 'replay-token' });
  const code = await runCli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

function replay(kind: Kind, options: Partial<Parameters<typeof replaySamples>[0]> = {}): Promise<ReplayResult> {
  return replaySamples({
    workspace: loadWorkspace({ cwd: dir }),
    cwd: dir,
    env: {},
    candidate: candidates[kind].url,
    headers: { Authorization: REPLAY_TOKEN },
    ...options,
  });
}

function digest(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('parity replay', () => {
  it('the store holds what the live proxy saw: one customer signature with 4 samples, a reservoir of 3 order matches, no secret', () => {
    const store = openStore(storeFile, { readonly: true });
    try {
      const rows = store.db.prepare('SELECT signature, samples FROM shadow_signatures').all() as { signature: string; samples: number }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.signature).toMatch(/^GET \/customers\/.* \| \$\.name value$/);
      expect(rows[0]!.samples).toBe(4);
      expect(store.db.prepare('SELECT count(*) FROM shadow_samples WHERE reservoir_slot IS NOT NULL').pluck().get()).toBe(3);
    } finally {
      store.close();
    }
    expect(fs.readFileSync(storeFile).includes('live-token')).toBe(false);
  });

  it('--help says the primary is not called, and that redacted headers are replaced by --header or --auth', async () => {
    const run = await cli('replay', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--only <which>');
    expect(run.stdout).toContain('The primary is not called');
    expect(run.stdout).toContain('Nothing is written to the store.');
    expect(run.stdout).toMatch(/every sample\s+is sent with the auth profile \(parity.yaml\) whose values have its fingerprints/);
    expect(run.stdout).toMatch(/credentials match no profile is not replayed \("credentials unknown"\)/);
  });

  it('(a) against the same buggy build: the signature still differs, exit 1, the truncated sample skipped and counted', async () => {
    const result = await replay('buggy');
    expect(result.passed).toBe(false);
    expect(result.groups).toHaveLength(1);
    const [group] = result.groups;
    expect(group!.kind).toBe('signature');
    expect(group!.counts).toEqual({ samples: 4, replayed: 3, match: 0, same: 3, different: 0, expected: 0, candidateError: 0, notCompared: 0, skipped: 1 });
    expect(result.skipped).toEqual({ truncated: 1, redacted: 0, credentials: 0 });
    expect(group!.samples.find((s) => s.outcome === 'skipped')).toMatchObject({ target: '/customers/9', skipReason: 'truncated' });
    expect(group!.samples.filter((s) => s.outcome === 'same').every((s) => s.signature === group!.signature)).toBe(true);

    const before = digest(storeFile);
    const run = await cli('replay', '--candidate', candidates.buggy.url, '--header', `Authorization: ${REPLAY_TOKEN}`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ 3 still differ');
    expect(run.stdout).toContain('$.name value: legacy "Customer 1", rewrite "CUSTOMER 1"');
    expect(run.stdout).toContain('1 skipped (1 with a truncated body)');
    expect(run.stdout).toContain('FAILED: 3 replayed samples still differing');
    // Replay only reads the store.
    expect(digest(storeFile)).toBe(before);
  });

  it('(b) against a fixed build: every replayed sample is fixed, exit 0; --only all also replays the matches', async () => {
    const result = await replay('fixed');
    expect(result.passed).toBe(true);
    expect(result.totals).toMatchObject({ samples: 4, replayed: 3, match: 3, same: 0, different: 0, skipped: 1 });

    const run = await cli('replay', '--candidate', candidates.fixed.url, '--header', `Authorization: ${REPLAY_TOKEN}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ 3 fixed');
    expect(run.stdout).toContain('PASSED');

    const all = await cli('replay', '--candidate', candidates.fixed.url, '--header', `Authorization: ${REPLAY_TOKEN}`, '--only', 'all', '--json');
    expect(all.code).toBe(0);
    const parsed = JSON.parse(all.stdout) as ReplayResult;
    expect(parsed.only).toBe('all');
    expect(parsed.groups.map((g) => [g.kind, g.counts.match])).toEqual([
      ['signature', 3],
      ['matches', 3],
    ]);
    expect(parsed.groups[1]!.endpoint).toMatch(/^GET \/orders\//);
  });

  it('(c) against a build with a different bug: the samples differ differently, under a new signature', async () => {
    const result = await replay('other');
    expect(result.passed).toBe(false);
    const [group] = result.groups;
    expect(group!.counts).toMatchObject({ replayed: 3, same: 0, different: 3 });
    expect(group!.newSignatures).toHaveLength(1);
    expect(group!.newSignatures[0]!.signature).toMatch(/\| \$\.email missing$/);
    expect(group!.newSignatures[0]!.count).toBe(3);

    const run = await cli('replay', '--candidate', candidates.other.url, '--header', `Authorization: ${REPLAY_TOKEN}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('≠ 3 differ differently');
    expect(run.stdout).toMatch(/now: GET \/customers\/.* \| \$\.email missing {2}\(3×\)/);
  });

  it('(f) --methods replays only the samples of those methods, and names them when there is none', async () => {
    const reads = await cli('replay', '--candidate', candidates.fixed.url, '--header', `Authorization: ${REPLAY_TOKEN}`, '--methods', 'get,head', '--json');
    expect(reads.code).toBe(0);
    const parsed = JSON.parse(reads.stdout) as ReplayResult;
    expect(parsed.methods).toEqual(['GET', 'HEAD']);
    expect(parsed.totals).toMatchObject({ samples: 4, replayed: 3, match: 3 });

    const writes = await cli('replay', '--candidate', candidates.fixed.url, '--methods', 'POST,DELETE');
    expect(writes.code).toBe(0);
    expect(writes.stdout).toContain('no diverged samples of POST, DELETE requests to replay');

    const bad = await cli('replay', '--candidate', candidates.fixed.url, '--methods', 'GET;DROP');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('expected HTTP methods separated by commas, such as GET,HEAD; got "GET;DROP"');
  });

  it('(d) exits 2 with one message when the candidate is unreachable or there is no shadow data', async () => {
    const down = await closedPort();
    const run = await cli('replay', '--candidate', down);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`error: the candidate at ${down} is unreachable: connection refused (ECONNREFUSED)\n`);

    const missing = await cli('replay', '--candidate', candidates.fixed.url, '--db', 'nowhere.db');
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: no shadow data to replay: nowhere.db does not exist (run `parity shadow` first, or pass --db FILE)\n',
    });
    expect(fs.existsSync(path.join(dir, 'nowhere.db'))).toBe(false);

    openStore(path.join(dir, 'empty.db')).close();
    const empty = await cli('replay', '--candidate', candidates.fixed.url, '--db', 'empty.db');
    expect(empty).toEqual({ code: 2, stdout: '', stderr: 'error: no shadow data to replay: empty.db holds no shadow samples (run `parity shadow` first)\n' });
  });

  it('(e) drops the redacted Authorization and sends the --header (or --auth profile) value instead', async () => {
    const seen = candidates.fixed.authorizations;
    seen.length = 0;
    const run = await cli('replay', '--candidate', candidates.fixed.url, '--header', `Authorization: ${REPLAY_TOKEN}`);
    expect(run.code).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([undefined, REPLAY_TOKEN])); // undefined: the reachability probe
    expect(seen.filter((a) => a === REPLAY_TOKEN)).toHaveLength(3);

    seen.length = 0;
    const profile = await cli('replay', '--candidate', candidates.fixed.url, '--auth', 'replay');
    expect(profile.code).toBe(0);
    expect(seen.filter((a) => a === REPLAY_TOKEN)).toHaveLength(3);

    // Without a replacement, and with the live token in no profile, nothing is sent without its credentials (never "[REDACTED]"), and replay says why.
    seen.length = 0;
    const bare = await cli('replay', '--candidate', candidates.fixed.url);
    expect(bare.code).toBe(1);
    expect(seen).toEqual([undefined]); // the reachability probe only
    expect(bare.stdout).toContain('note: 3 samples not replayed: credentials unknown');
    expect(bare.stdout).toContain('FAILED: none of the 4 selected samples could be replayed'); // and one more truncated
    expect(bare.stdout).toContain('0 now match, 0 still differ, 0 differ differently');

    const wrong = await cli('replay', '--candidate', candidates.fixed.url, '--auth', 'replya');
    expect(wrong).toMatchObject({ code: 2, stderr: 'error: --auth: auth profile "replya" is not defined in parity.yaml (did you mean "replay"?)\n' });
    const malformed = await cli('replay', '--candidate', candidates.fixed.url, '--header', 'Authorization');
    expect(malformed).toMatchObject({ code: 2, stderr: 'error: --header: expected "Name: value", got "Authorization"\n' });
  });
});
