import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * The rewrite's own schema. Money is integer cents (`*_cents`), rates are basis points, times are
 * unix seconds; line items, addresses and metadata are JSON documents.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS account (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  api_key TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS customer (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES account(id),
  email TEXT NOT NULL,
  display_name TEXT,
  phone TEXT,
  address_json TEXT,
  metadata_json TEXT NOT NULL DEFAULT '{}',
  balance_cents INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS customer_by_account ON customer (account_id, created_at, id);
CREATE INDEX IF NOT EXISTS customer_by_email ON customer (account_id, email);

CREATE TABLE IF NOT EXISTS invoice (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES account(id),
  customer_id TEXT NOT NULL REFERENCES customer(id),
  invoice_number TEXT,
  status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void')),
  currency TEXT NOT NULL,
  line_items TEXT NOT NULL,
  tax_rate_bp INTEGER NOT NULL,
  subtotal_cents INTEGER NOT NULL,
  tax_cents INTEGER NOT NULL,
  total_cents INTEGER NOT NULL,
  paid_cents INTEGER NOT NULL DEFAULT 0,
  due_on TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finalized_at INTEGER,
  paid_at INTEGER,
  voided_at INTEGER
);
CREATE INDEX IF NOT EXISTS invoice_by_customer ON invoice (customer_id, id);
CREATE INDEX IF NOT EXISTS invoice_numbered ON invoice (account_id, invoice_number);

CREATE TABLE IF NOT EXISTS payment (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES account(id),
  invoice_id TEXT NOT NULL REFERENCES invoice(id),
  money_cents INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  refunded_cents INTEGER NOT NULL DEFAULT 0,
  disputed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS refund (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES account(id),
  payment_id TEXT NOT NULL REFERENCES payment(id),
  money_cents INTEGER NOT NULL,
  reason TEXT,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS refund_by_payment ON refund (payment_id, created_at, id);

CREATE TABLE IF NOT EXISTS subscription (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES account(id),
  customer_id TEXT NOT NULL REFERENCES customer(id),
  plan_code TEXT NOT NULL,
  money_cents INTEGER NOT NULL,
  currency TEXT NOT NULL,
  billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
  status TEXT NOT NULL CHECK (status IN ('active', 'canceled')),
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  canceled_at INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS idempotency_record (
  account_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response_status INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, idempotency_key)
);

CREATE TABLE IF NOT EXISTS outbox_message (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'job')),
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);

CREATE TABLE IF NOT EXISTS provider_event (
  id TEXT PRIMARY KEY,
  type TEXT,
  received_at INTEGER NOT NULL
);
`;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}
