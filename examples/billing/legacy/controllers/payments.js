'use strict';

var db = require('../lib/db');
var errors = require('../lib/errors');
var outbox = require('../lib/outbox');
var format = require('../helpers/format');

var REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

function isPositiveInteger(value) {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function loadPayment(conn, accountId, id) {
  return conn.prepare('SELECT * FROM payments WHERE id = ? AND account_id = ?').get(id, accountId);
}

function loadRefunds(conn, paymentId) {
  return conn.prepare('SELECT * FROM refunds WHERE payment_id = ? ORDER BY created ASC, rowid ASC').all(paymentId);
}

function customerEmailForInvoice(conn, invoiceId) {
  var row = conn
    .prepare('SELECT customers.email AS email FROM invoices JOIN customers ON customers.id = invoices.customer_id WHERE invoices.id = ?')
    .get(invoiceId);
  return row ? row.email : null;
}

// POST /payments   (rate limited + Idempotency-Key, see routes/payments.js)
function create(req, res) {
  var body = req.body || {};
  var conn = req.db;

  if (!body.invoice || typeof body.invoice !== 'string') {
    return errors.missingParam(res, 'invoice');
  }
  if (body.amount !== undefined && !isPositiveInteger(body.amount)) {
    return errors.badRequest(res, 'amount must be a positive integer', 'amount');
  }

  var invoice = conn.prepare('SELECT * FROM invoices WHERE id = ? AND account_id = ?').get(body.invoice, req.account.id);
  if (!invoice) return errors.notFound(res, 'invoice', body.invoice);
  if (invoice.status !== 'open') {
    return errors.conflict(res, 'Invoice ' + invoice.id + ' is not open (status: ' + invoice.status + ')');
  }

  var remaining = invoice.total - invoice.amount_paid;
  var amount = body.amount === undefined ? remaining : body.amount;
  if (amount < 1) {
    // an open invoice of 0 (free lines) cannot take a payment of 0
    return errors.badRequest(res, 'amount must be a positive integer', 'amount');
  }
  if (amount > remaining) {
    return errors.badRequest(res, 'Amount ' + amount + ' exceeds the amount remaining (' + remaining + ')', 'amount');
  }

  var id = format.newId('py');
  var created = db.now();
  conn.transaction(function () {
    conn
      .prepare(
        "INSERT INTO payments (id, account_id, invoice_id, amount, currency, status, amount_refunded, disputed, created) VALUES (?, ?, ?, ?, ?, 'succeeded', 0, 0, ?)",
      )
      .run(id, req.account.id, invoice.id, amount, invoice.currency, created);
    var paid = invoice.amount_paid + amount;
    if (paid >= invoice.total) {
      conn.prepare("UPDATE invoices SET amount_paid = ?, status = 'paid', paid_at = ? WHERE id = ?").run(paid, created, invoice.id);
    } else {
      conn.prepare('UPDATE invoices SET amount_paid = ? WHERE id = ?').run(paid, invoice.id);
    }
    outbox.email(conn, req.account.id, 'payment.receipt', {
      to: customerEmailForInvoice(conn, invoice.id),
      payment: id,
      invoice: invoice.id,
      amount: amount,
      currency: invoice.currency,
    });
  })();

  var row = loadPayment(conn, req.account.id, id);
  res.status(201).json(format.payment(row, []));
}

// GET /payments/:id
function show(req, res) {
  var row = loadPayment(req.db, req.account.id, req.params.id);
  if (!row) return errors.notFound(res, 'payment', req.params.id);
  res.json(format.payment(row, loadRefunds(req.db, row.id)));
}

// POST /payments/:id/refunds
function refund(req, res) {
  var body = req.body || {};
  var conn = req.db;

  if (body.amount !== undefined && !isPositiveInteger(body.amount)) {
    return errors.badRequest(res, 'amount must be a positive integer', 'amount');
  }
  var reason = body.reason === undefined ? null : body.reason;
  if (reason !== null && REASONS.indexOf(reason) === -1) {
    return errors.badRequest(res, 'Invalid reason: ' + reason, 'reason');
  }

  var payment = loadPayment(conn, req.account.id, req.params.id);
  if (!payment) return errors.notFound(res, 'payment', req.params.id);

  var amount = body.amount;
  if (amount === undefined) {
    amount = payment.amount - payment.amount_refunded;
    if (amount < 1) {
      return errors.badRequest(res, 'amount must be a positive integer', 'amount');
    }
  }
  // NOTE: compared with what was paid, not with what is left to refund.
  if (amount > payment.amount) {
    return errors.badRequest(res, 'Refund amount (' + amount + ') is greater than unrefunded amount on payment (' + payment.amount + ')', 'amount');
  }

  var id = format.newId('re');
  var created = db.now();
  conn.transaction(function () {
    conn
      .prepare("INSERT INTO refunds (id, account_id, payment_id, amount, reason, status, created) VALUES (?, ?, ?, ?, ?, 'succeeded', ?)")
      .run(id, req.account.id, payment.id, amount, reason, created);
    conn.prepare('UPDATE payments SET amount_refunded = amount_refunded + ? WHERE id = ?').run(amount, payment.id);
    outbox.email(conn, req.account.id, 'refund.created', {
      to: customerEmailForInvoice(conn, payment.invoice_id),
      refund: id,
      payment: payment.id,
      amount: amount,
    });
  })();

  res.status(201).json(format.refund(conn.prepare('SELECT * FROM refunds WHERE id = ?').get(id)));
}

module.exports = {
  create: create,
  show: show,
  refund: refund,
};
