import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startBilling, type RunningBilling } from '../../examples/billing/index.js';

// Smoke test of the bundled rewrite (examples/billing/rewrite): every endpoint at least once,
// over real HTTP, against the contract in examples/billing/API.md and the rewrite column of
// examples/billing/DIFFERENCES.md (B1-B3 fixed, R1 and R2 present).

/** The seed's rows, with the fields these tests read. */
interface SeedRows {
  accounts: { id: string; api_key: string }[];
  customers: { id: string; account: string; email: string; name: string | null; phone: string | null; address: unknown; metadata: object; created: number }[];
  invoices: {
    id: string;
    account: string;
    customer: string;
    number: string | null;
    status: string;
    tax: number;
    total: number;
    amount_paid: number;
    created: number;
  }[];
  payments: { id: string; account: string; invoice: string; amount: number }[];
  refunds: { id: string; payment: string; amount: number }[];
  subscriptions: { id: string; account: string; customer: string; status: string }[];
}

const seed = loadSeed() as unknown as SeedRows;
const keyOf = (account: string) => seed.accounts.find((a) => a.id === account)!.api_key;
const ACME = keyOf('acct_acme');
const GLOBEX = keyOf('acct_globex');
const SECRET = 'whsec_parity_demo';
const DAY = 86_400;
const acmeCustomers = seed.customers.filter((c) => c.account === 'acct_acme');
const bare = acmeCustomers.find((c) => c.address === null)!;
const addressed = acmeCustomers.find((c) => c.address !== null)!;

type Json = ReturnType<typeof JSON.parse>;

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

interface CallOptions {
  key?: string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

function caller(base: () => string) {
  return async (method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? ACME : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base()}${path}`, { method, headers, ...(payload !== undefined && { body: payload }) });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
    return { status: response.status, headers: response.headers, body: json && text ? JSON.parse(text) : text || undefined };
  };
}

function signature(body: string, t = Math.floor(Date.now() / 1000), secret = SECRET): string {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

const CUSTOMER_KEYS = ['id', 'object', 'email', 'name', 'phone', 'address', 'metadata', 'balance', 'created'];
const INVOICE_KEYS = [
  'id',
  'object',
  'customer',
  'number',
  'status',
  'currency',
  'lines',
  'subtotal',
  'tax_percent',
  'tax',
  'total',
  'amount_paid',
  'amount_remaining',
  'due_date',
  'created',
  'finalized_at',
  'paid_at',
  'voided_at',
];
const PAYMENT_KEYS = ['id', 'object', 'invoice', 'amount', 'currency', 'status', 'amount_refunded', 'disputed', 'created', 'refunds'];
const REFUND_KEYS = ['id', 'object', 'payment', 'amount', 'reason', 'status', 'created'];
const SUBSCRIPTION_KEYS = [
  'id',
  'object',
  'customer',
  'plan',
  'amount',
  'currency',
  'interval',
  'status',
  'cancel_at_period_end',
  'current_period_start',
  'current_period_end',
  'canceled_at',
  'created',
];

const invalid = (message: string, param?: string) => ({ error: { type: 'invalid_request_error', message, ...(param !== undefined && { param }) } });

describe('rewrite billing service', () => {
  let rewrite: RunningBilling;
  const api = caller(() => rewrite.url);

  beforeAll(async () => {
    rewrite = await startBilling('rewrite');
  });

  afterAll(async () => {
    await rewrite?.close();
  });

  describe('conventions', () => {
    it('answers a missing API key with 401', async () => {
      const r = await api('GET', '/customers', { key: null });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(r.body).toEqual({ error: { type: 'authentication_error', message: 'No API key provided' } });
      const basic = await api('GET', '/customers', { key: null, headers: { authorization: 'Basic abc' } });
      expect(basic.body).toEqual({ error: { type: 'authentication_error', message: 'No API key provided' } });
    });

    it('answers an unknown API key with 401, echoing it masked', async () => {
      const r = await api('POST', '/payments', { key: 'sk_test_nope_0123456789abcd', body: {} });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: { type: 'authentication_error', message: 'Invalid API key provided: sk_test_...abcd' } });
    });

    it('answers an unknown route with 404 naming method and path', async () => {
      const r = await api('GET', '/nope?x=1');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'not_found', message: 'Unrecognized request URL (GET: /nope)' } });
      const method = await api('DELETE', `/customers/${bare.id}`);
      expect(method.body).toEqual({ error: { type: 'not_found', message: `Unrecognized request URL (DELETE: /customers/${bare.id})` } });
      // Only the customers and invoices resources ask for a key before routing.
      expect((await api('GET', '/nope', { key: null })).status).toBe(404);
      expect((await api('GET', '/payments', { key: null })).status).toBe(404);
      expect((await api('GET', '/customers/x/y/z', { key: null })).status).toBe(401);
    });

    it('answers a body that is not JSON with 400', async () => {
      const r = await api('POST', '/customers', { raw: '{"email": ' });
      expect(r.status).toBe(400);
      expect(r.headers.get('connection')).not.toBe('close');
      expect(r.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid JSON body' } });
      expect((await api('POST', '/customers', { raw: '"just a string"' })).body).toEqual(invalid('Invalid JSON body'));
      expect((await api('POST', '/customers', { raw: '' })).body).toEqual(invalid('Missing required param: email', 'email'));
      const text = await api('POST', '/customers', { raw: 'email=a@b.c', headers: { 'content-type': 'text/plain' } });
      expect(text.body).toEqual(invalid('Missing required param: email', 'email'));
    });

    it('routes like the legacy: OPTIONS, an extra slash after a resource, oversized bodies', async () => {
      const options = await api('OPTIONS', `/customers/${bare.id}`);
      expect([options.status, options.headers.get('allow'), options.headers.get('content-type'), options.body]).toEqual([
        200,
        'GET,PATCH,HEAD',
        'text/html; charset=utf-8',
        'GET,PATCH,HEAD',
      ]);
      expect((await api('GET', `/customers//${bare.id}`)).body.id).toBe(bare.id);
      expect((await api('GET', '/customers///')).body).toEqual({ error: { type: 'not_found', message: 'Unrecognized request URL (GET: /customers///)' } });
      const large = await api('POST', '/customers', { body: { email: 'big@example.test', name: 'x'.repeat(110_000) } });
      expect([large.status, large.headers.get('connection')]).toEqual([413, 'keep-alive']);
      expect(large.body).toEqual(invalid('request entity too large'));
      expect((await api('GET', '/customers/%zz')).body).toEqual(invalid("Failed to decode param '%zz'"));
      expect((await api('GET', '/nope/%zz')).status).toBe(404);
    });

    it('accepts a trailing slash on every route, and any case', async () => {
      expect((await api('GET', '/customers/')).status).toBe(200);
      expect((await api('GET', `/customers/${bare.id}/`)).body.id).toBe(bare.id);
      expect((await api('GET', `/customers/${addressed.id}/invoices/`)).status).toBe(200);
      expect((await api('GET', `/Customers/${bare.id}`)).body.id).toBe(bare.id);
      const payment = seed.payments.find((p) => p.account === 'acct_acme')!;
      expect((await api('GET', `/payments/${payment.id}/`)).body.id).toBe(payment.id);
    });
  });

  describe('customers', () => {
    const total = acmeCustomers.length;
    const ordered = [...acmeCustomers].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1)).map((c) => c.id);

    it('lists customers by page, oldest first, ties by id', async () => {
      const r = await api('GET', '/customers');
      expect(r.status).toBe(200);
      expect(Object.keys(r.body)).toEqual(['object', 'data', 'page', 'per_page', 'total_count', 'has_more']);
      expect(r.body).toMatchObject({ object: 'list', page: 1, per_page: 20, total_count: total, has_more: true });
      expect(r.body.data.map((c: { id: string }) => c.id)).toEqual(ordered.slice(0, 20));
      expect(Object.keys(r.body.data[0])).toEqual(CUSTOMER_KEYS);
    });

    it('reads page and per_page like parseInt, with defaults, a clamp and an empty page past the end', async () => {
      const parsed = await api('GET', '/customers?page=3abc&per_page=25');
      expect(parsed.body).toMatchObject({ page: 3, per_page: 25, total_count: total, has_more: false });
      expect(parsed.body.data.map((c: { id: string }) => c.id)).toEqual(ordered.slice(50, 75));
      expect((await api('GET', '/customers?page=0&per_page=abc')).body).toMatchObject({ page: 1, per_page: 20 });
      expect((await api('GET', '/customers?per_page=-3')).body).toMatchObject({ page: 1, per_page: 20 });
      const clamped = await api('GET', '/customers?per_page=500');
      expect(clamped.body).toMatchObject({ page: 1, per_page: 100, total_count: total, has_more: false });
      expect(clamped.body.data).toHaveLength(total);
      expect((await api('GET', '/customers?page=9999')).body).toEqual({
        object: 'list',
        data: [],
        page: 9999,
        per_page: 20,
        total_count: total,
        has_more: false,
      });
      expect((await api('GET', '/customers?page=2&per_page=7')).body).toMatchObject({ page: 2, per_page: 7, has_more: true });
    });

    it('filters by email, lowercased', async () => {
      const r = await api('GET', `/customers?email=${encodeURIComponent(bare.email.toUpperCase())}`);
      expect(r.body).toMatchObject({ total_count: 1, has_more: false });
      expect(r.body.data[0].id).toBe(bare.id);
    });

    it('creates a customer with a trimmed, lowercased email, phone and address present as null', async () => {
      const r = await api('POST', '/customers', { body: { email: '  Ada.Lovelace@Example.TEST ', name: 'Ada', extra: 'ignored' } });
      expect(r.status).toBe(201);
      expect(Object.keys(r.body)).toEqual(CUSTOMER_KEYS);
      expect(r.body).toEqual({
        id: expect.stringMatching(/^cus_[0-9a-f]{16}$/),
        object: 'customer',
        email: 'ada.lovelace@example.test',
        name: 'Ada',
        phone: null,
        address: null,
        metadata: {},
        balance: 0,
        created: expect.any(Number),
      });
      expect(Math.abs(r.body.created - Date.now() / 1000)).toBeLessThan(60);
      expect((await api('GET', `/customers/${r.body.id}`)).body).toEqual(r.body);
    });

    it('validates the body in order: 400, never 422', async () => {
      expect((await api('POST', '/customers', { body: { name: 'x' } })).body).toEqual(invalid('Missing required param: email', 'email'));
      expect((await api('POST', '/customers', { body: { email: '' } })).body).toEqual(invalid('Missing required param: email', 'email'));
      const r = await api('POST', '/customers', { body: { email: 'nope', name: 5 } });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(invalid('Invalid email address: nope', 'email'));
      expect((await api('POST', '/customers', { body: { email: 'a@b.c', phone: 5 } })).body).toEqual(invalid('phone must be a string or null', 'phone'));
      expect((await api('POST', '/customers', { body: { email: 'a@b.c', address: { line1: 'x' } } })).body).toEqual(
        invalid('address must be an object with string line1, city, postal_code and country', 'address'),
      );
      expect((await api('POST', '/customers', { body: { email: 'a@b.c', metadata: { n: 1 } } })).body).toEqual(
        invalid('metadata must be an object of string values', 'metadata'),
      );
    });

    it('answers another account’s customer like a missing one', async () => {
      const r = await api('GET', `/customers/${bare.id}`, { key: GLOBEX });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'not_found', message: `No such customer: ${bare.id}` } });
    });

    it('merges metadata on update, removing keys set to ""', async () => {
      const created = await api('POST', '/customers', {
        body: {
          email: 'meta@example.test',
          address: { city: 'Lyon', line1: '1 Rue', postal_code: '69001', country: 'FR', floor: '2' },
          metadata: { tier: 'gold', team: 'a' },
        },
      });
      expect(created.body.address).toEqual({ line1: '1 Rue', city: 'Lyon', postal_code: '69001', country: 'FR' });
      expect(Object.keys(created.body.address)).toEqual(['line1', 'city', 'postal_code', 'country']);
      const r = await api('PATCH', `/customers/${created.body.id}`, { body: { email: ' NEW@Example.test', metadata: { team: '', region: 'eu' } } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ email: 'new@example.test', metadata: { tier: 'gold', region: 'eu' } });
      expect(Object.keys(r.body)).toEqual(CUSTOMER_KEYS);
      const cleared = await api('PATCH', `/customers/${created.body.id}`, { body: { phone: '+1 555 0100', name: null } });
      expect(cleared.body).toMatchObject({ name: null, phone: '+1 555 0100', address: { city: 'Lyon' } });
      expect((await api('PATCH', `/customers/${created.body.id}`, { body: { email: null } })).body).toEqual(invalid('Invalid email address: null', 'email'));
      expect((await api('PATCH', '/customers/cus_0000000000000000', { body: { name: 'x' } })).body).toEqual({
        error: { type: 'not_found', message: 'No such customer: cus_0000000000000000' },
      });
    });

    it('answers PATCH of a customer without an address with no address key (R2), while GET keeps address: null', async () => {
      const r = await api('PATCH', `/customers/${bare.id}`, { body: { name: 'Renamed' } });
      expect(r.status).toBe(200);
      expect(r.body).not.toHaveProperty('address');
      expect(r.body).toMatchObject({ id: bare.id, name: 'Renamed', phone: bare.phone });
      const read = await api('GET', `/customers/${bare.id}`);
      expect(read.body).toHaveProperty('address', null);
      expect(Object.keys(read.body)).toEqual(CUSTOMER_KEYS);
      const list = await api('GET', `/customers?email=${encodeURIComponent(bare.email)}`);
      expect(list.body.data[0]).toHaveProperty('address', null);
    });
  });

  describe('invoices', () => {
    const customer = acmeCustomers[3]!;
    let draftId = '';

    it('creates an invoice, rounding tax half up once on the subtotal (B1)', async () => {
      const r = await api('POST', '/invoices', {
        body: {
          customer: customer.id,
          lines: [
            { description: 'Seat', quantity: 1, unit_amount: 1999 },
            { description: 'Seat', quantity: 1, unit_amount: 1999 },
          ],
          tax_percent: 8.25,
        },
      });
      expect(r.status).toBe(201);
      expect(Object.keys(r.body)).toEqual(INVOICE_KEYS);
      expect(r.body).toEqual({
        id: expect.stringMatching(/^in_[0-9a-f]{16}$/),
        object: 'invoice',
        customer: customer.id,
        number: null,
        status: 'draft',
        currency: 'usd',
        lines: [
          { description: 'Seat', quantity: 1, unit_amount: 1999, amount: 1999 },
          { description: 'Seat', quantity: 1, unit_amount: 1999, amount: 1999 },
        ],
        subtotal: 3998,
        tax_percent: '8.25',
        tax: 330,
        total: 4328,
        amount_paid: 0,
        amount_remaining: 4328,
        due_date: new Date((r.body.created + 30 * DAY) * 1000).toISOString().slice(0, 10),
        created: expect.any(Number),
        finalized_at: null,
        paid_at: null,
        voided_at: null,
      });
      draftId = r.body.id;
      expect((await api('GET', `/invoices/${draftId}`)).body).toEqual(r.body);
    });

    it('defaults and normalizes: no tax is "0.00", currency lowercased, due_days', async () => {
      const r = await api('POST', '/invoices/', { body: { customer: customer.id, lines: [{ quantity: 2, unit_amount: 0 }], currency: 'EUR', due_days: 10 } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        currency: 'eur',
        tax_percent: '0.00',
        tax: 0,
        subtotal: 0,
        total: 0,
        lines: [{ description: '', quantity: 2, unit_amount: 0, amount: 0 }],
      });
      expect(r.body.due_date).toBe(new Date((r.body.created + 10 * DAY) * 1000).toISOString().slice(0, 10));
      const precise = await api('POST', '/invoices', { body: { customer: customer.id, lines: [{ quantity: 1, unit_amount: 1000 }], tax_percent: 0.29 } });
      expect(precise.body).toMatchObject({ tax_percent: '0.29', tax: 3 });
    });

    it('validates the body in the documented order', async () => {
      const post = (body: unknown) => api('POST', '/invoices', { body }).then((r) => [r.status, r.body]);
      expect(await post({ lines: [] })).toEqual([400, invalid('Missing required param: customer', 'customer')]);
      expect(await post({ customer: 'cus_0000000000000000', lines: [] })).toEqual([400, invalid('Invoice must have at least one line', 'lines')]);
      expect(
        await post({
          customer: customer.id,
          lines: [
            { quantity: 1, unit_amount: 1 },
            { quantity: '2', unit_amount: 1 },
          ],
        }),
      ).toEqual([400, invalid('quantity must be a positive integer', 'lines[1].quantity')]);
      expect(await post({ customer: customer.id, lines: [{ quantity: 1, unit_amount: -1 }] })).toEqual([
        400,
        invalid('unit_amount must be a non-negative integer', 'lines[0].unit_amount'),
      ]);
      expect(await post({ customer: customer.id, lines: [{ quantity: 1, unit_amount: 1 }], currency: 'euro' })).toEqual([
        400,
        invalid('Invalid currency: euro', 'currency'),
      ]);
      expect(await post({ customer: customer.id, lines: [{ quantity: 1, unit_amount: 1 }], tax_percent: 8.255 })).toEqual([
        400,
        invalid('tax_percent must be a number between 0 and 100 with at most two decimals', 'tax_percent'),
      ]);
      expect(await post({ customer: customer.id, lines: [{ quantity: 1, unit_amount: 1 }], due_days: 0 })).toEqual([
        400,
        invalid('due_days must be a positive integer', 'due_days'),
      ]);
      expect(await post({ customer: 'cus_0000000000000000', lines: [{ quantity: 1, unit_amount: 1 }] })).toEqual([
        404,
        { error: { type: 'not_found', message: 'No such customer: cus_0000000000000000' } },
      ]);
    });

    it('reads a historical invoice back exactly as stored', async () => {
      const stored = seed.invoices.find((i) => i.id === 'in_4c685b12f61d8d40')!;
      const r = await api('GET', `/invoices/${stored.id}`);
      expect(r.body).toMatchObject({
        number: stored.number,
        status: stored.status,
        tax: stored.tax,
        total: stored.total,
        tax_percent: '8.25',
        amount_remaining: stored.total - stored.amount_paid,
      });
    });

    it('answers another account’s invoice with 404, like a missing one (B2)', async () => {
      const theirs = seed.invoices.find((i) => i.account === 'acct_globex')!;
      const r = await api('GET', `/invoices/${theirs.id}`);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'not_found', message: `No such invoice: ${theirs.id}` } });
      expect((await api('GET', '/invoices/in_0000000000000000')).body).toEqual({
        error: { type: 'not_found', message: 'No such invoice: in_0000000000000000' },
      });
    });

    it('finalizes a draft with the next number, and an open invoice unchanged', async () => {
      const numbered = seed.invoices.filter((i) => i.account === 'acct_acme' && i.number !== null).length;
      const first = await api('POST', `/invoices/${draftId}/finalize`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'open', number: `INV-${String(numbered + 1).padStart(6, '0')}`, finalized_at: expect.any(Number) });
      const again = await api('POST', `/invoices/${draftId}/finalize`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
    });

    it('voids drafts and open invoices, but not paid or void ones', async () => {
      const paid = seed.invoices.find((i) => i.account === 'acct_acme' && i.status === 'paid')!;
      expect((await api('POST', `/invoices/${paid.id}/void`)).body).toEqual({ error: { type: 'conflict', message: 'Cannot void a paid invoice' } });
      expect((await api('POST', `/invoices/${paid.id}/finalize`)).body).toEqual({
        error: { type: 'conflict', message: 'Cannot finalize an invoice with status paid' },
      });
      const draft = await api('POST', '/invoices', { body: { customer: customer.id, lines: [{ quantity: 1, unit_amount: 100 }] } });
      const voided = await api('POST', `/invoices/${draft.body.id}/void`);
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({ status: 'void', voided_at: expect.any(Number), number: null });
      const twice = await api('POST', `/invoices/${draft.body.id}/void`);
      expect(twice.status).toBe(409);
      expect(twice.body).toEqual({ error: { type: 'conflict', message: `Invoice ${draft.body.id} is already void` } });
      expect((await api('POST', `/invoices/${draft.body.id}/finalize`)).body).toEqual({
        error: { type: 'conflict', message: 'Cannot finalize an invoice with status void' },
      });
      expect((await api('POST', '/invoices/in_0000000000000000/void')).status).toBe(404);
    });

    it('lists a customer’s invoices by id descending (R1), with a working cursor', async () => {
      const owner = seed.customers.find((c) => seed.invoices.filter((i) => i.customer === c.id).length >= 4)!;
      const ids = seed.invoices
        .filter((i) => i.customer === owner.id)
        .map((i) => i.id)
        .sort()
        .reverse();
      const r = await api('GET', `/customers/${owner.id}/invoices`, { key: keyOf(owner.account) });
      expect(Object.keys(r.body)).toEqual(['object', 'url', 'data', 'has_more']);
      expect(r.body).toMatchObject({ object: 'list', url: `/customers/${owner.id}/invoices`, has_more: false });
      expect(r.body.data.map((i: { id: string }) => i.id)).toEqual(ids);
      const page1 = await api('GET', `/customers/${owner.id}/invoices?limit=2`, { key: keyOf(owner.account) });
      expect(page1.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
      expect(page1.body.has_more).toBe(true);
      const page2 = await api('GET', `/customers/${owner.id}/invoices?limit=2&starting_after=${ids[1]}`, { key: keyOf(owner.account) });
      expect(page2.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(2, 4));
      const one = await api('GET', `/customers/${owner.id}/invoices?limit=0`, { key: keyOf(owner.account) });
      expect(one.body.data).toHaveLength(1);
      const unknown = await api('GET', `/customers/${owner.id}/invoices?starting_after=in_0000000000000000`, { key: keyOf(owner.account) });
      expect(unknown.body).toEqual({ object: 'list', url: `/customers/${owner.id}/invoices`, data: [], has_more: false });
      const paid = await api('GET', `/customers/${owner.id}/invoices?status=paid&limit=100`, { key: keyOf(owner.account) });
      expect(paid.body.data.every((i: { status: string }) => i.status === 'paid')).toBe(true);
      expect((await api('GET', '/customers/cus_0000000000000000/invoices')).body).toEqual({
        error: { type: 'not_found', message: 'No such customer: cus_0000000000000000' },
      });
    });
  });

  describe('payments', () => {
    const customer = acmeCustomers[4]!;
    let invoiceId = '';
    let paymentId = '';

    beforeAll(async () => {
      const draft = await api('POST', '/invoices', { body: { customer: customer.id, lines: [{ description: 'Plan', quantity: 1, unit_amount: 5000 }] } });
      invoiceId = draft.body.id;
    });

    it('refuses to pay a draft, then pays an open invoice in part, idempotently', async () => {
      const draft = await api('POST', '/payments', { body: { invoice: invoiceId } });
      expect(draft.status).toBe(409);
      expect(draft.body).toEqual({ error: { type: 'conflict', message: `Invoice ${invoiceId} is not open (status: draft)` } });
      await api('POST', `/invoices/${invoiceId}/finalize`);

      const headers = { 'idempotency-key': `smoke-${crypto.randomUUID()}` };
      const first = await api('POST', '/payments', { body: { invoice: invoiceId, amount: 1500 }, headers });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(Object.keys(first.body)).toEqual(PAYMENT_KEYS);
      expect(first.body).toEqual({
        id: expect.stringMatching(/^py_[0-9a-f]{16}$/),
        object: 'payment',
        invoice: invoiceId,
        amount: 1500,
        currency: 'usd',
        status: 'succeeded',
        amount_refunded: 0,
        disputed: false,
        created: expect.any(Number),
        refunds: [],
      });
      paymentId = first.body.id;

      const replay = await api('POST', '/payments', { body: { invoice: invoiceId, amount: 1500 }, headers });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      const reused = await api('POST', '/payments', { body: { invoice: invoiceId, amount: 1600 }, headers });
      expect(reused.status).toBe(409);
      expect(reused.body).toEqual({ error: { type: 'conflict', message: 'Keys for idempotent requests can only be used with the same parameters' } });
      expect((await api('GET', `/invoices/${invoiceId}`)).body).toMatchObject({ status: 'open', amount_paid: 1500, amount_remaining: 3500 });

      // An error answer is stored and replayed as well.
      const failing = { 'idempotency-key': `smoke-${crypto.randomUUID()}` };
      const missing = await api('POST', '/payments', { body: {}, headers: failing });
      expect(missing.body).toEqual(invalid('Missing required param: invoice', 'invoice'));
      const again = await api('POST', '/payments', { body: {}, headers: failing });
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([400, 'true']);
    });

    it('checks amounts against what remains, and pays the rest by default', async () => {
      const tooMuch = await api('POST', '/payments', { body: { invoice: invoiceId, amount: 5000 } });
      expect(tooMuch.body).toEqual(invalid('Amount 5000 exceeds the amount remaining (3500)', 'amount'));
      expect((await api('POST', '/payments', { body: { invoice: invoiceId, amount: '100' } })).body).toEqual(
        invalid('amount must be a positive integer', 'amount'),
      );
      expect((await api('POST', '/payments', { body: { invoice: 'in_0000000000000000' } })).body).toEqual({
        error: { type: 'not_found', message: 'No such invoice: in_0000000000000000' },
      });
      const rest = await api('POST', '/payments', { body: { invoice: invoiceId } });
      expect(rest.body).toMatchObject({ amount: 3500 });
      expect((await api('GET', `/invoices/${invoiceId}`)).body).toMatchObject({
        status: 'paid',
        amount_paid: 5000,
        amount_remaining: 0,
        paid_at: expect.any(Number),
      });
      const closed = await api('POST', '/payments', { body: { invoice: invoiceId } });
      expect(closed.body).toEqual({ error: { type: 'conflict', message: `Invoice ${invoiceId} is not open (status: paid)` } });
    });

    it('reads a payment with its refunds, oldest first', async () => {
      const r = await api('GET', '/payments/py_5eed000000000b03');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: 'py_5eed000000000b03', amount: 10000, amount_refunded: 8000, disputed: false });
      expect(r.body.refunds.map((x: { id: string }) => x.id)).toEqual(['re_5eed00000000b031', 're_5eed00000000b032']);
      expect(Object.keys(r.body.refunds[0])).toEqual(REFUND_KEYS);
      expect(r.body.refunds[0]).toMatchObject({
        object: 'refund',
        payment: 'py_5eed000000000b03',
        amount: 5000,
        reason: 'requested_by_customer',
        status: 'succeeded',
      });
      const theirs = seed.payments.find((p) => p.account === 'acct_globex')!;
      expect((await api('GET', `/payments/${theirs.id}`)).body).toEqual({ error: { type: 'not_found', message: `No such payment: ${theirs.id}` } });
    });

    it('refunds at most the unrefunded amount (B3)', async () => {
      const r = await api('POST', '/payments/py_5eed000000000b03/refunds', { body: { amount: 3000 } });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(invalid('Refund amount (3000) is greater than unrefunded amount on payment (2000)', 'amount'));
    });

    it('refunds in part, then the rest by default', async () => {
      const part = await api('POST', `/payments/${paymentId}/refunds`, { body: { amount: 400, reason: 'duplicate' } });
      expect(part.status).toBe(201);
      expect(Object.keys(part.body)).toEqual(REFUND_KEYS);
      expect(part.body).toEqual({
        id: expect.stringMatching(/^re_[0-9a-f]{16}$/),
        object: 'refund',
        payment: paymentId,
        amount: 400,
        reason: 'duplicate',
        status: 'succeeded',
        created: expect.any(Number),
      });
      expect((await api('POST', `/payments/${paymentId}/refunds`, { body: { reason: 'bored' } })).body).toEqual(invalid('Invalid reason: bored', 'reason'));
      const rest = await api('POST', `/payments/${paymentId}/refunds`, {});
      expect(rest.body).toMatchObject({ amount: 1100, reason: null });
      expect((await api('POST', `/payments/${paymentId}/refunds`, { body: { amount: 1 } })).body).toEqual(
        invalid('Refund amount (1) is greater than unrefunded amount on payment (0)', 'amount'),
      );
      const read = await api('GET', `/payments/${paymentId}`);
      expect(read.body).toMatchObject({ amount_refunded: 1500 });
      expect(read.body.refunds.map((x: { amount: number }) => x.amount).sort()).toEqual([1100, 400]);
      expect((await api('POST', '/payments/py_0000000000000000/refunds', { body: {} })).status).toBe(404);
    });

    it('rate limits POST /payments per API key, with Retry-After', async () => {
      const limited = await startBilling('rewrite', { rateLimit: { burst: 2, refillSeconds: 60 } });
      try {
        const post = caller(() => limited.url);
        expect((await post('POST', '/payments', { body: {} })).status).toBe(400);
        expect((await post('POST', '/payments', { body: {} })).status).toBe(400);
        const third = await post('POST', '/payments', { body: {} });
        expect(third.status).toBe(429);
        expect(third.body).toEqual({ error: { type: 'rate_limit_error', message: 'Too many requests' } });
        const retryAfter = Number(third.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        // Another key has its own bucket; reads are not limited.
        expect((await post('POST', '/payments', { key: GLOBEX, body: {} })).status).toBe(400);
        expect((await post('GET', '/payments/py_5eed000000000b03')).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('subscriptions', () => {
    const customer = acmeCustomers[5]!;

    it('creates monthly (30 days) and yearly (365 days) subscriptions', async () => {
      const month = await api('POST', '/subscriptions', { body: { customer: customer.id, plan: 'pro', amount: 4900, interval: 'month' } });
      expect(month.status).toBe(201);
      expect(Object.keys(month.body)).toEqual(SUBSCRIPTION_KEYS);
      expect(month.body).toEqual({
        id: expect.stringMatching(/^sub_[0-9a-f]{16}$/),
        object: 'subscription',
        customer: customer.id,
        plan: 'pro',
        amount: 4900,
        currency: 'usd',
        interval: 'month',
        status: 'active',
        cancel_at_period_end: false,
        current_period_start: month.body.created,
        current_period_end: month.body.created + 30 * DAY,
        canceled_at: null,
        created: expect.any(Number),
      });
      const year = await api('POST', '/subscriptions', { body: { customer: customer.id, plan: 'team', amount: 9900, interval: 'year', currency: 'EUR' } });
      expect(year.body).toMatchObject({ currency: 'eur', current_period_end: year.body.current_period_start + 365 * DAY });
    });

    it('validates the body in order', async () => {
      const post = (body: unknown) => api('POST', '/subscriptions', { body }).then((r) => r.body);
      expect(await post({ plan: 'pro' })).toEqual(invalid('Missing required param: customer', 'customer'));
      expect(await post({ customer: customer.id, amount: 100 })).toEqual(invalid('Missing required param: plan', 'plan'));
      expect(await post({ customer: customer.id, plan: 'pro', amount: 0 })).toEqual(invalid('amount must be a positive integer', 'amount'));
      expect(await post({ customer: customer.id, plan: 'pro', amount: 100 })).toEqual(invalid('Missing required param: interval', 'interval'));
      expect(await post({ customer: customer.id, plan: 'pro', amount: 100, interval: 'week' })).toEqual(invalid('Invalid interval: week', 'interval'));
      expect(await post({ customer: 'cus_0000000000000000', plan: 'pro', amount: 100, interval: 'month' })).toEqual({
        error: { type: 'not_found', message: 'No such customer: cus_0000000000000000' },
      });
    });

    it('cancels at period end or now, and only once', async () => {
      const sub = await api('POST', '/subscriptions', { body: { customer: customer.id, plan: 'pro', amount: 4900, interval: 'month' } });
      const later = await api('POST', `/subscriptions/${sub.body.id}/cancel`, { body: { at_period_end: true } });
      expect(later.status).toBe(200);
      expect(later.body).toMatchObject({ status: 'active', cancel_at_period_end: true, canceled_at: null });
      expect((await api('POST', `/subscriptions/${sub.body.id}/cancel`, { body: { at_period_end: 'yes' } })).body).toEqual(
        invalid('at_period_end must be a boolean', 'at_period_end'),
      );
      const now = await api('POST', `/subscriptions/${sub.body.id}/cancel/`);
      expect(now.body).toMatchObject({ status: 'canceled', canceled_at: expect.any(Number) });
      const twice = await api('POST', `/subscriptions/${sub.body.id}/cancel`, { body: {} });
      expect(twice.status).toBe(409);
      expect(twice.body).toEqual({ error: { type: 'conflict', message: `Subscription ${sub.body.id} is already canceled` } });
      expect((await api('POST', '/subscriptions/sub_0000000000000000/cancel', { body: {} })).body).toEqual({
        error: { type: 'not_found', message: 'No such subscription: sub_0000000000000000' },
      });
    });
  });

  describe('provider webhook', () => {
    const payment = seed.payments.find((p) => p.account === 'acct_globex')!;
    const event = (type: string, id = `evt_${crypto.randomBytes(8).toString('hex')}`) => JSON.stringify({ id, type, data: { payment: payment.id } });
    const deliver = (body: string, sig: string | null) =>
      api('POST', '/webhooks/provider', { key: null, raw: body, headers: sig === null ? {} : { 'provider-signature': sig } });
    const disputed = async () => (await api('GET', `/payments/${payment.id}`, { key: GLOBEX })).body.disputed;

    it('rejects a missing, malformed or wrong signature with 400', async () => {
      const body = event('payment.disputed');
      const bad = { error: { type: 'invalid_request_error', message: 'Invalid signature' } };
      expect(await deliver(body, null).then((r) => [r.status, r.body])).toEqual([400, bad]);
      expect((await deliver(body, 'v1=abc')).body).toEqual(bad);
      expect((await deliver(body, signature(body, undefined, 'whsec_other'))).body).toEqual(bad);
      expect((await deliver(`${body} `, signature(body))).body).toEqual(bad);
      expect(await disputed()).toBe(false);
    });

    it('rejects a timestamp outside the tolerance', async () => {
      const body = event('payment.disputed');
      const old = await deliver(body, signature(body, Math.floor(Date.now() / 1000) - 301));
      expect(old.status).toBe(400);
      expect(old.body).toEqual({ error: { type: 'invalid_request_error', message: 'Timestamp outside the tolerance zone' } });
      expect(await disputed()).toBe(false);
    });

    it('applies disputes once per event id, and acknowledges everything else', async () => {
      const opened = event('payment.disputed');
      const r = await deliver(opened, signature(opened));
      expect([r.status, r.body]).toEqual([200, { received: true }]);
      expect(await disputed()).toBe(true);

      const closedId = `evt_${crypto.randomBytes(8).toString('hex')}`;
      const closed = event('payment.dispute_closed', closedId);
      expect((await deliver(closed, signature(closed))).body).toEqual({ received: true });
      expect(await disputed()).toBe(false);
      // The same event again, even re-signed, changes nothing.
      const reopened = JSON.stringify({ id: closedId, type: 'payment.disputed', data: { payment: payment.id } });
      expect((await deliver(reopened, signature(reopened))).status).toBe(200);
      expect(await disputed()).toBe(false);

      for (const other of [
        event('payout.paid'),
        JSON.stringify({ id: 'evt_x1', type: 'payment.disputed', data: { payment: 'py_0000000000000000' } }),
        '{}',
        '',
      ]) {
        const ack = await deliver(other, signature(other));
        expect([ack.status, ack.body], other).toEqual([200, { received: true }]);
      }
      expect((await deliver('{oops', signature('{oops'))).body).toEqual(invalid('Invalid JSON body'));
    });
  });
});
