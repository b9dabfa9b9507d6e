import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/random.js';
import { differenceSignature, type Difference } from '../../src/compare/response.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { readMatchSamples, readSamples, readShadowSessions, readShadowSummary, reportable } from '../../shadow-proxy/query.js';
import { decodeHistogram, openShadowStore, type ComparisonRecord, type ShadowStore } from '../../shadow-proxy/store.js';
import { useTempDir } from '../helpers/tmp.js';

const tempDir = useTempDir('shadow');
const open: ShadowStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

function shadowStore(file: string, options: Parameters<typeof openShadowStore>[1] = {}): ShadowStore {
  const store = openShadowStore(file, options);
  open.push(store);
  return store;
}

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const JSON_HEADERS = { 'content-type': 'application/json' };

const CUSTOMER = 'GET /customers/{customer_id}';
const INVOICES = 'GET /invoices';
const PAYMENT = 'POST /payments';

const diff = (kind: Difference['kind'], path: string, primary?: unknown, candidate?: unknown): Difference => ({
  kind,
  path,
  pattern: path.replace(/\[\d+\]/g, '[*]'),
  ...(primary !== undefined && { primary }),
  ...(candidate !== undefined && { candidate }),
});

/**
 * Repetitive traffic: three endpoints, four distinct signatures, matches in between, a few
 * candidate errors and over-size bodies. Request i arrives 30 ms after request i - 1 and the
 * primary takes (i % 100) + 1 ms, the candidate twice that.
 */
function traffic(i: number): ComparisonRecord {
  const endpoint = [CUSTOMER, INVOICES, PAYMENT][i % 3]!;
  const at = T0 + i * 30;
  const base = {
    at,
    endpoint,
    request: { method: endpoint.split(' ')[0]!, target: `/thing/${i}?page=${i % 7}`, headers: { accept: 'application/json' }, body: null },
    primary: { status: 200, headers: JSON_HEADERS, body: Buffer.from(`{"id":${i},"name":"n${i}"}`), durationMs: (i % 100) + 1 },
    candidate: { status: 200, headers: JSON_HEADERS, body: Buffer.from(`{"id":${i},"name":"N${i}"}`), durationMs: 2 * ((i % 100) + 1) },
    noise: [] as Difference[],
  };
  const slot = i % 20;
  let differences: Difference[] = [];
  let outcome: ComparisonRecord['outcome'] = 'match';
  if (endpoint === CUSTOMER && slot < 4) {
    outcome = 'mismatch';
    differences = [diff('value', '$.name', `n${i}`, `N${i}`)];
  } else if (endpoint === CUSTOMER && slot < 6) {
    outcome = 'mismatch';
    differences = [diff('missing', '$.email', 'a@b.test'), diff('status', 'status', 200, 201)];
  } else if (endpoint === INVOICES && slot < 8) {
    outcome = 'mismatch';
    differences = [diff('value', `$.items[${i % 5}].total`, 1, 2), diff('value', `$.items[${(i + 1) % 5}].total`, 3, 4)];
  } else if (endpoint === PAYMENT && slot < 3) {
    outcome = 'expected';
    differences = [diff('type', '$.amount', '10', 10)];
  } else if (slot === 19) {
    return {
      ...base,
      outcome: 'candidate_error',
      candidate: { error: 'ECONNRESET: socket hang up', durationMs: 5 },
      differences: [],
      noise: [],
      signature: null,
    };
  } else if (slot === 18) {
    return { ...base, outcome: 'not_compared', differences: [], signature: null };
  }
  return { ...base, outcome, differences, signature: differences.length > 0 ? differenceSignature(endpoint, differences) : null };
}

function count(db: Database.Database, sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

describe('the shadow store', () => {
  it('keeps 10,000 repetitive comparisons as 4 signatures, bounded samples and per-minute rollups, printing nothing', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const printed = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
    const store = shadowStore(file, { flushIntervalMs: 50, random: seededRandom(1) });
    const expected = { signatures: new Map<string, number>(), outcomes: new Map<string, number>(), minutes: new Set<string>() };
    for (let i = 0; i < 10_000; i++) {
      const record = traffic(i);
      store.record(record);
      if (record.signature) expected.signatures.set(record.signature, (expected.signatures.get(record.signature) ?? 0) + 1);
      expected.outcomes.set(record.outcome, (expected.outcomes.get(record.outcome) ?? 0) + 1);
      expected.minutes.add(`${record.endpoint} ${Math.floor(record.at / 60_000)}`);
      // Let the writer's timers run now and then, as the proxy's event loop would.
      if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    await store.close();
    open.pop();
    expect(store.stats()).toMatchObject({ recorded: 10_000, flushed: 10_000, lost: 0, pending: 0, failedFlushes: 0 });
    expect(store.stats().batches).toBeGreaterThanOrEqual(20);
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();

    const db = new Database(file, { readonly: true });
    try {
      const signatures = db.prepare('SELECT signature, count, expected, samples FROM shadow_signatures ORDER BY signature').all() as {
        signature: string;
        count: number;
        expected: number;
        samples: number;
      }[];
      expect(signatures).toHaveLength(4);
      expect(new Map(signatures.map((s) => [s.signature, s.count]))).toEqual(expected.signatures);
      expect(signatures.find((s) => s.signature.startsWith(PAYMENT))!.expected).toBe(expected.signatures.get(`${PAYMENT} | $.amount type`));
      for (const s of signatures) expect(s.samples).toBe(5);
      expect(count(db, 'SELECT count(*) FROM shadow_samples WHERE signature_id IS NOT NULL')).toBe(4 * 5);
      expect(count(db, 'SELECT max(n) FROM (SELECT count(*) AS n FROM shadow_samples WHERE signature_id IS NOT NULL GROUP BY signature_id)')).toBe(5);
      expect(count(db, 'SELECT count(*) FROM shadow_samples WHERE reservoir_slot IS NOT NULL')).toBe(3 * 20);
      expect(count(db, 'SELECT count(*) FROM shadow_samples')).toBe(4 * 5 + 3 * 20);

      // 10,000 requests over five minutes: one rollup row per endpoint and minute.
      expect(count(db, 'SELECT count(*) FROM shadow_rollups')).toBe(expected.minutes.size);
      expect(expected.minutes.size).toBeLessThanOrEqual(3 * 6);
      for (const outcome of ['match', 'mismatch', 'expected', 'candidate_error', 'not_compared']) {
        expect(count(db, `SELECT sum(${outcome}) FROM shadow_rollups`)).toBe(expected.outcomes.get(outcome));
      }
      expect(count(db, 'SELECT count(*) FROM shadow_status_pairs')).toBeLessThanOrEqual(2 * expected.minutes.size);
      expect(count(db, 'SELECT sum(count) FROM shadow_status_pairs')).toBe(10_000);
      expect(count(db, 'SELECT count(*) FROM shadow_path_counts')).toBe(5);
      expect(count(db, "SELECT raw FROM shadow_path_counts WHERE pattern = '$.items[*].total'")).toBe(
        expected.signatures.get(`${INVOICES} | $.items[*].total value`),
      );
      expect(readShadowSessions(db)).toMatchObject([{ mirrored: 10_000, dropped: 0, lost: 0 }]);
      expect(readShadowSessions(db)[0]!.stoppedAt).not.toBeNull();
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('keeps a reservoir of matches that spans old and new traffic', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = shadowStore(file, { matchReservoir: 10, random: seededRandom(7), maxBatch: 100 });
    for (let i = 0; i < 3000; i++) store.record({ ...traffic(i * 3 + 2), outcome: 'match', differences: [], signature: null });
    store.flush();
    const samples = readMatchSamples(store.db, PAYMENT);
    expect(samples).toHaveLength(10);
    const ats = samples.map((s) => s.at);
    const middle = T0 + (1500 * 3 + 2) * 30;
    expect(ats.some((at) => at < middle)).toBe(true);
    expect(ats.some((at) => at >= middle)).toBe(true);
    expect(new Set(samples.map((s) => s.id)).size).toBe(10);
  });

  it('leaves every recorded comparison in the file after close(), without an explicit flush (the SIGTERM drain)', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = openShadowStore(file, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i++) store.record(traffic(i));
    store.recordDropped(CUSTOMER, T0);
    store.recordDropped(CUSTOMER, T0 + 1);
    expect(store.stats()).toMatchObject({ recorded: 1234, flushed: 0, pending: 1234, dropped: 2 });
    await store.close();
    expect(store.stats()).toMatchObject({ flushed: 1234, pending: 0 });
    store.record(traffic(0));
    expect(store.stats().lost).toBe(1);

    const reader = openStore(file, { readonly: true });
    try {
      const total = count(reader.db, 'SELECT sum(match + mismatch + expected + candidate_error + not_compared) FROM shadow_rollups');
      expect(total).toBe(1234);
      expect(count(reader.db, 'SELECT sum(dropped) FROM shadow_rollups')).toBe(2);
      expect(readShadowSessions(reader.db)).toMatchObject([{ mirrored: 1234, dropped: 2 }]);
    } finally {
      reader.close();
    }
  });

  it('after a crash, the file holds every flushed batch and is intact', () => {
    const dir = tempDir();
    const file = path.join(dir, 'parity.db');
    const store = shadowStore(file, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 700; i++) store.record(traffic(i));
    store.flush();
    for (let i = 700; i < 900; i++) store.record(traffic(i));
    // A crash now: copy the database and its WAL as they are on disk, unflushed batch and all.
    const crashed = path.join(dir, 'crashed.db');
    fs.copyFileSync(file, crashed);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${crashed}-wal`);
    const db = new Database(crashed);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(count(db, 'SELECT sum(match + mismatch + expected + candidate_error + not_compared) FROM shadow_rollups')).toBe(700);
    } finally {
      db.close();
    }
  });

  it('keeps the batch queued when the file is busy, and writes it on the next flush', () => {
    const file = path.join(tempDir(), 'parity.db');
    const errors: unknown[] = [];
    const store = shadowStore(file, { flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
    store.db.pragma('busy_timeout = 0');
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < 30; i++) store.record(traffic(i));
      expect(() => store.flush()).toThrow(/locked|busy/i);
      expect(store.stats()).toMatchObject({ pending: 30, flushed: 0, failedFlushes: 1, lost: 0 });
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    store.flush();
    expect(store.stats()).toMatchObject({ pending: 0, flushed: 30, lost: 0 });
    expect(count(store.db, 'SELECT sum(match + mismatch + expected + candidate_error + not_compared) FROM shadow_rollups')).toBe(30);
    expect(errors).toEqual([]);
  });

  it('loses only a record it cannot store, never the batch around it', () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = shadowStore(file, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) store.record(traffic(i * 3 + 1));
    // A value JSON cannot hold, in a sample's differences.
    store.record({ ...traffic(0), outcome: 'mismatch', differences: [diff('value', '$.big', 1n, 2n)], signature: null });
    for (let i = 10; i < 20; i++) store.record(traffic(i * 3 + 1));
    store.flush();
    expect(store.stats()).toMatchObject({ recorded: 21, flushed: 20, lost: 1, pending: 0 });
    expect(count(store.db, 'SELECT sum(match + mismatch + expected + candidate_error + not_compared) FROM shadow_rollups')).toBe(20);
    expect(count(store.db, "SELECT count(*) FROM shadow_signatures WHERE signature LIKE '%$.big%'")).toBe(0);
  });

  it('never lets a planted secret reach the database file or its WAL', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const secret = 'S3CRET-7f3a9c';
    const store = shadowStore(file, {
      flushIntervalMs: 60_000,
      redaction: { headers: ['X-Tenant-Key'], jsonPaths: ['$.card.number', '$.session.token'], queryParameters: ['api_key'] },
    });
    const responseBody = (token: string) => Buffer.from(JSON.stringify({ session: { token, user: 'u1' }, status: 'ok' }));
    const record: ComparisonRecord = {
      at: T0,
      endpoint: 'POST /sessions',
      outcome: 'mismatch',
      request: {
        method: 'POST',
        target: `/sessions?api_key=${secret}&lang=en`,
        headers: { authorization: `Bearer ${secret}`, Cookie: `sid=${secret}`, 'x-tenant-key': secret, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ card: { number: secret, holder: 'A. Person' } })),
      },
      primary: { status: 200, headers: { ...JSON_HEADERS, 'set-cookie': [`sid=${secret}; HttpOnly`] }, body: responseBody(secret), durationMs: 3 },
      candidate: { status: 200, headers: JSON_HEADERS, body: responseBody(`${secret}-x`), durationMs: 4 },
      secondary: { status: 200, headers: { ...JSON_HEADERS, 'set-cookie': `sid=${secret}` }, body: responseBody(secret), durationMs: 3 },
      differences: [
        diff('value', '$.session.token', secret, `${secret}-x`),
        diff('value', '$.session', { token: secret }, { token: `${secret}-x` }),
        diff('header', 'header:set-cookie', `sid=${secret}`),
      ],
      noise: [],
      signature: null,
    };
    store.record(record);
    store.record({ ...record, outcome: 'match', differences: [] });
    store.flush();

    const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
    const inFiles = () =>
      [file, `${file}-wal`]
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f))
        .some((bytes) => forms.some((form) => bytes.includes(form)));
    expect(fs.readFileSync(`${file}-wal`).length).toBeGreaterThan(0);
    expect(inFiles()).toBe(false);

    // Still useful: the sample shows where the secret was.
    const [signature] = readShadowSummary(store.db).endpoints[0]!.signatures;
    const [sample] = readSamples(store.db, signature!.id);
    expect(sample!.request.target).toBe('/sessions?api_key=[REDACTED]&lang=en');
    expect(sample!.request.headers).toMatchObject({ authorization: '[REDACTED]', Cookie: '[REDACTED]', 'x-tenant-key': '[REDACTED]' });
    expect(JSON.parse(sample!.request.body!.text!)).toEqual({ card: { number: '[REDACTED]', holder: 'A. Person' } });
    expect(JSON.parse(sample!.primary.body!.text!)).toEqual({ session: { token: '[REDACTED]', user: 'u1' }, status: 'ok' });
    expect(sample!.differences.map((d) => d.primary)).toEqual(['[REDACTED]', { token: '[REDACTED]' }, '[REDACTED]']);

    await store.close();
    open.pop();
    expect(inFiles()).toBe(false);
  });

  it('summarises endpoints with latency percentiles merged from the minute histograms, read-only', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = openShadowStore(file, { random: seededRandom(3) });
    for (let i = 0; i < 6000; i++) store.record(traffic(i));
    store.recordDropped(INVOICES, T0 + 1000);
    await store.close();

    const reader = openStore(file, { readonly: true });
    try {
      const summary = readShadowSummary(reader.db);
      expect(summary.endpoints.map((e) => e.endpoint)).toEqual([CUSTOMER, INVOICES, PAYMENT]);
      const customer = summary.endpoints[0]!;
      expect(customer.outcomes).toEqual({
        match: 1200,
        noise: 0,
        inconclusive: 0,
        mismatch: 600,
        expected: 0,
        candidate_error: 100,
        not_compared: 100,
        downstream: 0,
        dropped: 0,
      });
      expect(customer.compared).toBe(1800);
      expect(customer.firstMinute).toBe(T0);
      expect(customer.lastMinute).toBe(T0 + 2 * 60_000);
      expect(customer.statusPairs).toEqual([
        { primary: 200, candidate: 200, count: 1900 },
        { primary: 200, candidate: 0, count: 100 },
      ]);
      // Durations cycle through 1..100 ms on every endpoint (i % 100 with i stepping by 3).
      expect(customer.latency.primary!.count).toBe(2000);
      expect(customer.latency.primary!.p50).toBeCloseTo(50, 0);
      expect(customer.latency.primary!.p99).toBeGreaterThanOrEqual(98);
      expect(customer.latency.primary!.p99).toBeLessThanOrEqual(100);
      expect(customer.latency.candidate!.count).toBe(1900);
      expect(customer.latency.candidate!.p99 / customer.latency.primary!.p99).toBeCloseTo(2, 1);

      expect(customer.signatures.map((s) => [s.signature, s.count])).toEqual([
        [`${CUSTOMER} | $.name value`, 400],
        [`${CUSTOMER} | $.email missing; status status`, 200],
      ]);
      expect(customer.signatures[0]!.differences).toEqual([{ pattern: '$.name', kind: 'value' }]);
      expect(customer.signatures[0]!.firstSeen).toBe(T0);
      expect(customer.paths.filter((p) => p.reportable).map((p) => p.pattern)).toEqual(['$.name', '$.email', 'status']);
      expect(summary.endpoints[1]!.outcomes.dropped).toBe(1);
      expect(summary.endpoints[2]!.signatures[0]).toMatchObject({ count: 300, expected: 300 });

      const samples = readSamples(reader.db, customer.signatures[0]!.id);
      expect(samples).toHaveLength(5);
      expect(samples[0]).toMatchObject({ endpoint: CUSTOMER, outcome: 'mismatch', at: T0, request: { method: 'GET', target: '/thing/0?page=0' } });
      expect(JSON.parse(samples[0]!.primary.body!.text!)).toEqual({ id: 0, name: 'n0' });
      expect(samples[0]!.candidate).toMatchObject({ status: 200, durationMs: 2 });
      expect(samples[0]!.differences).toEqual([diff('value', '$.name', 'n0', 'N0')]);

      // Filters: an endpoint, and a time window.
      expect(readShadowSummary(reader.db, { endpoint: PAYMENT }).endpoints.map((e) => e.endpoint)).toEqual([PAYMENT]);
      const recent = readShadowSummary(reader.db, { since: T0 + 2 * 60_000, endpoint: CUSTOMER }).endpoints[0]!;
      expect(recent.firstMinute).toBe(T0 + 2 * 60_000);
      expect(recent.latency.primary!.count).toBe(2000 - 1334);
      expect(() => reader.db.prepare('DELETE FROM shadow_rollups').run()).toThrow(/readonly/);
    } finally {
      reader.close();
    }
  });

  it('counts raw and noise per path, and reports only what clearly exceeds noise', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = shadowStore(file);
    const stamp = diff('value', '$.generated_at', 'a', 'b');
    const price = diff('value', '$.price', 1, 2);
    for (let i = 0; i < 1000; i++) {
      // generated_at differs everywhere, between the legacy instances too; price differs on the rewrite only.
      const raw = i % 10 === 0 ? [stamp, price] : [stamp];
      const differences = raw.filter((d) => d !== stamp);
      store.record({
        ...traffic(i * 3),
        outcome: differences.length > 0 ? 'mismatch' : 'match',
        differences,
        rawDifferences: raw,
        noise: [stamp],
        signature: null,
      });
    }
    store.flush();
    const [customer] = readShadowSummary(store.db).endpoints;
    expect(customer!.paths).toEqual([
      { pattern: '$.price', kind: 'value', raw: 100, noise: 0, reportable: true },
      { pattern: '$.generated_at', kind: 'value', raw: 1000, noise: 1000, reportable: false },
    ]);
    expect(customer!.signatures.map((s) => [s.signature, s.count])).toEqual([[`${CUSTOMER} | $.price value`, 100]]);
  });

  it('files signature and path counts per hour as well as all-time, so a window sees only its own differences', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = shadowStore(file);
    const price = diff('value', '$.price', 1, 2);
    const hour = 3_600_000;
    // 3 in the first hour, 2 in the second (one of them explained by a fix), recorded in one batch.
    for (const [offset, outcome] of [
      [0, 'mismatch'],
      [10, 'mismatch'],
      [hour - 1, 'mismatch'],
      [hour, 'mismatch'],
      [hour + 5, 'expected'],
    ] as const) {
      store.record({ ...traffic(0), at: T0 + offset, outcome, differences: [price], noise: [], signature: null });
    }
    store.flush();
    const byHour = store.db
      .prepare('SELECT h.hour, h.count, h.expected FROM shadow_signature_hours h JOIN shadow_signatures s ON s.id = h.signature_id ORDER BY h.hour')
      .all();
    expect(byHour).toEqual([
      { hour: T0, count: 3, expected: 0 },
      { hour: T0 + hour, count: 2, expected: 1 },
    ]);
    expect(store.db.prepare('SELECT count, expected FROM shadow_signatures').get()).toEqual({ count: 5, expected: 1 });
    expect(store.db.prepare("SELECT hour, raw, noise FROM shadow_path_hours WHERE pattern = '$.price' ORDER BY hour").all()).toEqual([
      { hour: T0, raw: 3, noise: 0 },
      { hour: T0 + hour, raw: 2, noise: 0 },
    ]);
    expect(store.db.prepare("SELECT raw FROM shadow_path_counts WHERE pattern = '$.price'").pluck().get()).toBe(5);
    // The hourly rollups hold the sums of their minutes, latencies merged.
    const hourly = store.db
      .prepare('SELECT hour, first_minute, last_minute, match, mismatch, expected, primary_latency FROM shadow_rollups_hourly ORDER BY hour')
      .all() as { hour: number; first_minute: number; last_minute: number; mismatch: number; expected: number; primary_latency: Buffer }[];
    expect(hourly.map(({ primary_latency, ...row }) => ({ ...row, timings: decodeHistogram(primary_latency).totalCount }))).toEqual([
      { hour: T0, first_minute: T0, last_minute: T0 + hour - 60_000, match: 0, mismatch: 3, expected: 0, timings: 3 },
      { hour: T0 + hour, first_minute: T0 + hour, last_minute: T0 + hour, match: 0, mismatch: 1, expected: 1, timings: 2 },
    ]);
    expect(store.db.prepare('SELECT hour, primary_status, candidate_status, count FROM shadow_status_pairs_hourly ORDER BY hour').all()).toEqual([
      { hour: T0, primary_status: 200, candidate_status: 200, count: 3 },
      { hour: T0 + hour, primary_status: 200, candidate_status: 200, count: 2 },
    ]);
  });

  it('deletes minute rollups past the retention as traffic goes on, and keeps the hourly ones whole', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const store = shadowStore(file, { minuteRetentionMs: 2 * 3_600_000 });
    const hour = 3_600_000;
    // One comparison every 10 minutes for 6 hours, a batch at a time, as live traffic would come.
    for (let i = 0; i < 36; i++) {
      store.record({ ...traffic(0), at: T0 + i * 10 * 60_000, outcome: i % 6 === 0 ? 'mismatch' : 'match', differences: [], noise: [], signature: null });
      store.flush();
    }
    const minutes = store.db.prepare('SELECT min(minute) AS first, count(*) AS rows FROM shadow_rollups').get() as { first: number; rows: number };
    // The newest minute is T0 + 5h50m: rows before the hour two hours earlier (T0 + 3h) are gone.
    expect(minutes).toEqual({ first: T0 + 3 * hour, rows: 18 });
    expect(store.db.prepare('SELECT min(minute) FROM shadow_status_pairs').pluck().get()).toBe(T0 + 3 * hour);
    expect(
      store.db.prepare('SELECT count(*) AS hours, sum(match + mismatch) AS compared, sum(mismatch) AS mismatches FROM shadow_rollups_hourly').get(),
    ).toEqual({
      hours: 6,
      compared: 36,
      mismatches: 6,
    });
  });

  it('backfills the hourly tables of a store written before them (migrations 4 and 5)', async () => {
    const file = path.join(tempDir(), 'parity.db');
    const early = openStore(file, { migrations: MIGRATIONS.slice(0, 3) });
    const hour = 3_600_000;
    early.db.exec(`
      INSERT INTO shadow_rollups (endpoint, minute, match, mismatch) VALUES ('${CUSTOMER}', ${T0}, 5, 2), ('${CUSTOMER}', ${T0 + hour + 60_000}, 1, 1);
      INSERT INTO shadow_signatures (endpoint, signature, differences, count, expected, first_seen, last_seen)
        VALUES ('${CUSTOMER}', 'sig', '[]', 3, 1, ${T0 + 5}, ${T0 + hour + 70_000});
      INSERT INTO shadow_path_counts (endpoint, pattern, kind, raw, noise) VALUES ('${CUSTOMER}', '$.price', 'value', 3, 1);
    `);
    early.close();
    const migrated = openStore(file);
    try {
      expect(migrated.migration.applied).toEqual([
        'shadow_hours',
        'shadow_hourly_rollups',
        'dashboard_marks',
        'llm_cache',
        'shadow_correlation',
        'trusted_verdicts',
        'credential_fingerprints',
      ]);
      expect(migrated.db.prepare('SELECT hour, count, expected FROM shadow_signature_hours').all()).toEqual([{ hour: T0 + hour, count: 3, expected: 1 }]);
      expect(migrated.db.prepare('SELECT endpoint, hour, pattern, kind, raw, noise FROM shadow_path_hours').all()).toEqual([
        { endpoint: CUSTOMER, hour: T0 + hour, pattern: '$.price', kind: 'value', raw: 3, noise: 1 },
      ]);
      // Migration 5: the minute rollups summed per hour.
      expect(migrated.db.prepare('SELECT hour, first_minute, last_minute, match, mismatch FROM shadow_rollups_hourly ORDER BY hour').all()).toEqual([
        { hour: T0, first_minute: T0, last_minute: T0, match: 5, mismatch: 2 },
        { hour: T0 + hour, first_minute: T0 + hour + 60_000, last_minute: T0 + hour + 60_000, match: 1, mismatch: 1 },
      ]);
    } finally {
      migrated.close();
    }
  });
});

describe("Diffy's rule", () => {
  it('needs raw above noise', () => {
    expect(reportable(10, 10, 100)).toBe(false);
    expect(reportable(9, 10, 100)).toBe(false);
    expect(reportable(0, 0, 100)).toBe(false);
    expect(reportable(1, 0, 100)).toBe(true);
  });

  it('needs a relative difference above 20 %', () => {
    expect(reportable(125, 100, 1000)).toBe(false); // (125 - 100) / 125 = 0.20 exactly
    expect(reportable(126, 100, 1000)).toBe(true); // 26 / 126 = 0.206
    expect(reportable(120, 100, 1000)).toBe(false);
  });

  it('needs raw above 0.03 % of compared requests', () => {
    expect(reportable(3, 0, 10_000)).toBe(false); // exactly 0.03 %
    expect(reportable(4, 0, 10_000)).toBe(true);
    expect(reportable(30, 0, 100_000)).toBe(false);
    expect(reportable(31, 0, 100_000)).toBe(true);
    expect(reportable(5, 0, 0)).toBe(false);
  });
});
