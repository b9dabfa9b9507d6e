/**
 * The client's path is sacred: with a candidate that is down, resets mid-response, stalls, speaks
 * garbage, answers huge or with broken gzip, every client gets exactly the primary's answer, with
 * no error and no wait. Also: the mirror queue stays bounded and counts drops; parity is never an
 * open proxy; `parity shadow` drains on SIGTERM (every acknowledged comparison is in the store)
 * and never writes a secret.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startShadowProxy } from '../../shadow-proxy/proxy.js';
import { readShadowSummary } from '../../shadow-proxy/query.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { openStore } from '../../src/store/store.js';
import { runShadow } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
const tempDir = useTempDir('shadow-faults');

async function listen(server: net.Server): Promise<string> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const GZIPPED = zlib.gzipSync(JSON.stringify({ compressed: true, items: [1, 2, 3] }));

/** The primary: a JSON answer, a gzip answer and a 404, with headers a client would care about. */
function primaryServer(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/gz') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-primary': 'yes' });
        return res.end(GZIPPED);
      }
      if (req.url?.startsWith('/json')) {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-primary': 'yes' });
        return res.end(JSON.stringify({ path: req.url, method: req.method, n: 42 }));
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no ${req.url}`);
    });
  });
}

type CandidateKind = 'down' | 'reset' | 'stall' | 'garbage' | 'huge' | 'broken-gzip';

async function candidate(kind: CandidateKind): Promise<string> {
  if (kind === 'down') {
    const server = net.createServer();
    const url = await listen(server);
    closers.pop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return url;
  }
  if (kind === 'garbage') {
    return listen(net.createServer((socket) => socket.end('THIS IS NOT HTTP\r\n\r\n\u0000\u0001garbage')));
  }
  return listen(
    http.createServer((req, res) => {
      req.resume();
      if (kind === 'reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 5);
      } else if (kind === 'stall') {
        const timer = setTimeout(() => res.end('{}'), 5_000);
        res.on('close', () => clearTimeout(timer));
      } else if (kind === 'huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ blob: 'x'.repeat(3 << 20) }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(Buffer.from('definitely not gzip data'));
      }
    }),
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw client that keeps the bytes as sent (fetch would decode gzip). */
function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function comparable(answer: Answer) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...headers } = answer.headers;
  return { status: answer.status, headers, body: answer.body.toString('base64') };
}

async function shadowOf(primary: string, candidateUrl: string, file: string, overrides: Partial<Parameters<typeof startShadowProxy>[0]> = {}) {
  const store = openShadowStore(file);
  const proxy = await startShadowProxy({
    primary,
    candidate: candidateUrl,
    specs: [],
    methods: ['GET'],
    samplePercent: 100,
    queueLimit: 1_000,
    timeoutMs: 1_000,
    maxBodyBytes: 1 << 20,
    store,
    ...overrides,
  });
  return { proxy, store };
}

describe('a misbehaving candidate never reaches the client', () => {
  const expectedOutcome: Record<CandidateKind, string> = {
    down: 'candidate_error',
    reset: 'candidate_error',
    stall: 'candidate_error',
    garbage: 'candidate_error',
    huge: 'not_compared',
    'broken-gzip': 'mismatch',
  };

  it.each(Object.keys(expectedOutcome) as CandidateKind[])(
    'candidate %s: primary answers byte-identical, no error, no wait',
    { timeout: 20_000 },
    async (kind) => {
      const primary = await listen(primaryServer());
      const file = path.join(tempDir(), 'shadow.db');
      const { proxy, store } = await shadowOf(primary, await candidate(kind), file);
      const paths = ['/json?a=1', '/gz', '/missing', '/json/2'];
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => paths[i % paths.length]!).map((p) => Promise.all([get(proxy.url + p), get(primary + p)])),
      );
      const elapsed = performance.now() - started;
      for (const [proxied, direct] of answers) expect(comparable(proxied)).toEqual(comparable(direct));
      // The stalled candidate answers after 5 s; the clients were all served long before.
      expect(elapsed).toBeLessThan(2_500);
      await proxy.close();
      await store.close();
      expect(proxy.metrics()).toMatchObject({ requests: 12, mirrored: 12, dropped: 0, primaryErrors: 0 });
      const db = openStore(file, { readonly: true });
      try {
        const outcomes = readShadowSummary(db.db, {}).endpoints.map((e) => e.outcomes);
        const total = (name: string) => outcomes.reduce((n, o) => n + (o[name as keyof typeof o] ?? 0), 0);
        if (kind === 'broken-gzip') expect(total('mismatch')).toBeGreaterThan(0);
        else expect(total(expectedOutcome[kind])).toBe(12);
      } finally {
        db.close();
      }
    },
  );

  it('a stalled candidate under load: the queue stays within its limit and drops are counted', { timeout: 20_000 }, async () => {
    const primary = await listen(primaryServer());
    const file = path.join(tempDir(), 'shadow.db');
    const { proxy, store } = await shadowOf(primary, await candidate('stall'), file, { queueLimit: 5, mirrorConcurrency: 2 });
    let deepest = 0;
    const answers = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const answer = await get(`${proxy.url}/json`);
        deepest = Math.max(deepest, proxy.metrics().queueDepth);
        return answer.status;
      }),
    );
    expect(answers.every((status) => status === 200)).toBe(true);
    const metrics = proxy.metrics();
    expect(deepest).toBeLessThanOrEqual(5);
    expect(metrics.dropped).toBeGreaterThanOrEqual(60 - 5 - 2);
    await proxy.close();
    await store.close();
    const db = openStore(file, { readonly: true });
    try {
      const [endpoint] = readShadowSummary(db.db, {}).endpoints;
      expect(endpoint!.outcomes.dropped).toBe(metrics.dropped);
      expect(endpoint!.outcomes.candidate_error).toBe(60 - metrics.dropped);
    } finally {
      db.close();
    }
  });
});

describe('stopping', () => {
  it('a drain toward a stalled candidate ends at its deadline: what still waits is dropped and counted', { timeout: 20_000 }, async () => {
    const primary = await listen(primaryServer());
    const file = path.join(tempDir(), 'shadow.db');
    const { proxy, store } = await shadowOf(primary, await candidate('stall'), file, { queueLimit: 100, mirrorConcurrency: 2, drainMs: 300 });
    await Promise.all(Array.from({ length: 20 }, () => get(`${proxy.url}/json`)));
    const started = performance.now();
    await proxy.close();
    await store.close();
    // Without the deadline, 18 waiting jobs at 2 at a time and 1 s each would take 9 s.
    expect(performance.now() - started).toBeLessThan(3_000);
    const metrics = proxy.metrics();
    expect(metrics.compared.candidate_error + metrics.dropped).toBe(20);
    expect(metrics.dropped).toBeGreaterThanOrEqual(16);
    const db = openStore(file, { readonly: true });
    try {
      const [endpoint] = readShadowSummary(db.db, {}).endpoints;
      expect([endpoint!.outcomes.dropped, endpoint!.outcomes.candidate_error]).toEqual([metrics.dropped, metrics.compared.candidate_error]);
    } finally {
      db.close();
    }
  });
});

describe('only the configured upstreams', () => {
  it('an absolute-form request line or another Host still goes to the primary, and /__parity/ answers health and metrics', async () => {
    const primary = await listen(primaryServer());
    const file = path.join(tempDir(), 'shadow.db');
    const { proxy, store } = await shadowOf(primary, await candidate('down'), file);
    closers.push(async () => {
      await proxy.close();
      await store.close();
    });
    const port = new URL(proxy.url).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.write('GET http://internal.example:9999/json?via=absolute HTTP/1.1\r\nHost: internal.example:9999\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(raw).toContain('{"path":"/json?via=absolute","method":"GET","n":42}');

    const health = await fetch(`${proxy.url}/__parity/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', requests: 1 });
    const metrics = await (await fetch(`${proxy.url}/__parity/metrics`)).text();
    expect(metrics).toContain('parity_shadow_requests_total 1\n');
    expect(metrics).toMatch(/parity_shadow_compared_total\{outcome="candidate_error"\} \d+/);
  });
});

describe('parity shadow', () => {
  it('a store file that is not a SQLite database is exit 2 with one message, not a crash', async () => {
    const primary = await listen(primaryServer());
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': `legacy: {url: "${primary}"}\nrewrite: {url: "${primary}"}\n`, 'notes.txt': 'not a database\n' });
    const io = memoryIo(dir, {}, new AbortController().signal);
    expect(await runCli(['shadow', '--port', '0', '--db', 'notes.txt'], io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^error: \S*notes\.txt is not a SQLite database\n/);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('not a database\n');
  });

  it('stops within shadow.drain_seconds even with a stalled candidate (the mirror thread drops what still waits)', { timeout: 20_000 }, async () => {
    const primary = await listen(primaryServer());
    const stalled = await candidate('stall');
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': `legacy: {url: "${primary}"}\nrewrite: {url: "${stalled}"}\nshadow: {drain_seconds: 1, timeout_ms: 1000}\n`,
    });
    const { url, io, stop } = await runShadow(dir);
    await Promise.all(Array.from({ length: 60 }, (_, i) => get(`${url}/json/${i}`)));
    const started = performance.now();
    expect(await stop()).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    const result = JSON.parse(io.out()) as { metrics: { dropped: number; compared: Record<string, number> } };
    const compared = Object.values(result.metrics.compared).reduce((a, b) => a + b, 0);
    expect(result.metrics.dropped).toBeGreaterThan(0);
    expect(compared + result.metrics.dropped).toBe(60);
  });

  it('drains on SIGTERM: every acknowledged comparison is in the store, and no secret is', { timeout: 30_000 }, async () => {
    const primary = await listen(primaryServer());
    const candidateUrl = await listen(primaryServer());
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': [
        `legacy: {url: "${primary}"}`,
        `rewrite: {url: "${candidateUrl}"}`,
        'shadow:',
        '  methods: [GET, POST]',
        '  redact: {json_paths: ["$.card.number"], headers: [X-Session]}',
        '',
      ].join('\n'),
    });
    const { url, io, stop } = await runShadow(dir);
    const secrets = ['tok_live_SECRET_1', 'sess_SECRET_2', '4242-SECRET-3'];
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        fetch(`${url}/json/${i}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secrets[0]}`, 'x-session': secrets[1]!, 'content-type': 'application/json' },
          body: JSON.stringify({ card: { number: secrets[2] }, i }),
        }).then((r) => r.text()),
      ),
    );
    // Stop at once: comparisons still queued or running must be finished and written, not lost.
    expect(await stop()).toBe(0);
    const result = JSON.parse(io.out()) as { written: number; lost: number; metrics: { requests: number; compared: Record<string, number> } };
    const compared = Object.values(result.metrics.compared).reduce((a, b) => a + b, 0);
    expect(result.metrics.requests).toBe(150);
    expect(compared).toBe(150);
    expect(result).toMatchObject({ written: 150, lost: 0 });
    // The structured log: one JSON line of counters when it stops.
    const stopped = io
      .err()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; level: string; requests: number; mode: string });
    expect(stopped.at(-1)).toMatchObject({ event: 'shadow.stopped', level: 'info', mode: 'inline', requests: 150 });

    const file = path.join(dir, '.parity', 'parity.db');
    const db = openStore(file, { readonly: true });
    try {
      const outcomes = readShadowSummary(db.db, {}).endpoints.reduce((n, e) => n + e.outcomes.match + e.outcomes.mismatch + e.outcomes.expected, 0);
      expect(outcomes).toBe(150);
    } finally {
      db.close();
    }
    const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const secret of secrets) expect(bytes.includes(secret), secret).toBe(false);
  });
});
