/**
 * Stateful shadowing on real servers on loopback: clients that reuse the ids, tokens, cookies and
 * Location headers they were given, through the inline proxy with writes mirrored. The candidate
 * answers with its own ids (another sequence), its own tokens (another secret) and its own session
 * cookies; correlation must translate them, compare learned pairs as equal, keep dependent writes
 * in order, and count what follows a write rejected on one side as downstream of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { buildReadinessReport, thresholdsOf } from '../../reports/readiness.js';
import { renderMarkdown } from '../../reports/render-markdown.js';
import { DEFAULT_CORRELATION, type CorrelationConfig } from '../../shadow-proxy/correlation.js';
import { startDetachedShadow } from '../../shadow-proxy/detached.js';
import { startShadowProxy, type ShadowProxy } from '../../shadow-proxy/proxy.js';
import { replaySamples } from '../../shadow-proxy/replay.js';
import { readShadowSummary } from '../../shadow-proxy/query.js';
import { openShadowStore, readCorrelationState, type ShadowStore } from '../../shadow-proxy/store.js';
import { loadWorkspace } from '../../src/config/load.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { packageRoot } from '../../src/package-info.js';
import { loadSpecs } from '../../src/spec/load.js';
import { openStore } from '../../src/store/store.js';
import { useLoopback } from '../helpers/loopback.js';
import { statefulApp, type StatefulAppOptions } from '../helpers/stateful-app.js';
import { parity, runShadow } from '../helpers/cli.js';
import { useTempDir, writeFiles } from '../helpers/tmp.js';

const { listen, onCleanup } = useLoopback();
const tempDir = useTempDir('stateful');
const running: RunningBilling[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const CORRELATION: CorrelationConfig = { ...DEFAULT_CORRELATION };

/** One client: one keep-alive connection, JSON in and out. */
function client(base: string) {
  const agent = new Agent({ connections: 1 });
  onCleanup(() => agent.close());
  return async (method: string, target: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await undiciRequest(`${base}${target}`, {
      method: method as 'GET',
      dispatcher: agent,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
  };
}

async function pair(primaryOptions: StatefulAppOptions, candidateOptions: StatefulAppOptions) {
  const primary = statefulApp(primaryOptions);
  const candidate = statefulApp(candidateOptions);
  return { primary, candidate, primaryUrl: await listen(primary.server), candidateUrl: await listen(candidate.server) };
}

async function shadow(
  primary: string,
  candidate: string,
  store: ShadowStore,
  extra: Partial<Parameters<typeof startShadowProxy>[0]> = {},
): Promise<ShadowProxy> {
  const proxy = await startShadowProxy({
    primary,
    candidate,
    specs: [],
    store,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    queueLimit: 10_000,
    maxBodyBytes: 1 << 20,
    correlation: CORRELATION,
    ...extra,
  });
  onCleanup(() => proxy.close());
  return proxy;
}

function summaryOf(file: string) {
  const db = openStore(file, { readonly: true });
  try {
    return new Map(readShadowSummary(db.db, {}).endpoints.map((e) => [e.endpoint, e]));
  } finally {
    db.close();
  }
}

describe('stateful shadowing', () => {
  it('follows the ids a create returned through the billing pair: no false mismatch, and R2 still found', { timeout: 60_000 }, async () => {
    const [primary, candidate] = await Promise.all([startBilling('legacy'), startBilling('rewrite')]);
    running.push(primary, candidate);
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file);
    const { specs } = loadSpecs(path.join(packageRoot(), 'specs', 'billing'), packageRoot());
    const proxy = await shadow(primary.url, candidate.url, store, { specs });
    const send = client(proxy.url);
    const auth = { authorization: 'Bearer sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' };
    for (let i = 0; i < 30; i++) {
      const created = await send('POST', '/customers', { email: `stateful${i}@example.test`, name: 'Ada' }, auth);
      expect(created.status).toBe(201);
      expect((await send('GET', `/customers/${created.json!.id}`, undefined, auth)).status).toBe(200);
      expect((await send('PATCH', `/customers/${created.json!.id}`, { name: 'Grace' }, auth)).status).toBe(200);
    }
    await proxy.close();
    await store.close();
    expect(proxy.metrics().correlation).toMatchObject({ learned: 30, translated: 60, downstream: 0 });
    const endpoints = summaryOf(file);
    expect(endpoints.get('POST /customers')!.outcomes).toMatchObject({ match: 30, mismatch: 0 });
    expect(endpoints.get('GET /customers/{customer_id}')!.outcomes).toMatchObject({ match: 30, mismatch: 0 });
    const patch = endpoints.get('PATCH /customers/{customer_id}')!;
    expect(patch.outcomes).toMatchObject({ match: 0, mismatch: 30 });
    expect(patch.signatures.map((s) => s.signature)).toEqual(['PATCH /customers/{customer_id} | $.address missing']);
  });

  it('translates integer ids from sequences that differ, tokens from a login, session cookies and a Location header', { timeout: 30_000 }, async () => {
    const apps = await pair({ idStart: 1000, secret: 'legacy-secret' }, { idStart: 1, secret: 'rewrite-secret' });
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file);
    const proxy = await shadow(apps.primaryUrl, apps.candidateUrl, store);
    const send = client(proxy.url);

    const registered = await send('POST', '/users', { username: 'ada', password: 'pw' });
    expect(registered.json!.user.id).toBe(1000);
    const login = await send('POST', '/login', { username: 'ada', password: 'pw' });
    const sid = /sid=([^;]+)/.exec(String(login.headers['set-cookie']))![1]!;
    const bearer = { authorization: `Bearer ${login.json!.token}` };
    expect((await send('GET', '/me', undefined, bearer)).status).toBe(200);
    expect((await send('GET', '/me', undefined, { authorization: `Bearer ${registered.json!.user.token}` })).status).toBe(200);
    expect((await send('GET', '/session', undefined, { cookie: `theme=dark; sid=${sid}` })).status).toBe(200);
    const ids: number[] = [];
    for (const name of ['a', 'b', 'c']) {
      const created = await send('POST', '/items', { name }, bearer);
      const location = String(created.headers.location);
      expect((await send('GET', location)).status).toBe(200);
      ids.push(created.json!.id as number);
    }
    expect((await send('PATCH', `/items/${ids[0]}`, { name: 'renamed' }, bearer)).status).toBe(200);
    expect((await send('GET', `/items?owner_id=1000&page=1`)).status).toBe(200);
    expect((await send('DELETE', `/items/${ids[1]}`, undefined, bearer)).status).toBe(204);
    expect((await send('GET', `/items/${ids[1]}`)).status).toBe(404);
    await proxy.close();
    await store.close();

    const sent = apps.candidate.seen.map((r) => `${r.method} ${r.url}`);
    expect(sent).toContain('GET /items/2');
    expect(sent).toContain('GET /items?owner_id=1&page=1');
    expect(sent).toContain('DELETE /items/3');
    const meTokens = apps.candidate.seen.filter((r) => r.url === '/me').map((r) => r.headers.authorization);
    expect(meTokens.every((token) => apps.primary.seen.every((p) => p.headers.authorization !== token))).toBe(true);
    expect(apps.candidate.seen.find((r) => r.url === '/session')!.headers.cookie).not.toContain(sid);
    const outcomes = [...summaryOf(file).values()].map((e) => [e.endpoint, e.outcomes.match, e.outcomes.mismatch]);
    expect(outcomes.filter(([, , mismatch]) => mismatch !== 0)).toEqual([]);
    expect(proxy.metrics().compared).toMatchObject({ match: 15, mismatch: 0, downstream: 0 });
  });

  it('never rewrites a value inside another: learning 1 -> 7 leaves /items/12 and ?page=1 alone', async () => {
    const apps = await pair({ idStart: 1, secret: 'a', seedItems: [12] }, { idStart: 7, secret: 'b', seedItems: [12] });
    const store = openShadowStore(path.join(tempDir(), 'shadow.db'));
    const proxy = await shadow(apps.primaryUrl, apps.candidateUrl, store);
    const send = client(proxy.url);
    const registered = await send('POST', '/users', { username: 'ada', password: 'pw' });
    const bearer = { authorization: `Bearer ${registered.json!.user.token}` };
    const item = await send('POST', '/items', { name: 'x' }, bearer);
    expect(item.json!.id).toBe(2);
    await send('GET', '/items/12');
    await send('GET', '/items/1?page=1');
    await send('GET', '/items/2?page=1');
    await proxy.close();
    await store.close();
    const sent = apps.candidate.seen.map((r) => `${r.method} ${r.url}`);
    expect(sent.slice(2)).toEqual(['GET /items/12', 'GET /items/1?page=1', 'GET /items/8?page=1']);
    expect(proxy.metrics().compared).toMatchObject({ match: 5, mismatch: 0 });
  });

  it('counts what follows a write rejected on one side as downstream of it, and still counts a real regression on a read', { timeout: 30_000 }, async () => {
    const apps = await pair({ idStart: 1000, secret: 'a' }, { idStart: 1, secret: 'b', rejectName: 'forbidden', pageAsString: true });
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file);
    const proxy = await shadow(apps.primaryUrl, apps.candidateUrl, store);
    const send = client(proxy.url);
    const bearer = { authorization: `Bearer ${(await send('POST', '/users', { username: 'ada', password: 'pw' })).json!.user.token}` };
    const rejected = await send('POST', '/items', { name: 'forbidden' }, bearer);
    expect(rejected.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await send('GET', `/items/${rejected.json!.id}`)).status).toBe(200);
    expect((await send('PATCH', `/items/${rejected.json!.id}`, { name: 'still here' }, bearer)).status).toBe(200);
    const fine = await send('POST', '/items', { name: 'fine' }, bearer);
    expect((await send('GET', `/items/${fine.json!.id}`)).status).toBe(200);
    expect((await send('GET', '/items?page=1')).status).toBe(200);
    await proxy.close();
    await store.close();

    expect(proxy.metrics().correlation).toMatchObject({ downstream: 4 });
    const endpoints = summaryOf(file);
    // The root stays a mismatch on its own endpoint.
    expect(endpoints.get('POST /items')!.outcomes).toMatchObject({ match: 1, mismatch: 1 });
    expect(endpoints.get('GET /items/{id}')!.outcomes).toMatchObject({ match: 1, mismatch: 0, downstream: 3 });
    expect(endpoints.get('PATCH /items/{id}')!.outcomes).toMatchObject({ mismatch: 0, downstream: 1 });
    expect(endpoints.get('GET /items/{id}')!.signatures).toEqual([]);
    // The planted regression on the list touches no diverged value: it counts.
    expect(endpoints.get('GET /items')!.outcomes).toMatchObject({ mismatch: 1 });
    const db = openStore(file, { readonly: true });
    try {
      const rows = db.db
        .prepare('SELECT root_endpoint, root_signature, root_outcome, endpoint, count, signatures FROM shadow_downstream ORDER BY endpoint')
        .all();
      expect(rows).toEqual([
        {
          root_endpoint: 'POST /items',
          root_signature: expect.stringContaining('POST /items | ') as string,
          root_outcome: 'mismatch',
          endpoint: 'GET /items/{id}',
          count: 3,
          signatures: expect.stringContaining('status status') as string,
        },
        expect.objectContaining({ root_endpoint: 'POST /items', endpoint: 'PATCH /items/{id}', count: 1 }),
      ]);
    } finally {
      db.close();
    }
    // The readiness report: the root's endpoint says what followed from it; the reads are not mismatches.
    const report = buildReadinessReport({ stores: [file], specs: [], thresholds: thresholdsOf(ReportConfigSchema.parse({})), cwd: tempDir() });
    const byEndpoint = new Map(report.endpoints.map((e) => [e.endpoint, e]));
    expect(byEndpoint.get('POST /items')!.downstream).toEqual([
      expect.objectContaining({
        root_outcome: 'mismatch',
        count: 4,
        endpoints: [
          { endpoint: 'GET /items/{id}', count: 3 },
          { endpoint: 'PATCH /items/{id}', count: 1 },
        ],
      }),
    ]);
    expect(byEndpoint.get('POST /items')!.mismatches).toBe(1);
    expect(byEndpoint.get('GET /items/{id}')).toMatchObject({ requests: 1, mismatches: 0, traffic: { downstream: 3 } });
    expect(renderMarkdown(report)).toContain('- **4 differences downstream of** `POST /items | ');
  });

  it('sends a registration and its duplicate to the candidate in order, from one client or two', { timeout: 30_000 }, async () => {
    // The candidate's registration is slow: sent together, two registrations of one name would both pass its check.
    const apps = await pair({ idStart: 1, secret: 'a' }, { idStart: 1, secret: 'b', writeDelayMs: 100 });
    const store = openShadowStore(path.join(tempDir(), 'shadow.db'));
    const proxy = await shadow(apps.primaryUrl, apps.candidateUrl, store);
    const one = client(proxy.url);
    expect((await one('POST', '/users', { username: 'ada', password: 'pw' })).status).toBe(201);
    expect((await one('POST', '/users', { username: 'ada', password: 'pw' })).status).toBe(409);
    const [first, second] = [client(proxy.url), client(proxy.url)];
    expect((await first('POST', '/users', { username: 'bob', password: 'pw' })).status).toBe(201);
    expect((await second('POST', '/users', { username: 'bob', password: 'pw' })).status).toBe(409);
    await proxy.close();
    await store.close();
    expect(apps.candidate.seen.filter((r) => r.url === '/users')).toHaveLength(4);
    expect(proxy.metrics().compared).toMatchObject({ match: 4, mismatch: 0 });
  });

  it('keeps what it learned across a restart: the store holds the pairs, and no primary value', { timeout: 30_000 }, async () => {
    const apps = await pair({ idStart: 1000, secret: 'a' }, { idStart: 1, secret: 'b' });
    const file = path.join(tempDir(), 'shadow.db');
    const first = openShadowStore(file);
    const before = await shadow(apps.primaryUrl, apps.candidateUrl, first);
    const send = client(before.url);
    const token = (await send('POST', '/users', { username: 'ada', password: 'pw' })).json!.user.token as string;
    const item = await send('POST', '/items', { name: 'kept' }, { authorization: `Bearer ${token}` });
    await before.close();
    await first.close();

    const second = openShadowStore(file);
    const after = await shadow(apps.primaryUrl, apps.candidateUrl, second, {
      correlationState: readCorrelationState(second.db, { maxEntries: 1000, maxAgeMs: 3_600_000 }),
    });
    const again = client(after.url);
    expect((await again('GET', `/items/${item.json!.id}`)).status).toBe(200);
    expect((await again('GET', '/me', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    await after.close();
    await second.close();
    expect(after.metrics().compared).toMatchObject({ match: 2, mismatch: 0 });
    expect(apps.candidate.seen.at(-2)!.url).toBe('/items/2');

    const db = openStore(file, { readonly: true });
    try {
      const stored = JSON.stringify(db.db.prepare('SELECT * FROM shadow_correlations').all());
      expect(stored).not.toContain(token);
      expect(stored).not.toContain('1001');
    } finally {
      db.close();
    }
  });
});

describe('stateful shadowing in detached mode', () => {
  it("pairs what the primary and the candidate made up for a copy, and keeps one client's copies in order", { timeout: 30_000 }, async () => {
    const apps = await pair({ idStart: 1000, secret: 'a' }, { idStart: 1, secret: 'b', writeDelayMs: 100 });
    const file = path.join(tempDir(), 'shadow.db');
    const store = openShadowStore(file);
    const detached = await startDetachedShadow({
      primary: apps.primaryUrl,
      candidate: apps.candidateUrl,
      specs: [],
      methods: ['GET', 'POST'],
      queueLimit: 100,
      maxBodyBytes: 1 << 20,
      store,
      correlation: CORRELATION,
    });
    onCleanup(() => detached.close());
    // A mirror's copies: answered 202 at once; parity then calls both itself.
    const mirror = client(detached.url);
    expect((await mirror('POST', '/users', { username: 'ada', password: 'pw' })).status).toBe(202);
    expect((await mirror('POST', '/users', { username: 'ada', password: 'pw' })).status).toBe(202);
    for (let i = 0; i < 100 && detached.metrics().compared.match + detached.metrics().compared.mismatch < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await detached.close();
    await store.close();
    // The registration's ids and tokens differ by design: paired, not a mismatch; the duplicate reached the candidate after it: 409 like the primary.
    expect(detached.metrics().compared).toMatchObject({ match: 2, mismatch: 0 });
    expect(detached.metrics().correlation.learned).toBeGreaterThanOrEqual(2);
    expect(apps.candidate.seen.filter((r) => r.url === '/users')).toHaveLength(2);
  });
});

describe('replaying stored samples with what shadowing learned', () => {
  it("sends a sample with the candidate's own id, so a fixed build replays as fixed", { timeout: 30_000 }, async () => {
    const candidateOptions: StatefulAppOptions = { idStart: 1, secret: 'b', upperCaseNames: true };
    const apps = await pair({ idStart: 1000, secret: 'a' }, candidateOptions);
    const dir = tempDir();
    writeFiles(dir, { 'parity.yaml': [`rewrite: {url: "${apps.candidateUrl}"}`, 'store: shadow.db', ''].join('\n') });
    const file = path.join(dir, 'shadow.db');
    const store = openShadowStore(file);
    const proxy = await shadow(apps.primaryUrl, apps.candidateUrl, store);
    const send = client(proxy.url);
    const token = (await send('POST', '/users', { username: 'ada', password: 'pw' })).json!.user.token as string;
    const item = await send('POST', '/items', { name: 'lower' }, { authorization: `Bearer ${token}` });
    await send('GET', `/items/${item.json!.id}`);
    await proxy.close();
    await store.close();
    expect(proxy.metrics().compared).toMatchObject({ mismatch: 1 });

    // The same database, a new build without the regression.
    candidateOptions.upperCaseNames = false;
    const result = await replaySamples({ workspace: loadWorkspace({ cwd: dir }), cwd: dir, env: {} });
    expect(result.totals).toMatchObject({ replayed: 1, match: 1, same: 0, different: 0 });
    expect(apps.candidate.seen.at(-1)!.url).toBe('/items/2');
  });
});

/** The billing pair running, and a workspace over it as a user keeps one: the worked specs, writes mirrored. */
async function billingWorkspace(): Promise<string> {
  const [primary, candidate] = await Promise.all([startBilling('legacy'), startBilling('rewrite')]);
  running.push(primary, candidate);
  const dir = tempDir();
  fs.cpSync(path.join(packageRoot(), 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
  writeFiles(dir, {
    'parity.yaml': [`legacy: {url: "${primary.url}"}`, `rewrite: {url: "${candidate.url}"}`, 'shadow:', '  methods: [GET, POST, PATCH, DELETE]', ''].join('\n'),
  });
  return dir;
}

describe('stateful shadowing through the CLI', () => {
  it('runs the create / read / update flow through `parity shadow` and `parity report --format json` as a user would', { timeout: 60_000 }, async () => {
    const dir = await billingWorkspace();
    const { url, io, stop } = await runShadow(dir);
    const send = client(url);
    const auth = { authorization: 'Bearer sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' };
    for (let i = 0; i < 30; i++) {
      const created = await send('POST', '/customers', { email: `cli${i}@example.test`, name: 'Ada' }, auth);
      await send('GET', `/customers/${created.json!.id}`, undefined, auth);
      await send('PATCH', `/customers/${created.json!.id}`, { name: 'Grace' }, auth);
    }
    // The mirror thread reports its counters as its comparisons finish: wait for the last of the 90.
    let metrics: string[] = [];
    for (let i = 0; i < 200; i++) {
      metrics = (await (await fetch(`${url}/__parity/metrics`)).text()).split('\n');
      const compared = metrics.filter((line) => line.startsWith('parity_shadow_compared_total')).reduce((n, line) => n + Number(line.split(' ')[1]), 0);
      if (compared === 90) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(metrics).toContain('parity_shadow_correlation_learned_total 30');
    expect(metrics).toContain('parity_shadow_correlation_translated_total 60');
    expect(await stop(), io.err()).toBe(0);
    const stopped = JSON.parse(io.out()) as { metrics: { correlation: Record<string, number> } };
    expect(stopped.metrics.correlation).toMatchObject({ learned: 30, translated: 60, downstream: 0 });

    const report = await parity(dir, 'report', '--format', 'json');
    expect(report.code, report.stderr).toBe(0);
    const endpoints = new Map(
      (JSON.parse(report.stdout) as { endpoints: { endpoint: string; requests: number; mismatches: number }[] }).endpoints.map((e) => [e.endpoint, e]),
    );
    expect(endpoints.get('POST /customers')).toMatchObject({ requests: 30, mismatches: 0 });
    expect(endpoints.get('GET /customers/{customer_id}')).toMatchObject({ requests: 30, mismatches: 0 });
    expect(endpoints.get('PATCH /customers/{customer_id}')).toMatchObject({ requests: 30, mismatches: 30 });
  });

  it('follows the ids it learned before a restart: the mirror thread reads them back from the store', { timeout: 60_000 }, async () => {
    const dir = await billingWorkspace();
    const auth = { authorization: 'Bearer sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' };
    const first = await runShadow(dir);
    const created = await client(first.url)('POST', '/customers', { email: 'restart@example.test' }, auth);
    expect(await first.stop()).toBe(0);

    const second = await runShadow(dir);
    expect((await client(second.url)('GET', `/customers/${created.json!.id}`, undefined, auth)).status).toBe(200);
    expect(await second.stop()).toBe(0);
    const after = JSON.parse(second.io.out()) as { metrics: { compared: Record<string, number>; correlation: Record<string, number> } };
    expect(after.metrics.compared).toMatchObject({ match: 1, mismatch: 0 });
    expect(after.metrics.correlation).toMatchObject({ learned: 0, translated: 1, entries: 1 });
  });
});
