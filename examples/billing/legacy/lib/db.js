'use strict';

// Database access for the billing service.
//
// The schema was written in 2018 and migrated by hand since; everything is created with
// IF NOT EXISTS so that a file database from an older deploy keeps working. Money is stored in
// integer cents, tax rates in basis points (825 = 8.25 %), timestamps in unix seconds.

var fs = require('fs');
var Database = require('better-sqlite3');

var SCHEMA = [
  'CREATE TABLE IF NOT EXISTS accounts (',
  '  id TEXT PRIMARY KEY,',
  '  name TEXT NOT NULL,',
  '  api_key TEXT NOT NULL UNIQUE',
  ')',
  ';',
  'CREATE TABLE IF NOT EXISTS customers (',
  '  id TEXT PRIMARY KEY,',
  '  account_id TEXT NOT NULL REFERENCES accounts(id),',
  '  email TEXT NOT NULL,',
  '  name TEXT,',
  '  phone TEXT,',
  '  address TEXT,', // JSON text or NULL
  "  metadata TEXT NOT NULL DEFAULT '{}',",
  '  balance INTEGER NOT NULL DEFAULT 0,',
  '  created INTEGER NOT NULL',
  ')',
  ';',
  'CREATE INDEX IF NOT EXISTS customers_account ON customers (account_id, created, id)',
  ';',
  'CREATE TABLE IF NOT EXISTS invoices (',
  '  id TEXT PRIMARY KEY,',
  '  account_id TEXT NOT NULL REFERENCES accounts(id),',
  '  customer_id TEXT NOT NULL REFERENCES customers(id),',
  '  number TEXT,',
  "  status TEXT NOT NULL DEFAULT 'draft',",
  "  currency TEXT NOT NULL DEFAULT 'usd',",
  '  tax_bp INTEGER NOT NULL DEFAULT 0,',
  '  subtotal INTEGER NOT NULL,',
  '  tax INTEGER NOT NULL,',
  '  total INTEGER NOT NULL,',
  '  amount_paid INTEGER NOT NULL DEFAULT 0,',
  '  due_date TEXT NOT NULL,',
  '  created INTEGER NOT NULL,',
  '  finalized_at INTEGER,',
  '  paid_at INTEGER,',
  '  voided_at INTEGER',
  ')',
  ';',
  'CREATE INDEX IF NOT EXISTS invoices_customer ON invoices (customer_id, created, id)',
  ';',
  'CREATE TABLE IF NOT EXISTS invoice_lines (',
  '  id INTEGER PRIMARY KEY AUTOINCREMENT,',
  '  invoice_id TEXT NOT NULL REFERENCES invoices(id),',
  '  position INTEGER NOT NULL,',
  "  description TEXT NOT NULL DEFAULT '',",
  '  quantity INTEGER NOT NULL,',
  '  unit_amount INTEGER NOT NULL,',
  '  amount INTEGER NOT NULL',
  ')',
  ';',
  'CREATE INDEX IF NOT EXISTS invoice_lines_invoice ON invoice_lines (invoice_id, position)',
  ';',
  'CREATE TABLE IF NOT EXISTS payments (',
  '  id TEXT PRIMARY KEY,',
  '  account_id TEXT NOT NULL REFERENCES accounts(id),',
  '  invoice_id TEXT NOT NULL REFERENCES invoices(id),',
  '  amount INTEGER NOT NULL,',
  "  currency TEXT NOT NULL DEFAULT 'usd',",
  "  status TEXT NOT NULL DEFAULT 'succeeded',",
  '  amount_refunded INTEGER NOT NULL DEFAULT 0,',
  '  disputed INTEGER NOT NULL DEFAULT 0,',
  '  created INTEGER NOT NULL',
  ')',
  ';',
  'CREATE TABLE IF NOT EXISTS refunds (',
  '  id TEXT PRIMARY KEY,',
  '  account_id TEXT NOT NULL REFERENCES accounts(id),',
  '  payment_id TEXT NOT NULL REFERENCES payments(id),',
  '  amount INTEGER NOT NULL,',
  '  reason TEXT,',
  "  status TEXT NOT NULL DEFAULT 'succeeded',",
  '  created INTEGER NOT NULL',
  ')',
  ';',
  'CREATE INDEX IF NOT EXISTS refunds_payment ON refunds (payment_id, created, id)',
  ';',
  'CREATE TABLE IF NOT EXISTS subscriptions (',
  '  id TEXT PRIMARY KEY,',
  '  account_id TEXT NOT NULL REFERENCES accounts(id),',
  '  customer_id TEXT NOT NULL REFERENCES customers(id),',
  '  plan TEXT NOT NULL,',
  '  amount INTEGER NOT NULL,',
  "  currency TEXT NOT NULL DEFAULT 'usd',",
  "  interval TEXT NOT NULL DEFAULT 'month',",
  "  status TEXT NOT NULL DEFAULT 'active',",
  '  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,',
  '  current_period_start INTEGER NOT NULL,',
  '  current_period_end INTEGER NOT NULL,',
  '  canceled_at INTEGER,',
  '  created INTEGER NOT NULL',
  ')',
  ';',
  'CREATE TABLE IF NOT EXISTS idempotency_keys (',
  '  account_id TEXT NOT NULL,',
  '  idem_key TEXT NOT NULL,',
  '  request_hash TEXT NOT NULL,',
  '  status INTEGER NOT NULL,',
  '  response_body TEXT NOT NULL,',
  '  created INTEGER NOT NULL,',
  '  PRIMARY KEY (account_id, idem_key)',
  ')',
  ';',
  'CREATE TABLE IF NOT EXISTS outbox (',
  '  id INTEGER PRIMARY KEY AUTOINCREMENT,',
  '  account_id TEXT,',
  '  kind TEXT NOT NULL,', // 'email' or 'job'
  '  topic TEXT NOT NULL,',
  '  payload TEXT NOT NULL,',
  '  created INTEGER NOT NULL,',
  '  sent_at INTEGER',
  ')',
  ';',
  'CREATE TABLE IF NOT EXISTS webhook_events (',
  '  id TEXT PRIMARY KEY,',
  '  type TEXT,',
  '  payload TEXT NOT NULL,',
  '  received INTEGER NOT NULL',
  ')',
].join('\n');

function now() {
  return Math.floor(Date.now() / 1000);
}

function open(file) {
  var db = new Database(file || ':memory:');
  db.pragma('foreign_keys = ON');
  if (file && file !== ':memory:') {
    db.pragma('journal_mode = WAL');
  }
  db.exec(SCHEMA);
  return db;
}

function isEmpty(db) {
  var row = db.prepare('SELECT COUNT(*) AS n FROM accounts').get();
  return row.n === 0;
}

// Loads the seed snapshot as-is. Stored totals are NOT recomputed: the historical invoices were
// computed by the code of their time and must read back exactly as they were billed.
function loadSeed(db, seedFile) {
  var seed = JSON.parse(fs.readFileSync(seedFile, 'utf8'));

  var insertAccount = db.prepare('INSERT INTO accounts (id, name, api_key) VALUES (?, ?, ?)');
  var insertCustomer = db.prepare(
    'INSERT INTO customers (id, account_id, email, name, phone, address, metadata, balance, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  var insertInvoice = db.prepare(
    'INSERT INTO invoices (id, account_id, customer_id, number, status, currency, tax_bp, subtotal, tax, total, amount_paid, due_date, created, finalized_at, paid_at, voided_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  var insertLine = db.prepare('INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_amount, amount) VALUES (?, ?, ?, ?, ?, ?)');
  var insertPayment = db.prepare(
    'INSERT INTO payments (id, account_id, invoice_id, amount, currency, status, amount_refunded, disputed, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  var insertRefund = db.prepare('INSERT INTO refunds (id, account_id, payment_id, amount, reason, status, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  var insertSubscription = db.prepare(
    'INSERT INTO subscriptions (id, account_id, customer_id, plan, amount, currency, interval, status, cancel_at_period_end, current_period_start, current_period_end, canceled_at, created) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );

  var refunded = {};
  (seed.refunds || []).forEach(function (r) {
    refunded[r.payment] = (refunded[r.payment] || 0) + r.amount;
  });

  db.transaction(function () {
    (seed.accounts || []).forEach(function (a) {
      insertAccount.run(a.id, a.name, a.api_key);
    });
    (seed.customers || []).forEach(function (c) {
      insertCustomer.run(
        c.id,
        c.account,
        c.email,
        c.name === undefined ? null : c.name,
        c.phone === undefined ? null : c.phone,
        c.address ? JSON.stringify(c.address) : null,
        JSON.stringify(c.metadata || {}),
        c.balance || 0,
        c.created,
      );
    });
    (seed.invoices || []).forEach(function (i) {
      insertInvoice.run(
        i.id,
        i.account,
        i.customer,
        i.number || null,
        i.status,
        i.currency || 'usd',
        i.tax_percent_bp || 0,
        i.subtotal,
        i.tax,
        i.total,
        i.amount_paid || 0,
        i.due_date,
        i.created,
        i.finalized_at === undefined ? null : i.finalized_at,
        i.paid_at === undefined ? null : i.paid_at,
        i.voided_at === undefined ? null : i.voided_at,
      );
      (i.lines || []).forEach(function (l, pos) {
        var amount = l.amount === undefined ? l.quantity * l.unit_amount : l.amount;
        insertLine.run(i.id, pos, l.description || '', l.quantity, l.unit_amount, amount);
      });
    });
    (seed.payments || []).forEach(function (p) {
      insertPayment.run(
        p.id,
        p.account,
        p.invoice,
        p.amount,
        p.currency || 'usd',
        p.status || 'succeeded',
        p.amount_refunded === undefined ? refunded[p.id] || 0 : p.amount_refunded,
        p.disputed ? 1 : 0,
        p.created,
      );
    });
    (seed.refunds || []).forEach(function (r) {
      insertRefund.run(r.id, r.account, r.payment, r.amount, r.reason === undefined ? null : r.reason, r.status || 'succeeded', r.created);
    });
    (seed.subscriptions || []).forEach(function (s) {
      insertSubscription.run(
        s.id,
        s.account,
        s.customer,
        s.plan,
        s.amount,
        s.currency || 'usd',
        s.interval,
        s.status,
        s.cancel_at_period_end ? 1 : 0,
        s.current_period_start,
        s.current_period_end,
        s.canceled_at === undefined ? null : s.canceled_at,
        s.created,
      );
    });
  })();
}

module.exports = {
  open: open,
  isEmpty: isEmpty,
  loadSeed: loadSeed,
  now: now,
};
