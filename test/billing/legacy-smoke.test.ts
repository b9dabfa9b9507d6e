import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startBilling, type RunningBilling } from '../../examples/billing/index.js';

// Smoke test of the bundled legacy billing service (examples/billing/legacy): every endpoint
// at least once, over real HTTP, against the contract in examples/billing/API.md and the legacy
// column of examples/billing/DIFFERENCES.md.

const seed = loadSeed();
const ACME = seed.accounts.find((a) => a.id === 'acct_acme')!.api_key;
const GLOBEX = seed.accounts.find((a) => a.id === 'acct_globex')!.api_key;
const SECRET = 'whsec_parity_demo';
const DAY = 86_400;

/** What JSON.parse returns: the tests read response fields freely and assert on them. */
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
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base()}${path}`, { method, headers, ...(payload !== undefined && { body: payload }) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

function sign(body: string, t: number = Math.floor(Date.now() / 1000), secret = SECRET): string {
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

describe('legacy billing service', () => {
  let legacy: RunningBilling;
  const api = caller(() => legacy.url);

  beforeAll(async () => {
    legacy = await startBilling('legacy');
  });

  afterAll(async () => {
    await legacy?.close();
  });

  describe('conventions', () => {
    it('rejects a missing API key with 401', async () => {
      const r = await api('GET', '/customers', { key: null });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(r.body).toEqual({ error: { type: 'authentication_error', message: 'No API key provided' } });
    });

    it('rejects an unknown API key with 401, echoing it masked', async () => {
      const r = await api('POST', '/payments', { key: 'sk_test_nope_0123456789abcd', body: {} });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: { type: 'authentication_error', message: 'Invalid API key provided: sk_test_...abcd' } });
    });

    it('answers an unknown route with 404', async () => {
      const r = await api('GET', '/nope');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { type: 'not_found', message: 'Unrecognized request URL (GET: /nope)' } });
    });

    it('answers a body that is not JSON with 400', async () => {
      const r = await api('POST', '/customers', { raw: '{"email": ' });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid JSON body' } });
    });

    it('sends no etag or x-powered-by', async () => {
      const r = await api('GET', '/customers');
      expect(r.headers.get('etag')).toBeNull();
      expect(r.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('customers', () => {
    const acmeCustomers = seed.customers
      .filter((c) => c.account === 'acct_acme')
      .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    it('lists page 1 with the defaults, created then id ascending', async () => {
      const r = await api('GET', '/customers');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ object: 'list', page: 1, per_page: 20, total_count: acmeCustomers.length, has_more: true });
      expect(r.body.data.map((c: Json) => c.id)).toEqual(acmeCustomers.slice(0, 20).map((c) => c.id));
      expect(Object.keys(r.body)).toEqual(['object', 'data', 'page', 'per_page', 'total_count', 'has_more']);
    });

    it('accepts a trailing slash', async () => {
      const plain = await api('GET', '/customers?page=2&per_page=5');
      const slashed = await api('GET', '/customers/?page=2&per_page=5');
      expect(slashed.status).toBe(200);
      expect(slashed.body).toEqual(plain.body);
      expect(slashed.body.data.map((c: Json) => c.id)).toEqual(acmeCustomers.slice(5, 10).map((c) => c.id));
    });

    it('clamps per_page to 100, falls back to defaults on bad values, and answers an empty last page', async () => {
      const big = await api('GET', '/customers?per_page=1000');
      expect(big.body).toMatchObject({ page: 1, per_page: 100, total_count: acmeCustomers.length, has_more: false });
      expect(big.body.data).toHaveLength(acmeCustomers.length);

      const bad = await api('GET', '/customers?page=0&per_page=abc');
      expect(bad.body).toMatchObject({ page: 1, per_page: 20 });
      const negative = await api('GET', '/customers?page=-3&per_page=-1');
      expect(negative.body).toMatchObject({ page: 1, per_page: 20 });

      const past = await api('GET', '/customers?page=99');
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ object: 'list', data: [], page: 99, per_page: 20, total_count: acmeCustomers.length, has_more: false });

      const last = await api('GET', '/customers?page=3');
      expect(last.body.data).toHaveLength(20);
      expect(last.body.has_more).toBe(false);
    });

    it('filters by email after lowercasing', async () => {
      const target = acmeCustomers[7]!;
      const r = await api('GET', `/customers?email=${encodeURIComponent(target.email.toUpperCase())}`);
      expect(r.body.total_count).toBe(1);
      expect(r.body.data[0].id).toBe(target.id);
    });

    let ada: Json;

    it('creates a customer, trimming and lowercasing the email, with null phone and address', async () => {
      const before = nowSeconds();
      const r = await api('POST', '/customers', { body: { email: '  Ada@Example.TEST ', name: 'Ada' } });
      expect(r.status).toBe(201);
      ada = r.body;
      expect(ada.id).toMatch(/^cus_[0-9a-f]{16}$/);
      expect(ada).toEqual({
        id: ada.id,
        object: 'customer',
        email: 'ada@example.test',
        name: 'Ada',
        phone: null,
        address: null,
        metadata: {},
        balance: 0,
        created: ada.created,
      });
      expect(Object.keys(ada)).toEqual(['id', 'object', 'email', 'name', 'phone', 'address', 'metadata', 'balance', 'created']);
      expect(ada.created).toBeGreaterThanOrEqual(before);
      expect(ada.created).toBeLessThanOrEqual(nowSeconds());
    });

    it('validates the email', async () => {
      const missing = await api('POST', '/customers', { body: { name: 'Nobody' } });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: { type: 'invalid_request_error', message: 'Missing required param: email', param: 'email' } });
      const invalid = await api('POST', '/customers', { body: { email: 'nope' } });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid email address: nope', param: 'email' } });
    });

    it('gets a customer, also with a trailing slash; another account gets 404', async () => {
      const r = await api('GET', `/customers/${ada.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(ada);
      const slashed = await api('GET', `/customers/${ada.id}/`);
      expect(slashed.status).toBe(200);
      expect(slashed.body).toEqual(ada);
      const other = await api('GET', `/customers/${ada.id}`, { key: GLOBEX });
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ error: { type: 'not_found', message: `No such customer: ${ada.id}` } });
      const missing = await api('GET', '/customers/cus_0123456789abcdef');
      expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such customer: cus_0123456789abcdef' } });
    });

    it('PATCH merges metadata, removes keys set to "", and keeps address present as null', async () => {
      const created = await api('POST', '/customers', { body: { email: 'grace@example.test', metadata: { tier: 'gold', region: 'eu' } } });
      expect(created.body.metadata).toEqual({ tier: 'gold', region: 'eu' });
      const r = await api('PATCH', `/customers/${created.body.id}`, {
        body: { email: ' Grace.Hopper@Example.TEST', phone: '+1 555 0100', metadata: { region: '', plan: 'pro' } },
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        ...created.body,
        email: 'grace.hopper@example.test',
        phone: '+1 555 0100',
        address: null,
        metadata: { tier: 'gold', plan: 'pro' },
      });
      const cleared = await api('PATCH', `/customers/${created.body.id}`, { body: { phone: null, name: 'Grace' } });
      expect(cleared.body).toMatchObject({ phone: null, name: 'Grace', address: null, metadata: { tier: 'gold', plan: 'pro' } });
      const address = { line1: '1 Main St', city: 'Lyon', postal_code: '69001', country: 'FR' };
      const withAddress = await api('PATCH', `/customers/${created.body.id}`, { body: { address } });
      expect(withAddress.body.address).toEqual(address);
      const missing = await api('PATCH', '/customers/cus_0123456789abcdef', { body: { name: 'X' } });
      expect(missing.status).toBe(404);
      const invalid = await api('PATCH', `/customers/${created.body.id}`, { body: { email: 'nope' } });
      expect(invalid.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid email address: nope', param: 'email' } });
    });
  });

  describe('invoices', () => {
    let customerId: string;
    let invoice: Json;

    beforeAll(async () => {
      customerId = (await api('POST', '/customers', { body: { email: 'billing@example.test' } })).body.id;
    });

    it('creates an invoice with the legacy per-line truncated tax (B1)', async () => {
      const r = await api('POST', '/invoices', {
        body: {
          customer: customerId,
          lines: [
            { description: 'Seat', quantity: 1, unit_amount: 1999 },
            { description: 'Seat', quantity: 1, unit_amount: 1999 },
          ],
          tax_percent: 8.25,
        },
      });
      expect(r.status).toBe(201);
      invoice = r.body;
      expect(invoice.id).toMatch(/^in_[0-9a-f]{16}$/);
      expect(invoice).toEqual({
        id: invoice.id,
        object: 'invoice',
        customer: customerId,
        number: null,
        status: 'draft',
        currency: 'usd',
        lines: [
          { description: 'Seat', quantity: 1, unit_amount: 1999, amount: 1999 },
          { description: 'Seat', quantity: 1, unit_amount: 1999, amount: 1999 },
        ],
        subtotal: 3998,
        tax_percent: '8.25',
        tax: 328,
        total: 4326,
        amount_paid: 0,
        amount_remaining: 4326,
        due_date: new Date((invoice.created + 30 * DAY) * 1000).toISOString().slice(0, 10),
        created: invoice.created,
        finalized_at: null,
        paid_at: null,
        voided_at: null,
      });
    });

    it('answers tax_percent with two decimals and honours currency and due_days', async () => {
      const r = await api('POST', '/invoices', {
        body: { customer: customerId, lines: [{ quantity: 2, unit_amount: 500 }], currency: 'EUR', due_days: 7 },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ tax_percent: '0.00', tax: 0, total: 1000, currency: 'eur', lines: [{ description: '', amount: 1000 }] });
      expect(r.body.due_date).toBe(new Date((r.body.created + 7 * DAY) * 1000).toISOString().slice(0, 10));
    });

    it('validates the body in order, then the customer', async () => {
      const cases: [unknown, string, string][] = [
        [{ lines: [] }, 'Missing required param: customer', 'customer'],
        [{ customer: customerId, lines: [] }, 'Invoice must have at least one line', 'lines'],
        [{ customer: customerId }, 'Invoice must have at least one line', 'lines'],
        [{ customer: customerId, lines: [{ quantity: '2', unit_amount: 1 }] }, 'quantity must be a positive integer', 'lines[0].quantity'],
        [
          {
            customer: customerId,
            lines: [
              { quantity: 1, unit_amount: 1 },
              { quantity: 1, unit_amount: 1.5 },
            ],
          },
          'unit_amount must be a non-negative integer',
          'lines[1].unit_amount',
        ],
        [
          { customer: customerId, lines: [{ quantity: 1, unit_amount: 1 }], tax_percent: 8.255 },
          'tax_percent must be a number between 0 and 100 with at most two decimals',
          'tax_percent',
        ],
        [
          { customer: customerId, lines: [{ quantity: 1, unit_amount: 1 }], tax_percent: 101 },
          'tax_percent must be a number between 0 and 100 with at most two decimals',
          'tax_percent',
        ],
        [
          { customer: customerId, lines: [{ quantity: 1, unit_amount: 1 }], tax_percent: '8.25' },
          'tax_percent must be a number between 0 and 100 with at most two decimals',
          'tax_percent',
        ],
      ];
      for (const [body, message, param] of cases) {
        const r = await api('POST', '/invoices', { body });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body).toEqual({ error: { type: 'invalid_request_error', message, param } });
      }
      const unknown = await api('POST', '/invoices', { body: { customer: 'cus_0123456789abcdef', lines: [{ quantity: 1, unit_amount: 1 }] } });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: { type: 'not_found', message: 'No such customer: cus_0123456789abcdef' } });
    });

    it("gets an invoice; another account's invoice is 403 (B2), a missing one 404", async () => {
      const r = await api('GET', `/invoices/${invoice.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(invoice);
      const globexInvoice = seed.invoices.find((i) => i.account === 'acct_globex')!;
      const other = await api('GET', `/invoices/${globexInvoice.id}`);
      expect(other.status).toBe(403);
      expect(other.body).toEqual({ error: { type: 'permission_error', message: `Invoice ${globexInvoice.id} belongs to another account` } });
      const missing = await api('GET', '/invoices/in_0123456789abcdef');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such invoice: in_0123456789abcdef' } });
    });

    it('reads a seed invoice back exactly as stored', async () => {
      const stored = seed.invoices.find((i) => i.id === 'in_5eed000000000b03')!;
      const r = await api('GET', '/invoices/in_5eed000000000b03');
      expect(r.body).toMatchObject({
        number: 'INV-000097',
        status: stored.status,
        total: stored.total,
        amount_paid: 10000,
        amount_remaining: 0,
        tax_percent: '0.00',
      });
    });

    it('finalizes with the next number, and a second finalize answers 200 unchanged', async () => {
      const numbered = seed.invoices.filter((i) => i.account === 'acct_acme' && (i as Json).number).length;
      const first = await api('POST', `/invoices/${invoice.id}/finalize`);
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('open');
      expect(first.body.number).toMatch(/^INV-\d{6}$/);
      expect(first.body.number).toBe(`INV-${String(numbered + 1).padStart(6, '0')}`);
      expect(first.body.finalized_at).toBeGreaterThanOrEqual(invoice.created);
      const second = await api('POST', `/invoices/${invoice.id}/finalize/`);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      invoice = first.body;
      const other = await api('POST', `/invoices/${invoice.id}/finalize`, { key: GLOBEX });
      expect(other.status).toBe(404);
    });

    it('voids a draft, then refuses to void or finalize it again', async () => {
      const draft = await api('POST', '/invoices', { body: { customer: customerId, lines: [{ quantity: 1, unit_amount: 100 }] } });
      const voided = await api('POST', `/invoices/${draft.body.id}/void`);
      expect(voided.status).toBe(200);
      expect(voided.body.status).toBe('void');
      expect(voided.body.voided_at).toBeGreaterThanOrEqual(draft.body.created);
      const again = await api('POST', `/invoices/${draft.body.id}/void`);
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: { type: 'conflict', message: `Invoice ${draft.body.id} is already void` } });
      const finalize = await api('POST', `/invoices/${draft.body.id}/finalize`);
      expect(finalize.status).toBe(409);
      expect(finalize.body).toEqual({ error: { type: 'conflict', message: 'Cannot finalize an invoice with status void' } });
    });

    describe('payments', () => {
      let payment: Json;

      it('refuses a payment of a draft invoice and an amount above what remains', async () => {
        const draft = await api('POST', '/invoices', { body: { customer: customerId, lines: [{ quantity: 1, unit_amount: 100 }] } });
        const notOpen = await api('POST', '/payments', { body: { invoice: draft.body.id } });
        expect(notOpen.status).toBe(409);
        expect(notOpen.body).toEqual({ error: { type: 'conflict', message: `Invoice ${draft.body.id} is not open (status: draft)` } });
        const tooMuch = await api('POST', '/payments', { body: { invoice: invoice.id, amount: 5000 } });
        expect(tooMuch.status).toBe(400);
        expect(tooMuch.body).toEqual({
          error: { type: 'invalid_request_error', message: 'Amount 5000 exceeds the amount remaining (4326)', param: 'amount' },
        });
        const missing = await api('POST', '/payments', { body: {} });
        expect(missing.body).toEqual({ error: { type: 'invalid_request_error', message: 'Missing required param: invoice', param: 'invoice' } });
        const badAmount = await api('POST', '/payments', { body: { invoice: invoice.id, amount: '12' } });
        expect(badAmount.body).toEqual({ error: { type: 'invalid_request_error', message: 'amount must be a positive integer', param: 'amount' } });
        const unknown = await api('POST', '/payments', { body: { invoice: 'in_0123456789abcdef' } });
        expect(unknown.status).toBe(404);
        expect(unknown.body).toEqual({ error: { type: 'not_found', message: 'No such invoice: in_0123456789abcdef' } });
      });

      it('replays a payment with the same Idempotency-Key, and refuses a different body', async () => {
        const headers = { 'idempotency-key': `smoke-${crypto.randomUUID()}` };
        const first = await api('POST', '/payments', { body: { invoice: invoice.id, amount: 1000 }, headers });
        expect(first.status).toBe(201);
        expect(first.headers.get('idempotent-replayed')).toBeNull();
        payment = first.body;
        expect(payment.id).toMatch(/^py_[0-9a-f]{16}$/);
        expect(payment).toEqual({
          id: payment.id,
          object: 'payment',
          invoice: invoice.id,
          amount: 1000,
          currency: 'usd',
          status: 'succeeded',
          amount_refunded: 0,
          disputed: false,
          created: payment.created,
          refunds: [],
        });

        const replay = await api('POST', '/payments', { body: { invoice: invoice.id, amount: 1000 }, headers });
        expect(replay.status).toBe(201);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body).toEqual(payment);

        const different = await api('POST', '/payments', { body: { invoice: invoice.id, amount: 999 }, headers });
        expect(different.status).toBe(409);
        expect(different.body).toEqual({
          error: { type: 'conflict', message: 'Keys for idempotent requests can only be used with the same parameters' },
        });

        // the replay did nothing: only one payment of 1000 was applied
        const after = await api('GET', `/invoices/${invoice.id}`);
        expect(after.body).toMatchObject({ status: 'open', amount_paid: 1000, amount_remaining: 3326 });

        // the key belongs to the account: another account's use of it is a fresh request
        const otherAccount = await api('POST', '/payments', { key: GLOBEX, body: { invoice: invoice.id, amount: 1000 }, headers });
        expect(otherAccount.status).toBe(404);
      });

      it('pays the rest by default, which marks the invoice paid; a paid invoice cannot be voided', async () => {
        const rest = await api('POST', '/payments/', { body: { invoice: invoice.id } });
        expect(rest.status).toBe(201);
        expect(rest.body.amount).toBe(3326);
        const paid = await api('GET', `/invoices/${invoice.id}`);
        expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 4326, amount_remaining: 0 });
        expect(paid.body.paid_at).toBeGreaterThanOrEqual(invoice.finalized_at);
        const again = await api('POST', '/payments', { body: { invoice: invoice.id } });
        expect(again.status).toBe(409);
        expect(again.body.error.message).toBe(`Invoice ${invoice.id} is not open (status: paid)`);
        const voided = await api('POST', `/invoices/${invoice.id}/void`);
        expect(voided.status).toBe(409);
        expect(voided.body).toEqual({ error: { type: 'conflict', message: 'Cannot void a paid invoice' } });
        const finalize = await api('POST', `/invoices/${invoice.id}/finalize`);
        expect(finalize.status).toBe(409);
        expect(finalize.body.error.message).toBe('Cannot finalize an invoice with status paid');
      });

      it('refunds partially, listing refunds oldest first on the payment', async () => {
        const first = await api('POST', `/payments/${payment.id}/refunds`, { body: { amount: 500, reason: 'requested_by_customer' } });
        expect(first.status).toBe(201);
        expect(first.body.id).toMatch(/^re_[0-9a-f]{16}$/);
        expect(first.body).toEqual({
          id: first.body.id,
          object: 'refund',
          payment: payment.id,
          amount: 500,
          reason: 'requested_by_customer',
          status: 'succeeded',
          created: first.body.created,
        });
        const second = await api('POST', `/payments/${payment.id}/refunds`, { body: { amount: 300 } });
        expect(second.status).toBe(201);
        expect(second.body.reason).toBeNull();

        const badReason = await api('POST', `/payments/${payment.id}/refunds`, { body: { amount: 1, reason: 'bored' } });
        expect(badReason.status).toBe(400);
        expect(badReason.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid reason: bored', param: 'reason' } });
        const over = await api('POST', `/payments/${payment.id}/refunds`, { body: { amount: 1001 } });
        expect(over.status).toBe(400);
        expect(over.body).toEqual({
          error: { type: 'invalid_request_error', message: 'Refund amount (1001) is greater than unrefunded amount on payment (1000)', param: 'amount' },
        });
        const missing = await api('POST', '/payments/py_0123456789abcdef/refunds', { body: {} });
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such payment: py_0123456789abcdef' } });

        const r = await api('GET', `/payments/${payment.id}`);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ amount: 1000, amount_refunded: 800 });
        expect(r.body.refunds).toEqual([first.body, second.body]);

        // the default amount is what is left unrefunded
        const rest = await api('POST', `/payments/${payment.id}/refunds`, { body: {} });
        expect(rest.status).toBe(201);
        expect(rest.body.amount).toBe(200);

        const other = await api('GET', `/payments/${payment.id}`, { key: GLOBEX });
        expect(other.status).toBe(404);
        expect(other.body).toEqual({ error: { type: 'not_found', message: `No such payment: ${payment.id}` } });
      });

      it('checks a refund against the original amount (B3): 3000 more on py_5eed000000000b03 is accepted', async () => {
        const before = await api('GET', '/payments/py_5eed000000000b03');
        expect(before.body).toMatchObject({ amount: 10000, amount_refunded: 8000 });
        expect(before.body.refunds.map((r: Json) => r.id)).toEqual(['re_5eed00000000b031', 're_5eed00000000b032']);
        const r = await api('POST', '/payments/py_5eed000000000b03/refunds', { body: { amount: 3000 } });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ payment: 'py_5eed000000000b03', amount: 3000, reason: null, status: 'succeeded' });
        const after = await api('GET', '/payments/py_5eed000000000b03');
        expect(after.body.amount_refunded).toBe(11000);
        expect(after.body.refunds).toHaveLength(3);
        const over = await api('POST', '/payments/py_5eed000000000b03/refunds', { body: { amount: 10001 } });
        expect(over.body.error.message).toBe('Refund amount (10001) is greater than unrefunded amount on payment (10000)');
      });
    });
  });

  describe("a customer's invoices", () => {
    // the seed customer of acme with the most invoices
    const counts = new Map<string, number>();
    for (const i of seed.invoices) if (i.account === 'acct_acme') counts.set(i.customer, (counts.get(i.customer) ?? 0) + 1);
    const [customerId] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const expected = seed.invoices
      .filter((i) => i.customer === customerId)
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((i) => i.id);

    it('lists newest first, with cursor pagination', async () => {
      const all = await api('GET', `/customers/${customerId}/invoices`);
      expect(all.status).toBe(200);
      expect(all.body.object).toBe('list');
      expect(all.body.url).toBe(`/customers/${customerId}/invoices`);
      expect(all.body.data.map((i: Json) => i.id)).toEqual(expected.slice(0, 10));
      expect(all.body.has_more).toBe(expected.length > 10);
      expect(Object.keys(all.body)).toEqual(['object', 'url', 'data', 'has_more']);

      const page1 = await api('GET', `/customers/${customerId}/invoices?limit=2`);
      expect(page1.body.data.map((i: Json) => i.id)).toEqual(expected.slice(0, 2));
      expect(page1.body.has_more).toBe(true);
      const page2 = await api('GET', `/customers/${customerId}/invoices/?limit=2&starting_after=${expected[1]}`);
      expect(page2.body.data.map((i: Json) => i.id)).toEqual(expected.slice(2, 4));

      const zero = await api('GET', `/customers/${customerId}/invoices?limit=0`);
      expect(zero.body.data).toHaveLength(1);
    });

    it('filters by status', async () => {
      const status = seed.invoices.find((i) => i.customer === customerId)!.status;
      const r = await api('GET', `/customers/${customerId}/invoices?status=${status}`);
      expect(r.body.data.length).toBeGreaterThan(0);
      for (const i of r.body.data) expect(i.status).toBe(status);
    });

    it('answers an unknown starting_after with an empty page, and an unknown customer with 404', async () => {
      const r = await api('GET', `/customers/${customerId}/invoices?starting_after=in_0123456789abcdef`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ object: 'list', url: `/customers/${customerId}/invoices`, data: [], has_more: false });
      const missing = await api('GET', '/customers/cus_0123456789abcdef/invoices');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such customer: cus_0123456789abcdef' } });
    });
  });

  describe('subscriptions', () => {
    const customerId = seed.customers.find((c) => c.account === 'acct_acme')!.id;

    it('creates a monthly subscription of 30 days and a yearly one of 365', async () => {
      const r = await api('POST', '/subscriptions', { body: { customer: customerId, plan: 'pro', amount: 4900, interval: 'month' } });
      expect(r.status).toBe(201);
      const sub = r.body;
      expect(sub.id).toMatch(/^sub_[0-9a-f]{16}$/);
      expect(sub).toEqual({
        id: sub.id,
        object: 'subscription',
        customer: customerId,
        plan: 'pro',
        amount: 4900,
        currency: 'usd',
        interval: 'month',
        status: 'active',
        cancel_at_period_end: false,
        current_period_start: sub.created,
        current_period_end: sub.created + 30 * DAY,
        canceled_at: null,
        created: sub.created,
      });
      const year = await api('POST', '/subscriptions', { body: { customer: customerId, plan: 'team', amount: 9900, interval: 'year' } });
      expect(year.body.current_period_end - year.body.current_period_start).toBe(365 * DAY);
    });

    it('validates the body, then the customer', async () => {
      const interval = await api('POST', '/subscriptions', { body: { customer: customerId, plan: 'pro', amount: 4900, interval: 'week' } });
      expect(interval.status).toBe(400);
      expect(interval.body).toEqual({ error: { type: 'invalid_request_error', message: 'Invalid interval: week', param: 'interval' } });
      const customer = await api('POST', '/subscriptions', { body: { plan: 'pro', amount: 4900, interval: 'month' } });
      expect(customer.body).toEqual({ error: { type: 'invalid_request_error', message: 'Missing required param: customer', param: 'customer' } });
      const plan = await api('POST', '/subscriptions', { body: { customer: customerId, plan: '', amount: 4900, interval: 'month' } });
      expect(plan.body.error).toMatchObject({ message: 'Missing required param: plan', param: 'plan' });
      const amount = await api('POST', '/subscriptions', { body: { customer: customerId, plan: 'pro', amount: 0, interval: 'month' } });
      expect(amount.body.error).toMatchObject({ message: 'amount must be a positive integer', param: 'amount' });
      const missing = await api('POST', '/subscriptions', { body: { customer: 'cus_0123456789abcdef', plan: 'pro', amount: 4900, interval: 'month' } });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such customer: cus_0123456789abcdef' } });
    });

    it('cancels at period end, then immediately, then refuses a second cancel', async () => {
      const sub = (await api('POST', '/subscriptions', { body: { customer: customerId, plan: 'pro', amount: 4900, interval: 'month' } })).body;
      const later = await api('POST', `/subscriptions/${sub.id}/cancel`, { body: { at_period_end: true } });
      expect(later.status).toBe(200);
      expect(later.body).toMatchObject({ status: 'active', cancel_at_period_end: true, canceled_at: null });
      const now = await api('POST', `/subscriptions/${sub.id}/cancel`);
      expect(now.status).toBe(200);
      expect(now.body.status).toBe('canceled');
      expect(now.body.canceled_at).toBeGreaterThanOrEqual(sub.created);
      const again = await api('POST', `/subscriptions/${sub.id}/cancel`, { body: {} });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: { type: 'conflict', message: `Subscription ${sub.id} is already canceled` } });
      const missing = await api('POST', '/subscriptions/sub_0123456789abcdef/cancel');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { type: 'not_found', message: 'No such subscription: sub_0123456789abcdef' } });
      const other = await api('POST', `/subscriptions/${sub.id}/cancel`, { key: GLOBEX });
      expect(other.status).toBe(404);
    });
  });

  describe('provider webhook', () => {
    const paymentId = seed.payments.find((p) => p.account === 'acct_globex')!.id;
    const globexGet = () => api('GET', `/payments/${paymentId}`, { key: GLOBEX });
    const post = (raw: string, signature: string | null) =>
      api('POST', '/webhooks/provider', { key: null, raw, headers: signature === null ? {} : { 'provider-signature': signature } });

    it('applies a validly signed dispute, once', async () => {
      const event = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'payment.disputed', data: { payment: paymentId } });
      const r = await post(event, sign(event));
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ received: true });
      expect((await globexGet()).body.disputed).toBe(true);

      const closed = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'payment.dispute_closed', data: { payment: paymentId } });
      expect((await post(closed, sign(closed))).body).toEqual({ received: true });
      expect((await globexGet()).body.disputed).toBe(false);

      // the first event again: acknowledged, no effect
      const duplicate = await post(event, sign(event));
      expect(duplicate.status).toBe(200);
      expect(duplicate.body).toEqual({ received: true });
      expect((await globexGet()).body.disputed).toBe(false);
    });

    it('acknowledges unknown types and unknown payments', async () => {
      const unknownType = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'payment.teleported', data: { payment: paymentId } });
      expect((await post(unknownType, sign(unknownType))).body).toEqual({ received: true });
      const unknownPayment = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'payment.disputed', data: { payment: 'py_0123456789abcdef' } });
      const r = await post(unknownPayment, sign(unknownPayment));
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ received: true });
    });

    it('refuses bad signatures and old timestamps with 400', async () => {
      const event = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'payment.disputed', data: { payment: paymentId } });
      const invalid = { error: { type: 'invalid_request_error', message: 'Invalid signature' } };
      const wrong = await post(event, sign(event, nowSeconds(), 'whsec_wrong'));
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual(invalid);
      expect((await post(event, null)).body).toEqual(invalid);
      expect((await post(event, 'garbage')).body).toEqual(invalid);
      const tampered = await post(event.replace('disputed', 'dispute_closed'), sign(event));
      expect(tampered.body).toEqual(invalid);
      const old = await post(event, sign(event, nowSeconds() - 301));
      expect(old.status).toBe(400);
      expect(old.body).toEqual({ error: { type: 'invalid_request_error', message: 'Timestamp outside the tolerance zone' } });
      expect((await globexGet()).body.disputed).toBe(false);
    });
  });
});

describe('legacy payment rate limit', () => {
  let limited: RunningBilling;
  const api = caller(() => limited.url);

  beforeAll(async () => {
    limited = await startBilling('legacy', { rateLimit: { burst: 2, refillSeconds: 60 } });
  });

  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 with Retry-After once the bucket is empty, per API key', async () => {
    const first = await api('POST', '/payments', { body: {} });
    const second = await api('POST', '/payments', { body: {} });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    const third = await api('POST', '/payments', { body: {} });
    expect(third.status).toBe(429);
    expect(third.body).toEqual({ error: { type: 'rate_limit_error', message: 'Too many requests' } });
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // another key has its own bucket; other routes are not limited
    expect((await api('POST', '/payments', { key: GLOBEX, body: {} })).status).toBe(400);
    expect((await api('GET', '/payments/py_5eed000000000b03')).status).toBe(200);
    // auth still comes first
    expect((await api('POST', '/payments', { key: null, body: {} })).status).toBe(401);
  });
});
