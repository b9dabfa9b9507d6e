/**
 * The answer key, checked: every row of examples/billing/DIFFERENCES.md is demonstrated by
 * sending the same requests to the real legacy and the real rewrite (both on loopback) and
 * comparing their answers with parity's comparator.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswerKey, type AnswerCategory } from '../../examples/billing/answer-key.js';
import { DEFAULT_WEBHOOK_SECRET, loadSeed, startBilling, type RunningBilling, type Seed } from '../../examples/billing/index.js';
import { compareResponses, type Difference, type ResponseData } from '../../src/compare/response.js';

/** Fields that are fresh on every create, on both sides: not differences. */
const VOLATILE = ['$.id', '$.created', '$.finalized_at', '$.paid_at', '$.voided_at', '$.canceled_at', '$.current_period_start', '$.current_period_end'];

/** What JSON.parse returns: the scenarios read response fields freely and assert on them. */
type ParsedJson = ReturnType<typeof JSON.parse>;

interface Reply {
  status: number;
  headers: Record<string, string>;
  json: ParsedJson;
  data: ResponseData;
}

interface Pair {
  legacy: Reply;
  rewrite: Reply;
  /** The comparator's differences, volatile fields left out. */
  diffs: Difference[];
}

interface CallOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

let legacy: RunningBilling;
let rewrite: RunningBilling;
let seed: Seed;
const key = (account: string) => seed.accounts.find((a) => a.id === account)!.api_key;
const ACME = 'acct_acme';
const GLOBEX = 'acct_globex';

async function send(base: string, method: string, route: string, options: CallOptions): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.key === undefined ? key(ACME) : options.key;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${base}${route}`, { method, headers, ...(body !== undefined && { body }) });
  const raw = Buffer.from(await response.arrayBuffer());
  const responseHeaders = Object.fromEntries(response.headers.entries());
  const text = raw.toString('utf8');
  return {
    status: response.status,
    headers: responseHeaders,
    json: text === '' ? undefined : JSON.parse(text),
    data: { status: response.status, headers: responseHeaders, body: raw },
  };
}

/** The same request to both sides, legacy first. */
async function both(method: string, route: string, options: CallOptions = {}, ignore: string[] = []): Promise<Pair> {
  const l = await send(legacy.url, method, route, options);
  const r = await send(rewrite.url, method, route, options);
  return { legacy: l, rewrite: r, diffs: compareResponses(l.data, r.data, { ignore: [...VOLATILE, ...ignore] }) };
}

function signed(body: string, t = Math.floor(Date.now() / 1000)): Record<string, string> {
  const v1 = crypto.createHmac('sha256', DEFAULT_WEBHOOK_SECRET).update(`${t}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'provider-signature': `t=${t},v1=${v1}` };
}

const patterns = (diffs: Difference[]) => diffs.map((d) => `${d.pattern} ${d.kind}`).sort();

/** One scenario per row of the answer key, run in this order against both services. */
const SCENARIOS: Record<string, () => Promise<void>> = {
  async Q1() {
    const missing = await both('GET', '/customers/cus_0000000000000000');
    expect(missing.legacy.status).toBe(404);
    expect(missing.legacy.json).toEqual({ error: { type: 'not_found', message: 'No such customer: cus_0000000000000000' } });
    expect(missing.diffs).toEqual([]);
    const unrouted = await both('GET', '/nope');
    expect(unrouted.legacy.json).toEqual({ error: { type: 'not_found', message: 'Unrecognized request URL (GET: /nope)' } });
    expect(unrouted.diffs).toEqual([]);
    const noKey = await both('GET', '/customers', { key: null });
    expect(noKey.legacy.status).toBe(401);
    expect(noKey.legacy.json).toEqual({ error: { type: 'authentication_error', message: 'No API key provided' } });
    expect(noKey.diffs).toEqual([]);
    const badKey = await both('GET', '/customers', { key: 'sk_test_wrong_0123456789abcd' });
    expect(badKey.legacy.json).toEqual({ error: { type: 'authentication_error', message: 'Invalid API key provided: sk_test_...abcd' } });
    expect(badKey.diffs).toEqual([]);
  },
  async Q2() {
    for (const [route, body] of [
      ['/customers', { name: 'no email' }],
      ['/invoices', { customer: firstCustomer(ACME).id, lines: [] }],
      ['/payments', {}],
      ['/subscriptions', { customer: firstCustomer(ACME).id, plan: 'pro', amount: 100, interval: 'week' }],
    ] as const) {
      const pair = await both('POST', route, { body });
      expect(pair.legacy.status, route).toBe(400);
      expect(pair.legacy.json.error.type).toBe('invalid_request_error');
      expect(pair.diffs, route).toEqual([]);
    }
    const refund = await both('POST', `/payments/${seed.payments[0]!.id}/refunds`, { body: { amount: 1, reason: 'bored' } });
    expect(refund.legacy.json).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid reason: bored', param: 'reason' } });
    expect(refund.diffs).toEqual([]);
  },
  async Q3() {
    const bare = seed.customers.find((c) => c.account === ACME && c.address === null)!;
    const pair = await both('GET', `/customers/${bare.id}`);
    expect(pair.legacy.json).toHaveProperty('address', null);
    expect(pair.legacy.json).toHaveProperty('phone');
    expect(pair.diffs).toEqual([]);
  },
  async Q4() {
    const pair = await both('POST', '/invoices', {
      body: { customer: billedCustomer().id, lines: [{ description: 'x', quantity: 1, unit_amount: 1000 }], due_days: 10 },
    });
    expect(pair.legacy.status).toBe(201);
    expect(Number.isInteger(pair.legacy.json.created)).toBe(true);
    expect(pair.legacy.json.due_date).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(pair.diffs).toEqual([]);
  },
  async Q5() {
    // 8.25 % of 1200 is exactly 99: no rounding involved (that is B1).
    const pair = await both('POST', '/invoices', { body: { customer: billedCustomer().id, lines: [{ quantity: 1, unit_amount: 1200 }], tax_percent: 8.25 } });
    expect(pair.legacy.json.tax_percent).toBe('8.25');
    expect(pair.legacy.json.tax).toBe(99);
    expect(pair.diffs).toEqual([]);
    const none = await both('POST', '/invoices', { body: { customer: billedCustomer().id, lines: [{ quantity: 1, unit_amount: 1000 }] } });
    expect(none.legacy.json.tax_percent).toBe('0.00');
    expect(none.diffs).toEqual([]);
  },
  async Q6() {
    const total = seed.customers.filter((c) => c.account === ACME).length;
    for (const query of ['', '?per_page=500', '?page=0&per_page=abc', '?page=9999', '?page=2&per_page=7', '?per_page=-3']) {
      const pair = await both('GET', `/customers${query}`);
      expect(pair.legacy.status, query).toBe(200);
      expect(pair.diffs, query).toEqual([]);
    }
    const clamped = await both('GET', '/customers?per_page=500');
    expect(clamped.legacy.json).toMatchObject({ page: 1, per_page: 100, has_more: false, total_count: total });
    const past = await both('GET', '/customers?page=9999');
    expect(past.legacy.json).toMatchObject({ data: [], has_more: false });
    const sorted = [...(clamped.legacy.json.data as { id: string; created: number }[])].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
    expect(clamped.legacy.json.data).toEqual(sorted);
  },
  async Q7() {
    const created = await both('POST', '/customers', { body: { email: '  Mixed.Case@Example.TEST ', name: 'Mixed' } });
    expect(created.legacy.json.email).toBe('mixed.case@example.test');
    expect(created.diffs).toEqual([]);
    const bare = seed.customers.filter((c) => c.account === ACME && c.address !== null)[1]!;
    const updated = await both('PATCH', `/customers/${bare.id}`, { body: { email: ' UP@EXAMPLE.TEST' } });
    expect(updated.legacy.json.email).toBe('up@example.test');
    expect(updated.diffs).toEqual([]);
  },
  async Q8() {
    const draft = seed.invoices.find((i) => i.account === ACME && i.status === 'draft')!;
    const first = await both('POST', `/invoices/${draft.id}/finalize`);
    expect(first.legacy.json.status).toBe('open');
    expect(first.legacy.json.number).toMatch(/^INV-\d{6}$/);
    expect(first.diffs).toEqual([]);
    const again = await both('POST', `/invoices/${draft.id}/finalize`);
    expect(again.legacy.status).toBe(200);
    expect(again.legacy.json).toEqual(first.legacy.json);
    expect(again.diffs).toEqual([]);
  },
  async Q9() {
    const open = seed.invoices.find((i) => i.account === ACME && i.status === 'open' && i.amount_paid === 0)!;
    const headers = { 'idempotency-key': `diff-test-${crypto.randomUUID()}` };
    const first = await both('POST', '/payments', { body: { invoice: open.id, amount: 100 }, headers });
    expect(first.legacy.status).toBe(201);
    expect(first.diffs).toEqual([]);
    const replay = await both('POST', '/payments', { body: { invoice: open.id, amount: 100 }, headers });
    expect(replay.legacy.status).toBe(201);
    expect(replay.legacy.headers['idempotent-replayed']).toBe('true');
    expect(replay.rewrite.headers['idempotent-replayed']).toBe('true');
    expect(replay.legacy.json).toEqual(first.legacy.json);
    expect(replay.diffs).toEqual([]);
    const reused = await both('POST', '/payments', { body: { invoice: open.id, amount: 200 }, headers });
    expect(reused.legacy.status).toBe(409);
    expect(reused.diffs).toEqual([]);
  },
  async Q10() {
    const payment = seed.payments.find((p) => p.account === ACME && p.id !== 'py_5eed000000000b03')!;
    const body = JSON.stringify({ id: `evt_${crypto.randomBytes(8).toString('hex')}`, type: 'payment.disputed', data: { payment: payment.id } });
    const ok = await both('POST', '/webhooks/provider', { key: null, rawBody: body, headers: signed(body) });
    expect(ok.legacy.json).toEqual({ received: true });
    expect(ok.diffs).toEqual([]);
    const repeated = await both('POST', '/webhooks/provider', { key: null, rawBody: body, headers: signed(body) });
    expect(repeated.legacy.status).toBe(200);
    expect(repeated.diffs).toEqual([]);
    const bad = await both('POST', '/webhooks/provider', { key: null, rawBody: body, headers: { ...signed(body), 'provider-signature': 't=1,v1=00' } });
    expect(bad.legacy.status).toBe(400);
    expect(bad.legacy.json).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid signature' } });
    expect(bad.diffs).toEqual([]);
    const old = await both('POST', '/webhooks/provider', { key: null, rawBody: body, headers: signed(body, Math.floor(Date.now() / 1000) - 3600) });
    expect(old.legacy.json.error.message).toBe('Timestamp outside the tolerance zone');
    expect(old.diffs).toEqual([]);
    const disputed = await both('GET', `/payments/${payment.id}`);
    expect(disputed.legacy.json.disputed).toBe(true);
    expect(disputed.diffs).toEqual([]);
  },
  async Q11() {
    const customer = firstCustomer(ACME);
    for (const route of ['/customers/', `/customers/${customer.id}/`, `/customers/${customer.id}/invoices/`]) {
      const pair = await both('GET', route, {}, ['$.data']);
      expect(pair.legacy.status, route).toBe(200);
      expect(pair.diffs, route).toEqual([]);
    }
  },
  async Q12() {
    // A dedicated pair with a tiny bucket, so the limit is reached deterministically.
    const [l, r] = await Promise.all([
      startBilling('legacy', { rateLimit: { burst: 2, refillSeconds: 60 } }),
      startBilling('rewrite', { rateLimit: { burst: 2, refillSeconds: 60 } }),
    ]);
    try {
      for (const expected of [400, 400, 429]) {
        const a = await send(l.url, 'POST', '/payments', { body: {} });
        const b = await send(r.url, 'POST', '/payments', { body: {} });
        expect([a.status, b.status]).toEqual([expected, expected]);
        expect(compareResponses(a.data, b.data)).toEqual([]);
        if (expected === 429) {
          expect(a.json).toEqual({ error: { type: 'rate_limit_error', message: 'Too many requests' } });
          expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
          expect(Number(b.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
      }
    } finally {
      await Promise.all([l.close(), r.close()]);
    }
  },
  async Q13() {
    const customer = firstCustomer(ACME);
    const pair = await both('GET', `/customers/${customer.id}/invoices?starting_after=in_0000000000000000`);
    expect(pair.legacy.json).toMatchObject({ data: [], has_more: false });
    expect(pair.diffs).toEqual([]);
  },
  async Q14() {
    const pair = await both('POST', '/subscriptions', { body: { customer: firstCustomer(ACME).id, plan: 'pro', amount: 4900, interval: 'month' } });
    expect(pair.legacy.status).toBe(201);
    expect(pair.legacy.json.current_period_end - pair.legacy.json.current_period_start).toBe(30 * 86_400);
    expect(pair.rewrite.json.current_period_end - pair.rewrite.json.current_period_start).toBe(30 * 86_400);
    expect(pair.diffs).toEqual([]);
  },
  async Q15() {
    const customer = seed.customers.filter((c) => c.account === ACME && c.address !== null)[2]!;
    await both('PATCH', `/customers/${customer.id}`, { body: { metadata: { a: '1', b: '2' } } });
    const pair = await both('PATCH', `/customers/${customer.id}`, { body: { metadata: { a: '', c: '3' } } });
    expect(pair.legacy.json.metadata).toMatchObject({ b: '2', c: '3' });
    expect(pair.legacy.json.metadata).not.toHaveProperty('a');
    expect(pair.diffs).toEqual([]);
  },
  async B1() {
    const pair = await both('POST', '/invoices', {
      body: {
        customer: billedCustomer().id,
        lines: [
          { description: 'Seat', quantity: 1, unit_amount: 1999 },
          { description: 'Seat', quantity: 1, unit_amount: 1999 },
        ],
        tax_percent: 8.25,
      },
    });
    expect([pair.legacy.json.tax, pair.rewrite.json.tax]).toEqual([328, 330]);
    expect(patterns(pair.diffs)).toEqual(['$.amount_remaining value', '$.tax value', '$.total value']);
  },
  async B2() {
    const theirs = seed.invoices.find((i) => i.account === GLOBEX)!;
    const pair = await both('GET', `/invoices/${theirs.id}`);
    expect(pair.legacy.status).toBe(403);
    expect(pair.legacy.json).toEqual({ error: { type: 'permission_error', message: `Invoice ${theirs.id} belongs to another account` } });
    expect(pair.rewrite.status).toBe(404);
    expect(pair.rewrite.json).toEqual({ error: { type: 'not_found', message: `No such invoice: ${theirs.id}` } });
    expect(patterns(pair.diffs)).toEqual(['$.error.message value', '$.error.type value', 'status status']);
  },
  async B3() {
    const pair = await both('POST', '/payments/py_5eed000000000b03/refunds', { body: { amount: 3000 } });
    expect(pair.legacy.status).toBe(201);
    expect(pair.legacy.json).toMatchObject({ object: 'refund', payment: 'py_5eed000000000b03', amount: 3000 });
    expect(pair.rewrite.status).toBe(400);
    expect(pair.rewrite.json).toEqual({
      error: { type: 'invalid_request_error', message: 'Refund amount (3000) is greater than unrefunded amount on payment (2000)', param: 'amount' },
    });
    expect(pair.diffs.map((d) => d.kind)).toContain('status');
  },
  async R1() {
    const withSeveral = seed.customers.find((c) => {
      const mine = seed.invoices.filter((i) => i.customer === c.id);
      const byCreated = [...mine].sort((a, b) => b.created - a.created || (b.id < a.id ? -1 : 1)).map((i) => i.id);
      const byId = [...mine].sort((a, b) => (b.id < a.id ? -1 : 1)).map((i) => i.id);
      return c.account === ACME && c.id !== billedCustomer().id && mine.length >= 3 && mine.length <= 10 && byCreated.join() !== byId.join();
    })!;
    const pair = await both('GET', `/customers/${withSeveral.id}/invoices`);
    const ids = (reply: Reply) => reply.json.data.map((i: { id: string }) => i.id);
    expect([...ids(pair.legacy)].sort()).toEqual([...ids(pair.rewrite)].sort());
    expect(ids(pair.rewrite)).toEqual([...ids(pair.rewrite)].sort().reverse());
    expect(pair.diffs).toEqual([{ kind: 'order', path: '$.data', pattern: '$.data' }]);
  },
  async R2() {
    const bare = seed.customers.filter((c) => c.account === ACME && c.address === null)[1]!;
    const pair = await both('PATCH', `/customers/${bare.id}`, { body: { name: 'Renamed' } });
    expect(pair.legacy.json).toHaveProperty('address', null);
    expect(pair.rewrite.json).not.toHaveProperty('address');
    expect(pair.diffs).toEqual([{ kind: 'missing', path: '$.address', pattern: '$.address', primary: null }]);
    const read = await both('GET', `/customers/${bare.id}`);
    expect(read.diffs).toEqual([]);
  },
};

function firstCustomer(account: string) {
  return seed.customers.find((c) => c.account === account)!;
}

/** The customer new invoices are created for, so that no other scenario's invoice list changes. */
function billedCustomer() {
  return seed.customers.filter((c) => c.account === ACME).at(-1)!;
}

describe('the planted differences of the billing pair (DIFFERENCES.md)', () => {
  beforeAll(async () => {
    seed = loadSeed();
    [legacy, rewrite] = await Promise.all([startBilling('legacy'), startBilling('rewrite')]);
  });
  afterAll(async () => {
    await Promise.all([legacy?.close(), rewrite?.close()]);
  });

  const rows = readAnswerKey();

  it('has a scenario for every row, and a row for every scenario', () => {
    expect(rows.map((r) => r.id)).toEqual(Object.keys(SCENARIOS));
    const count = (category: AnswerCategory) => rows.filter((r) => r.category === category).length;
    expect(count('quirk kept')).toBeGreaterThanOrEqual(8);
    expect(count('bug fixed')).toBe(3);
    expect(count('regression')).toBe(2);
  });

  for (const row of rows) {
    it(`${row.id} (${row.category}): ${row.endpoints.join(', ') || 'every endpoint'}`, async () => {
      const scenario = SCENARIOS[row.id];
      expect(scenario, `no scenario for ${row.id}`).toBeDefined();
      await scenario!();
    });
  }
});
