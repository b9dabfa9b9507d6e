/**
 * The mirror policy through the real inline proxy, with a primary and a candidate on loopback:
 * a write is mirrored only where allowed, an excluded path is never mirrored, and the candidate
 * gets its own Authorization while the primary (and the record) keep the client's.
 */
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../shadow-proxy/policy.js';
import { startShadowProxy } from '../../shadow-proxy/proxy.js';
import type { ComparisonRecord } from '../../shadow-proxy/store.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { ShadowConfigSchema } from '../../src/config/schema.js';
import { packageRoot } from '../../src/package-info.js';
import { loadSpecs } from '../../src/spec/load.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A JSON upstream that remembers every request it was sent. */
async function upstream(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, method: req.method }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen };
}

async function send(url: string, method: string, target: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${url}${target}`, { method, headers, ...(method === 'GET' ? {} : { body: '{"amount":1}' }) });
  await response.arrayBuffer();
  return response.status;
}

const tempDir = useTempDir('shadow-policy');

describe('the mirror policy in the inline proxy', () => {
  it('mirrors writes only where allowed, never an excluded path, and gives the candidate its own Authorization', async () => {
    const [primary, candidate] = await Promise.all([upstream(), upstream()]);
    const { specs } = loadSpecs(path.join(packageRoot(), 'specs', 'billing'), packageRoot());
    const shadow = ShadowConfigSchema.parse({
      allow_writes: ['POST /invoices', 'PATCH /customers/{customer_id}'],
      exclude: ['/internal/**'],
      headers: { candidate: { set: { Authorization: 'Bearer ${CANDIDATE_TOKEN}' }, remove: ['Cookie'] } },
    });
    const records: ComparisonRecord[] = [];
    const proxy = await startShadowProxy({
      primary: primary.url,
      candidate: candidate.url,
      specs,
      policy: compilePolicy(shadow, { CANDIDATE_TOKEN: 'candidate-secret' }),
      queueLimit: 100,
      maxBodyBytes: 1 << 20,
      store: { record: (record) => records.push(record), recordDropped: () => undefined },
    });
    let closed = false;
    closers.push(async () => {
      if (!closed) await proxy.close();
    });

    const client = { authorization: 'Bearer client-token', cookie: 'sid=abc', 'content-type': 'application/json' };
    const requests: [string, string][] = [
      ['GET', '/customers/cus_1'],
      ['POST', '/customers'],
      ['POST', '/invoices'],
      ['PATCH', '/customers/cus_1'],
      ['DELETE', '/customers/cus_1'],
      ['GET', '/internal/stats'],
      ['POST', '/internal/invoices'],
    ];
    for (const [method, target] of requests) expect(await send(proxy.url, method, target, client), `${method} ${target}`).toBe(200);
    await proxy.close();
    closed = true;

    // The primary saw every request, exactly as the client sent it.
    expect(primary.seen.map((s) => `${s.method} ${s.url}`)).toEqual(requests.map(([m, t]) => `${m} ${t}`));
    for (const s of primary.seen) expect(s.headers).toMatchObject({ authorization: 'Bearer client-token', cookie: 'sid=abc' });

    // The candidate saw the reads and the allowed writes, never the excluded path.
    expect(candidate.seen.map((s) => `${s.method} ${s.url}`).sort()).toEqual(['GET /customers/cus_1', 'PATCH /customers/cus_1', 'POST /invoices']);
    for (const s of candidate.seen) {
      expect(s.headers.authorization).toBe('Bearer candidate-secret');
      expect(s.headers.cookie).toBeUndefined();
    }
    expect(proxy.metrics()).toMatchObject({ requests: requests.length, mirrored: 3, dropped: 0 });

    // The record keeps the client's request, never the candidate's token.
    expect(records).toHaveLength(3);
    for (const record of records) expect(record.request.headers).toMatchObject({ authorization: 'Bearer client-token', cookie: 'sid=abc' });
    expect(JSON.stringify(records)).not.toContain('candidate-secret');
  });

  it('sends each target its own timeout', async () => {
    const primary = await upstream();
    const slow = http.createServer((req, res) => {
      req.resume();
      const timer = setTimeout(() => res.end('{}'), 2_000);
      res.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    });
    const records: ComparisonRecord[] = [];
    const proxy = await startShadowProxy({
      primary: primary.url,
      candidate: `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}`,
      specs: [],
      policy: compilePolicy(ShadowConfigSchema.parse({ timeout_ms: 10_000, timeouts: { candidate: 100 } }), {}),
      queueLimit: 10,
      maxBodyBytes: 1 << 20,
      store: { record: (record) => records.push(record), recordDropped: () => undefined },
    });
    expect(await send(proxy.url, 'GET', '/x', {})).toBe(200);
    const started = performance.now();
    await proxy.close();
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(records.map((r) => r.outcome)).toEqual(['candidate_error']);
    expect(records[0]!.candidate).toMatchObject({ error: 'no answer within 100 ms' });
  });

  it('parity shadow refuses to start, exit 2, naming an unset variable a header rewrite needs', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'parity.yaml': 'shadow:\n  headers:\n    candidate:\n      set: {Authorization: "Bearer ${PARITY_TEST_UNSET_CANDIDATE_TOKEN}"}\n',
    });
    expect(process.env.PARITY_TEST_UNSET_CANDIDATE_TOKEN).toBeUndefined();
    const io = memoryIo(dir, {}, new AbortController().signal);
    // Nothing listens on these ports: the policy is checked before the primary is probed.
    const code = await runCli(['shadow', '--primary', 'http://127.0.0.1:9', '--candidate', 'http://127.0.0.1:9', '--port', '0'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('shadow.headers.candidate.set.Authorization needs the environment variable PARITY_TEST_UNSET_CANDIDATE_TOKEN, which is not set');
  });
});
