#!/usr/bin/env node
// Writes ../seed.json: a fixed snapshot of "production" data that both the legacy and the
// rewrite load on start, so that both begin in the same state with the same ids (as a team
// shadowing against a copy of production would). Deterministic: a seeded PRNG, fixed clock.
//
//   node examples/billing/tools/generate-seed.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(20191107);
const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (list) => list[int(0, list.length - 1)];
const hex16 = () => Array.from({ length: 16 }, () => '0123456789abcdef'[int(0, 15)]).join('');
const DAY = 86_400;
const dateOf = (unix) => new Date(unix * 1000).toISOString().slice(0, 10);

// The legacy's tax computation, as it computed the stored invoices (see DIFFERENCES.md, B1).
const legacyTax = (lines, bp) => lines.reduce((sum, line) => sum + Math.floor((line.quantity * line.unit_amount * bp) / 10_000), 0);

const accounts = [
  { id: 'acct_acme', name: 'Acme Corp', api_key: 'sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc' },
  { id: 'acct_globex', name: 'Globex', api_key: 'sk_test_globex_8fD21KpXzqRbBnvuE5wma3ke' },
  { id: 'acct_initech', name: 'Initech', api_key: 'sk_test_initech_2hJ77MwQtsYcCoxiF9ynb6rg' },
];
const CUSTOMERS_PER_ACCOUNT = { acct_acme: 60, acct_globex: 25, acct_initech: 10 };
const FIRST = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald', 'margaret', 'ken', 'radia', 'linus', 'frances', 'john'];
const LAST = ['lovelace', 'hopper', 'turing', 'dijkstra', 'liskov', 'knuth', 'hamilton', 'thompson', 'perlman', 'torvalds', 'allen', 'backus'];
const CITIES = [['Berlin', 'DE'], ['Lyon', 'FR'], ['Austin', 'US'], ['Leeds', 'GB'], ['Utrecht', 'NL']];
const PRICES = [333, 999, 1999, 2500, 4900, 12000];
const TAX_BP = [0, 500, 725, 825, 1900, 2000];
const PLANS = [['starter', 1900], ['pro', 4900], ['team', 9900]];

const customers = [];
const invoices = [];
const payments = [];
const refunds = [];
const subscriptions = [];
const numbers = Object.fromEntries(accounts.map((a) => [a.id, 0]));

let clock = Date.UTC(2019, 2, 1) / 1000;
for (const account of accounts) {
  for (let i = 0; i < CUSTOMERS_PER_ACCOUNT[account.id]; i++) {
    // Every fifth customer is created in the same second as the previous one, so that list
    // order has to break ties by id.
    if (i % 5 !== 4) clock += int(3_600, 20 * DAY);
    const first = pick(FIRST);
    const last = pick(LAST);
    const [city, country] = pick(CITIES);
    customers.push({
      id: `cus_${hex16()}`,
      account: account.id,
      email: `${first}.${last}${customers.length}@example.test`,
      name: `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`,
      phone: random() < 0.4 ? `+1 555 01${String(int(0, 99)).padStart(2, '0')}` : null,
      address: random() < 0.5 ? { line1: `${int(1, 200)} Main St`, city, postal_code: String(int(10000, 99999)), country } : null,
      metadata: random() < 0.3 ? { tier: pick(['gold', 'silver']) } : {},
      created: clock,
    });
  }
}

for (const customer of customers) {
  // The first customers of each account have several invoices, so list order shows (R1).
  const count = customers.filter((c) => c.account === customer.account).indexOf(customer) < 8 ? int(3, 6) : int(0, 3);
  let created = customer.created + DAY;
  for (let n = 0; n < count; n++) {
    created += int(DAY, 40 * DAY);
    const lines = Array.from({ length: int(1, 4) }, () => ({ description: pick(['Seat', 'Support', 'Storage', 'Setup fee', 'API calls']), quantity: int(1, 5), unit_amount: pick(PRICES) }));
    const bp = pick(TAX_BP);
    const subtotal = lines.reduce((s, l) => s + l.quantity * l.unit_amount, 0);
    const tax = legacyTax(lines, bp);
    const roll = random();
    const status = roll < 0.15 ? 'draft' : roll < 0.4 ? 'open' : roll < 0.9 ? 'paid' : 'void';
    const finalized = status !== 'draft' && !(status === 'void' && random() < 0.5);
    const invoice = {
      id: `in_${hex16()}`,
      account: customer.account,
      customer: customer.id,
      number: finalized ? `INV-${String(++numbers[customer.account]).padStart(6, '0')}` : null,
      status,
      currency: 'usd',
      lines,
      tax_percent_bp: bp,
      subtotal,
      tax,
      total: subtotal + tax,
      amount_paid: 0,
      due_date: dateOf(created + 30 * DAY),
      created,
      finalized_at: finalized ? created + int(60, DAY) : null,
      paid_at: null,
      voided_at: status === 'void' ? created + int(2 * DAY, 5 * DAY) : null,
    };
    invoices.push(invoice);
    if (status === 'paid' || (status === 'open' && random() < 0.3)) {
      const parts = status === 'paid' ? (random() < 0.25 ? 2 : 1) : 1;
      let remaining = invoice.total;
      for (let p = 0; p < parts; p++) {
        const amount = status === 'open' ? Math.floor(invoice.total / 2) : p === parts - 1 ? remaining : Math.floor(invoice.total / 2);
        if (amount <= 0) continue;
        remaining -= amount;
        const payment = { id: `py_${hex16()}`, account: invoice.account, invoice: invoice.id, amount, currency: 'usd', disputed: false, created: invoice.finalized_at + (p + 1) * int(3_600, 5 * DAY) };
        payments.push(payment);
        invoice.amount_paid += amount;
        if (random() < 0.15) refunds.push({ id: `re_${hex16()}`, account: invoice.account, payment: payment.id, amount: Math.max(1, Math.floor(amount / 4)), reason: pick([null, 'requested_by_customer', 'duplicate']), created: payment.created + DAY });
      }
      if (status === 'paid') invoice.paid_at = payments[payments.length - 1].created;
    }
  }
}

// The well-known payment of DIFFERENCES.md B3: 10000 paid, 8000 already refunded.
{
  const customer = customers.find((c) => c.account === 'acct_acme');
  const created = Date.UTC(2025, 5, 2) / 1000;
  const lines = [{ description: 'Annual license', quantity: 4, unit_amount: 2500 }];
  const invoice = {
    id: 'in_5eed000000000b03', account: customer.account, customer: customer.id, number: `INV-${String(++numbers[customer.account]).padStart(6, '0')}`,
    status: 'paid', currency: 'usd', lines, tax_percent_bp: 0, subtotal: 10000, tax: 0, total: 10000, amount_paid: 10000,
    due_date: dateOf(created + 30 * DAY), created, finalized_at: created + 600, paid_at: created + 3_600, voided_at: null,
  };
  invoices.push(invoice);
  payments.push({ id: 'py_5eed000000000b03', account: customer.account, invoice: invoice.id, amount: 10000, currency: 'usd', disputed: false, created: created + 3_600 });
  refunds.push({ id: 're_5eed00000000b031', account: customer.account, payment: 'py_5eed000000000b03', amount: 5000, reason: 'requested_by_customer', created: created + 2 * DAY });
  refunds.push({ id: 're_5eed00000000b032', account: customer.account, payment: 'py_5eed000000000b03', amount: 3000, reason: null, created: created + 3 * DAY });
}

for (const customer of customers.filter((_, i) => i % 6 === 0)) {
  const [plan, amount] = pick(PLANS);
  const interval = random() < 0.8 ? 'month' : 'year';
  const start = customer.created + int(DAY, 60 * DAY);
  const canceled = random() < 0.3;
  subscriptions.push({
    id: `sub_${hex16()}`, account: customer.account, customer: customer.id, plan, amount, currency: 'usd', interval,
    status: canceled ? 'canceled' : 'active', cancel_at_period_end: false,
    current_period_start: start, current_period_end: start + (interval === 'month' ? 30 : 365) * DAY,
    canceled_at: canceled ? start + int(DAY, 20 * DAY) : null, created: start,
  });
}

const seed = { generated_by: 'examples/billing/tools/generate-seed.mjs', accounts, customers, invoices, payments, refunds, subscriptions };
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'seed.json');
fs.writeFileSync(target, `${JSON.stringify(seed, null, 1)}\n`);
process.stdout.write(`wrote ${target}: ${customers.length} customers, ${invoices.length} invoices, ${payments.length} payments, ${refunds.length} refunds, ${subscriptions.length} subscriptions\n`);
