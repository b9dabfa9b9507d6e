/**
 * The dashboard server over HTTP on loopback: its JSON API on a store written by the real shadow
 * writer, the marks and their spec edits (byte-preserving, undone exactly), the change feed, and
 * the safety rules (loopback Host, CSRF, the token off loopback).
 */
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardData } from '../../src/dashboard/data.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.js';
import type { EndpointDetail, MarkResult, Overview, SamplesResponse } from '../../src/dashboard/api.js';
import { thresholdsOf } from '../../reports/readiness.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { openShadowStore, type ComparisonRecord } from '../../shadow-proxy/store.js';
import type { Difference } from '../../src/compare/response.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('dashboard');
const running: RunningDashboard[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
});

const ENDPOINT = 'GET /things/{id}';
const SPEC = `# The things endpoint.
id: things.get
endpoint: GET /things/{id}
summary: Reads a thing.   # keep this comment
who_may_call: anyone
rate_limit: none, intentionally
behaviors:
  - id: found
    says: A thing answers 200.
    disposition: preserve
  - id: rounding
    says: Prices are rounded half-up.
    disposition: fix
compare:
  ignore:
    - $.etag   # the legacy's cache tag
`;

const priceDiff: Difference = { kind: 'value', path: '$.price', pattern: '$.price', primary: 1, candidate: 2 };
const stampDiff: Difference = { kind: 'value', path: '$.meta.served_at', pattern: '$.meta.served_at', primary: 'a', candidate: 'b' };

async function workspace(): Promise<{ dir: string; store: string; specFile: string }> {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'specs'));
  const specFile = path.join(dir, 'specs', 'things.get.yaml');
  fs.writeFileSync(specFile, SPEC);
  const store = path.join(dir, 'parity.db');
  const writer = openShadowStore(store);
  const now = Date.now();
  for (let i = 0; i < 300; i++) {
    const differences = i % 10 === 0 ? [priceDiff] : i % 10 === 1 ? [stampDiff] : [];
    const body = Buffer.from(i === 0 ? '{"price":1,"note":"<script>window.__pwned=1</script>"}' : '{"price":1}');
    writer.record({
      at: now - 30 * 60_000 + i * 1000,
      endpoint: ENDPOINT,
      outcome: differences.length > 0 ? 'mismatch' : 'match',
      request: { method: 'GET', target: `/things/${i}`, headers: { authorization: 'Bearer secret' }, body: null },
      primary: { status: 200, headers: { 'content-type': 'application/json' }, body, durationMs: 4 },
      candidate: { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"price":2}'), durationMs: 5 },
      differences,
      noise: [],
      signature: null,
    } satisfies ComparisonRecord);
  }
  await writer.close();
  return { dir, store, specFile };
}

async function dashboard(dir: string, store: string, extra: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<RunningDashboard> {
  const data = new DashboardData({
    stores: [store],
    marksStore: store,
    specsDir: path.join(dir, 'specs'),
    cwd: dir,
    thresholds: thresholdsOf(ReportConfigSchema.parse({})),
    compareRules: {},
  });
  const started = await startDashboard({ data, marksStore: store, cwd: dir, pollMs: 50, ...extra });
  running.push(started);
  return started;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await request(url, { headers });
  return { status: response.statusCode, body: (await response.body.json()) as T };
}

async function csrfOf(url: string): Promise<string> {
  const page = await (await request(`${url}/`)).body.text();
  return /<meta name="parity-csrf" content="([^"]+)"/.exec(page)![1]!;
}

async function post<T>(url: string, pathname: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: T }> {
  const response = await request(`${url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as T };
}

describe('the dashboard API', () => {
  it('answers the overview, an endpoint page and the samples of a signature', async () => {
    const { dir, store } = await workspace();
    const { url } = await dashboard(dir, store);
    const overview = await getJson<Overview>(`${url}/api/overview?window=24h`);
    expect(overview.status).toBe(200);
    expect(overview.body.endpoints).toHaveLength(1);
    expect(overview.body.endpoints[0]).toMatchObject({ endpoint: ENDPOINT, requests: 300, diverged: 60, expected: 0, noise: 0, verdict: 'NOT_READY' });
    expect(overview.body.endpoints[0]!.spec).toMatchObject({ id: 'things.get', status: 'reviewed' });
    expect(overview.body.endpoints[0]!.trend.reduce((n, t) => n + t.requests, 0)).toBe(300);

    const detail = await getJson<EndpointDetail>(`${url}/api/endpoint?endpoint=${encodeURIComponent(ENDPOINT)}&window=24h`);
    expect(detail.body.signatures.map((s) => [s.signature, s.count, s.unexpected])).toEqual([
      [`${ENDPOINT} | $.meta.served_at value`, 30, 30],
      [`${ENDPOINT} | $.price value`, 30, 30],
    ]);
    expect(detail.body.spec?.behaviors.map((b) => [b.id, b.disposition])).toEqual([
      ['found', 'preserve'],
      ['rounding', 'fix'],
    ]);
    expect(detail.body.paths.map((p) => [p.pattern, p.raw])).toEqual([
      ['$.meta.served_at', 30],
      ['$.price', 30],
    ]);

    const samples = await getJson<SamplesResponse>(
      `${url}/api/samples?endpoint=${encodeURIComponent(ENDPOINT)}&signature=${encodeURIComponent(`${ENDPOINT} | $.price value`)}`,
    );
    expect(samples.body.samples).toHaveLength(5);
    expect(samples.body.samples[0]!.primary.body?.text).toContain('<script>window.__pwned=1</script>');
    expect(samples.body.samples[0]!.request.headers.authorization).not.toContain('secret');
  });

  it("shows, on a diverged write's endpoint, the differences downstream of it, and leaves them out of the reads' mismatches", async () => {
    const { dir, store } = await workspace();
    const writer = openShadowStore(store);
    const at = Date.now() - 10 * 60_000;
    const json = (text: string) => Buffer.from(text);
    const root: ComparisonRecord = {
      at,
      endpoint: 'POST /things',
      outcome: 'mismatch',
      request: { method: 'POST', target: '/things', headers: { 'content-type': 'application/json' }, body: json('{"name":"x"}') },
      primary: { status: 201, headers: { 'content-type': 'application/json' }, body: json('{"id":7}'), durationMs: 3 },
      candidate: { status: 422, headers: { 'content-type': 'application/json' }, body: json('{"error":"no"}'), durationMs: 3 },
      differences: [{ kind: 'status', path: 'status', pattern: 'status', primary: 201, candidate: 422 }],
      noise: [],
      signature: null,
    };
    writer.record(root);
    const rootSignature = 'POST /things | $.error extra; $.id missing; status status';
    for (let i = 1; i <= 3; i++) {
      writer.record({
        ...root,
        at: at + i * 1000,
        endpoint: ENDPOINT,
        outcome: 'downstream',
        request: { method: 'GET', target: '/things/7', headers: {}, body: null },
        primary: { status: 200, headers: {}, body: null, durationMs: 2 },
        candidate: { status: 404, headers: {}, body: null, durationMs: 2 },
        differences: [{ kind: 'status', path: 'status', pattern: 'status', primary: 200, candidate: 404 }],
        root: { endpoint: 'POST /things', signature: rootSignature, outcome: 'mismatch', at },
      });
    }
    await writer.close();
    const { url } = await dashboard(dir, store);
    const overview = await getJson<Overview>(`${url}/api/overview?window=24h`);
    const things = overview.body.endpoints.find((e) => e.endpoint === ENDPOINT)!;
    expect(things).toMatchObject({ requests: 300, diverged: 60, downstream: 3 });
    const detail = await getJson<EndpointDetail>(`${url}/api/endpoint?endpoint=${encodeURIComponent('POST /things')}&window=24h`);
    expect(detail.body.downstream).toEqual([
      expect.objectContaining({ root_signature: rootSignature, root_outcome: 'mismatch', count: 3, endpoints: [{ endpoint: ENDPOINT, count: 3 }] }),
    ]);
    expect(detail.body.summary).toMatchObject({ requests: 1, diverged: 1 });
  });

  it('shows raw, noise, inconclusive and unexpected apart, and says when the secondary has drifted', async () => {
    const { dir, store } = await workspace();
    const writer = openShadowStore(store);
    const at = Date.now() - 10 * 60_000;
    const ok = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"id":1}'), durationMs: 2 };
    const gone = { status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":"no"}'), durationMs: 2 };
    const status: Difference = { kind: 'status', path: 'status', pattern: 'status', primary: 200, candidate: 404 };
    for (let i = 0; i < 100; i++) {
      // Half the time the secondary (another database) answers 404 as the candidate does: inconclusive, not a match.
      const lost = i % 2 === 0;
      writer.record({
        at: at + i * 1000,
        endpoint: 'GET /drifted/{id}',
        outcome: lost ? 'inconclusive' : 'match',
        request: { method: 'GET', target: `/drifted/${i}`, headers: {}, body: null },
        primary: ok,
        candidate: lost ? gone : ok,
        secondary: lost ? gone : ok,
        differences: lost ? [status] : [],
        noise: lost ? [status] : [],
        signature: null,
      });
    }
    await writer.close();
    const { url } = await dashboard(dir, store);
    const detail = await getJson<EndpointDetail>(`${url}/api/endpoint?endpoint=${encodeURIComponent('GET /drifted/{id}')}&window=24h`);
    expect(detail.body.summary).toMatchObject({ requests: 50, match: 50, raw: 50, noise: 0, inconclusive: 50, diverged: 0 });
    expect(detail.body.summary.secondary).toEqual({ compared: 100, diverged: 50, drifted: true });
    expect(detail.body.signatures).toEqual([expect.objectContaining({ signature: 'GET /drifted/{id} | status status', inconclusive: 50, unexpected: 0 })]);
  });

  it("over an empty store, lists the specs' endpoints with no traffic, and has no samples to show", async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'specs'));
    fs.writeFileSync(path.join(dir, 'specs', 'things.get.yaml'), SPEC);
    const store = path.join(dir, 'empty.db');
    openStore(store).close();
    const { url } = await dashboard(dir, store);
    const overview = await getJson<Overview>(`${url}/api/overview?window=all`);
    expect(overview.body.endpoints).toEqual([
      expect.objectContaining({ endpoint: ENDPOINT, requests: 0, diverged: 0, match_rate: null, trend: [], latency: { legacy: null, rewrite: null } }),
    ]);
    const detail = await getJson<EndpointDetail>(`${url}/api/endpoint?endpoint=${encodeURIComponent(ENDPOINT)}&window=all`);
    expect([detail.body.signatures, detail.body.paths, detail.body.status_matrix]).toEqual([[], [], []]);
    const samples = await getJson<SamplesResponse>(`${url}/api/samples?endpoint=${encodeURIComponent(ENDPOINT)}&signature=x`);
    expect(samples.body.samples).toEqual([]);
  });

  it('marks a signature as noise in the spec, byte-preserving, changes the numbers, and undo restores the file exactly', async () => {
    const { dir, store, specFile } = await workspace();
    const { url } = await dashboard(dir, store);
    const csrf = await csrfOf(url);
    const signature = `${ENDPOINT} | $.meta.served_at value`;
    const marked = await post<MarkResult>(url, '/api/marks', { endpoint: ENDPOINT, signature, mark: 'noise' }, { 'x-parity-csrf': csrf });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ mark: { mark: 'noise', behavior: null }, spec_file: path.join('specs', 'things.get.yaml') });
    expect(marked.body.change).toBe(`added to ${path.join('specs', 'things.get.yaml')}: compare.ignore $.meta.served_at`);
    expect(fs.readFileSync(specFile, 'utf8')).toBe(
      SPEC.replace("    - $.etag   # the legacy's cache tag\n", "    - $.etag   # the legacy's cache tag\n    - $.meta.served_at\n"),
    );

    const after = await getJson<Overview>(`${url}/api/overview?window=24h`);
    expect(after.body.endpoints[0]).toMatchObject({ diverged: 30, noise: 30 });
    const detail = await getJson<EndpointDetail>(`${url}/api/endpoint?endpoint=${encodeURIComponent(ENDPOINT)}&window=24h`);
    expect(detail.body.signatures.find((s) => s.signature === signature)).toMatchObject({ noise: true, unexpected: 0, mark: { mark: 'noise' } });

    const undone = await post<MarkResult>(url, '/api/marks/undo', { endpoint: ENDPOINT, signature }, { 'x-parity-csrf': csrf });
    expect(undone.body).toMatchObject({ mark: null, change: `removed the noise mark and took it out of ${path.join('specs', 'things.get.yaml')}` });
    expect(fs.readFileSync(specFile, 'utf8')).toBe(SPEC);
    expect((await getJson<Overview>(`${url}/api/overview?window=24h`)).body.endpoints[0]).toMatchObject({ diverged: 60, noise: 0 });
  });

  it('links a signature to a fix behaviour (expected), marks a bug, and refuses what cannot be done', async () => {
    const { dir, store, specFile } = await workspace();
    const { url } = await dashboard(dir, store);
    const csrf = await csrfOf(url);
    const signature = `${ENDPOINT} | $.price value`;
    const linked = await post<MarkResult>(
      url,
      '/api/marks',
      { endpoint: ENDPOINT, signature, mark: 'expected', behavior: 'rounding' },
      { 'x-parity-csrf': csrf },
    );
    expect(linked.body.change).toBe(`linked to fix behaviour rounding in ${path.join('specs', 'things.get.yaml')}`);
    expect(fs.readFileSync(specFile, 'utf8')).toContain(`    disposition: fix\n    signatures:\n      - ${signature}\n`);
    expect((await getJson<Overview>(`${url}/api/overview?window=24h`)).body.endpoints[0]).toMatchObject({ diverged: 30, expected: 30 });

    // Changing the mark undoes the previous one first.
    const bug = await post<MarkResult>(url, '/api/marks', { endpoint: ENDPOINT, signature, mark: 'bug' }, { 'x-parity-csrf': csrf });
    expect(bug.body).toMatchObject({ mark: { mark: 'bug' }, spec_file: null, change: 'marked as a bug: it stays counted' });
    expect(fs.readFileSync(specFile, 'utf8')).toBe(SPEC);
    expect((await getJson<Overview>(`${url}/api/overview?window=24h`)).body.endpoints[0]).toMatchObject({ diverged: 60 });

    const wrong = await post<{ error: string }>(
      url,
      '/api/marks',
      { endpoint: ENDPOINT, signature, mark: 'expected', behavior: 'found' },
      { 'x-parity-csrf': csrf },
    );
    expect(wrong).toEqual({ status: 400, body: { error: 'expected needs a fix behaviour of things.get: one of rounding' } });
    const unknown = await post<{ error: string }>(url, '/api/marks', { endpoint: ENDPOINT, signature: 'nope', mark: 'noise' }, { 'x-parity-csrf': csrf });
    expect(unknown).toEqual({ status: 400, body: { error: `no signature "nope" on ${ENDPOINT} in the stores` } });
    expect(fs.readFileSync(specFile, 'utf8')).toBe(SPEC);
  });

  it('refuses actions without the CSRF token, with another content type or from another origin', async () => {
    const { dir, store, specFile } = await workspace();
    const { url } = await dashboard(dir, store);
    const csrf = await csrfOf(url);
    const body = { endpoint: ENDPOINT, signature: `${ENDPOINT} | $.price value`, mark: 'noise' };
    expect((await post<{ error: string }>(url, '/api/marks', body, {})).status).toBe(403);
    expect((await post<{ error: string }>(url, '/api/marks', body, { 'x-parity-csrf': 'guess' })).status).toBe(403);
    expect((await post<{ error: string }>(url, '/api/marks', body, { 'x-parity-csrf': csrf, origin: 'http://evil.example' })).body).toEqual({
      error: 'cross-site request from http://evil.example refused',
    });
    const form = await request(`${url}/api/marks`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'mark=noise' });
    expect(form.statusCode).toBe(403);
    await form.body.dump();
    expect(fs.readFileSync(specFile, 'utf8')).toBe(SPEC);
  });

  it('answers only to its loopback Host, serves the page with a strict CSP, and rejects bad parameters', async () => {
    const { dir, store } = await workspace();
    const { url } = await dashboard(dir, store);
    const rebound = await request(`${url}/api/overview`, { headers: { host: 'attacker.example' } });
    expect(rebound.statusCode).toBe(421);
    await rebound.body.dump();
    const page = await request(`${url}/`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(await page.body.text()).toMatch(/<script type="module" src="\/assets\/app\.js"><\/script>/);
    expect((await getJson<{ error: string }>(`${url}/api/overview?window=2y`)).body).toEqual({
      error: 'window: expected one of 1h, 24h, 7d, 30d, all, got "2y"',
    });
    expect((await getJson<{ error: string }>(`${url}/api/endpoint?endpoint=GET%20/nope`)).status).toBe(400);
    expect((await getJson<{ error: string }>(`${url}/nothing`)).status).toBe(404);
  });

  it('off loopback, needs the token: once in the URL (then a cookie) or as a Bearer header', async () => {
    const { dir, store } = await workspace();
    const { url, openUrl } = await dashboard(dir, store, { host: '0.0.0.0', token: 't0ken' });
    expect(openUrl).toBe(`${url}/?token=t0ken`);
    const local = url.replace('0.0.0.0', '127.0.0.1');
    expect((await getJson<{ error: string }>(`${local}/api/overview`)).status).toBe(401);
    const exchange = await request(`${local}/?token=t0ken`);
    expect(exchange.statusCode).toBe(303);
    expect(exchange.headers.location).toBe('/');
    const cookie = String(exchange.headers['set-cookie']).split(';')[0]!;
    await exchange.body.dump();
    expect((await getJson<Overview>(`${local}/api/overview`, { cookie })).status).toBe(200);
    expect((await getJson<Overview>(`${local}/api/overview`, { authorization: 'Bearer t0ken' })).status).toBe(200);
    expect((await getJson<Overview>(`${local}/api/overview`, { authorization: 'Bearer wrong' })).status).toBe(401);
    await expect(startDashboard({ data: {} as DashboardData, marksStore: store, cwd: dir, host: '0.0.0.0' })).rejects.toThrow(/needs a token/);
  });

  it('tells open pages when the store changes (server-sent events)', async () => {
    const { dir, store } = await workspace();
    const { url } = await dashboard(dir, store);
    const controller = new AbortController();
    const events = await request(`${url}/api/events`, { signal: controller.signal });
    expect(events.headers['content-type']).toContain('text/event-stream');
    const received = new Promise<string>((resolve) => {
      let text = '';
      events.body.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('event: changed')) resolve(text);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const writer = openShadowStore(store);
    writer.record({
      at: Date.now(),
      endpoint: ENDPOINT,
      outcome: 'match',
      request: { method: 'GET', target: '/things/1', headers: {}, body: null },
      primary: { status: 200, headers: {}, body: null, durationMs: 1 },
      candidate: { status: 200, headers: {}, body: null, durationMs: 1 },
      differences: [],
      noise: [],
      signature: null,
    });
    await writer.close();
    expect(await received).toContain('event: changed');
    controller.abort();
    expect((await getJson<Overview>(`${url}/api/overview?window=24h`)).body.endpoints[0]!.requests).toBe(301);
  });
});
