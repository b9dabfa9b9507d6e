import fs from 'node:fs';
import type { Address, Metadata } from '../domain/customer.js';
import type { InvoiceStatus, LineItem } from '../domain/invoice.js';
import type { RefundReason } from '../domain/payment.js';
import type { BillingInterval, SubscriptionStatus } from '../domain/subscription.js';
import { writeJson } from './json.js';
import type { Db } from './schema.js';

/** The shape of examples/billing/seed.json, shared with the legacy. */
interface SeedFile {
  accounts: { id: string; name: string; api_key: string }[];
  customers: {
    id: string;
    account: string;
    email: string;
    name: string | null;
    phone: string | null;
    address: Address | null;
    metadata: Metadata;
    created: number;
  }[];
  invoices: {
    id: string;
    account: string;
    customer: string;
    number: string | null;
    status: InvoiceStatus;
    currency: string;
    lines: LineItem[];
    tax_percent_bp: number;
    subtotal: number;
    tax: number;
    total: number;
    amount_paid: number;
    due_date: string;
    created: number;
    finalized_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  }[];
  payments: { id: string; account: string; invoice: string; amount: number; currency: string; disputed: boolean; created: number }[];
  refunds: { id: string; account: string; payment: string; amount: number; reason: RefundReason | null; created: number }[];
  subscriptions: {
    id: string;
    account: string;
    customer: string;
    plan: string;
    amount: number;
    currency: string;
    interval: BillingInterval;
    status: SubscriptionStatus;
    cancel_at_period_end: boolean;
    current_period_start: number;
    current_period_end: number;
    canceled_at: number | null;
    created: number;
  }[];
}

export function isEmpty(db: Db): boolean {
  return db.prepare('SELECT 1 FROM account LIMIT 1').get() === undefined;
}

/**
 * Loads the seed snapshot into an empty database. Invoices keep their stored amounts: they were
 * computed long ago and must read back exactly as they were.
 */
export function seedDatabase(db: Db, seedFile: string): void {
  if (!isEmpty(db)) return;
  const seed = JSON.parse(fs.readFileSync(seedFile, 'utf8')) as SeedFile;
  const refundedByPayment = new Map<string, number>();
  for (const refund of seed.refunds) refundedByPayment.set(refund.payment, (refundedByPayment.get(refund.payment) ?? 0) + refund.amount);

  const account = db.prepare('INSERT INTO account (id, name, api_key) VALUES (?, ?, ?)');
  const customer = db.prepare(
    `INSERT INTO customer (id, account_id, email, display_name, phone, address_json, metadata_json, balance_cents, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
  );
  const invoice = db.prepare(
    `INSERT INTO invoice (id, account_id, customer_id, invoice_number, status, currency, line_items, tax_rate_bp,
       subtotal_cents, tax_cents, total_cents, paid_cents, due_on, created_at, finalized_at, paid_at, voided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const payment = db.prepare(
    `INSERT INTO payment (id, account_id, invoice_id, money_cents, currency, status, refunded_cents, disputed, created_at)
     VALUES (?, ?, ?, ?, ?, 'succeeded', ?, ?, ?)`,
  );
  const refund = db.prepare(`INSERT INTO refund (id, account_id, payment_id, money_cents, reason, status, created_at) VALUES (?, ?, ?, ?, ?, 'succeeded', ?)`);
  const subscription = db.prepare(
    `INSERT INTO subscription (id, account_id, customer_id, plan_code, money_cents, currency, billing_interval, status,
       cancel_at_period_end, period_start, period_end, canceled_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  db.transaction(() => {
    for (const a of seed.accounts) account.run(a.id, a.name, a.api_key);
    for (const c of seed.customers) customer.run(c.id, c.account, c.email, c.name, c.phone, writeJson(c.address), JSON.stringify(c.metadata), c.created);
    for (const i of seed.invoices) {
      invoice.run(
        i.id,
        i.account,
        i.customer,
        i.number,
        i.status,
        i.currency,
        JSON.stringify(i.lines.map(({ description, quantity, unit_amount }) => ({ description, quantity, unit_amount }))),
        i.tax_percent_bp,
        i.subtotal,
        i.tax,
        i.total,
        i.amount_paid,
        i.due_date,
        i.created,
        i.finalized_at,
        i.paid_at,
        i.voided_at,
      );
    }
    for (const p of seed.payments)
      payment.run(p.id, p.account, p.invoice, p.amount, p.currency, refundedByPayment.get(p.id) ?? 0, p.disputed ? 1 : 0, p.created);
    for (const r of seed.refunds) refund.run(r.id, r.account, r.payment, r.amount, r.reason, r.created);
    for (const s of seed.subscriptions) {
      subscription.run(
        s.id,
        s.account,
        s.customer,
        s.plan,
        s.amount,
        s.currency,
        s.interval,
        s.status,
        s.cancel_at_period_end ? 1 : 0,
        s.current_period_start,
        s.current_period_end,
        s.canceled_at,
        s.created,
      );
    }
  })();
}
