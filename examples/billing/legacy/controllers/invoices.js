'use strict';

var db = require('../lib/db');
var errors = require('../lib/errors');
var outbox = require('../lib/outbox');
var format = require('../helpers/format');

var DAY = 86400;

function loadCustomer(conn, accountId, id) {
  return conn.prepare('SELECT id, email, name FROM customers WHERE id = ? AND account_id = ?').get(id, accountId);
}

function loadInvoice(conn, accountId, id) {
  return conn.prepare('SELECT * FROM invoices WHERE id = ? AND account_id = ?').get(id, accountId);
}

function loadLines(conn, invoiceId) {
  return conn.prepare('SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY position ASC').all(invoiceId);
}

function render(conn, row) {
  return format.invoice(row, loadLines(conn, row.id));
}

function isInteger(value) {
  return typeof value === 'number' && Number.isInteger(value);
}

// POST /invoices
function create(req, res) {
  var body = req.body || {};
  var conn = req.db;

  if (!body.customer || typeof body.customer !== 'string') {
    return errors.missingParam(res, 'customer');
  }
  if (!Array.isArray(body.lines) || body.lines.length === 0) {
    return errors.badRequest(res, 'Invoice must have at least one line', 'lines');
  }
  var lines = [];
  for (var i = 0; i < body.lines.length; i++) {
    var input = body.lines[i] !== null && typeof body.lines[i] === 'object' ? body.lines[i] : {};
    var description = input.description === undefined ? '' : input.description;
    if (typeof description !== 'string') {
      return errors.badRequest(res, 'description must be a string', 'lines[' + i + '].description');
    }
    if (!isInteger(input.quantity) || input.quantity < 1) {
      return errors.badRequest(res, 'quantity must be a positive integer', 'lines[' + i + '].quantity');
    }
    if (!isInteger(input.unit_amount) || input.unit_amount < 0) {
      return errors.badRequest(res, 'unit_amount must be a non-negative integer', 'lines[' + i + '].unit_amount');
    }
    lines.push({
      description: description,
      quantity: input.quantity,
      unit_amount: input.unit_amount,
      amount: input.quantity * input.unit_amount,
    });
  }

  var currency = 'usd';
  if (body.currency !== undefined) {
    if (typeof body.currency !== 'string' || !/^[A-Za-z]{3}$/.test(body.currency)) {
      return errors.badRequest(res, 'Invalid currency: ' + body.currency, 'currency');
    }
    currency = body.currency.toLowerCase();
  }

  var taxPercent = body.tax_percent === undefined ? 0 : body.tax_percent;
  if (
    typeof taxPercent !== 'number' ||
    !isFinite(taxPercent) ||
    taxPercent < 0 ||
    taxPercent > 100 ||
    Math.abs(taxPercent * 100 - Math.round(taxPercent * 100)) >= 1e-9
  ) {
    return errors.badRequest(res, 'tax_percent must be a number between 0 and 100 with at most two decimals', 'tax_percent');
  }
  var taxBp = Math.round(taxPercent * 100);

  var dueDays = body.due_days === undefined ? 30 : body.due_days;
  if (!isInteger(dueDays) || dueDays < 1) {
    return errors.badRequest(res, 'due_days must be a positive integer', 'due_days');
  }

  var customer = loadCustomer(conn, req.account.id, body.customer);
  if (!customer) return errors.notFound(res, 'customer', body.customer);

  var subtotal = 0;
  var tax = 0;
  lines.forEach(function (line) {
    subtotal += line.amount;
    // tax per line, in whole cents
    tax += Math.floor((line.amount * taxBp) / 10000);
  });
  var total = subtotal + tax;
  var created = db.now();
  var id = format.newId('in');

  conn.transaction(function () {
    conn
      .prepare(
        'INSERT INTO invoices (id, account_id, customer_id, number, status, currency, tax_bp, subtotal, tax, total, amount_paid, due_date, created, finalized_at, paid_at, voided_at) ' +
          "VALUES (?, ?, ?, NULL, 'draft', ?, ?, ?, ?, ?, 0, ?, ?, NULL, NULL, NULL)",
      )
      .run(id, req.account.id, customer.id, currency, taxBp, subtotal, tax, total, format.isoDate(created + dueDays * DAY), created);
    var insertLine = conn.prepare('INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_amount, amount) VALUES (?, ?, ?, ?, ?, ?)');
    lines.forEach(function (line, pos) {
      insertLine.run(id, pos, line.description, line.quantity, line.unit_amount, line.amount);
    });
  })();

  res.status(201).json(render(conn, loadInvoice(conn, req.account.id, id)));
}

// GET /invoices/:id
function show(req, res) {
  var row = req.db.prepare('SELECT * FROM invoices WHERE id = ?').get(req.params.id);
  if (!row) return errors.notFound(res, 'invoice', req.params.id);
  if (row.account_id !== req.account.id) {
    return errors.sendError(res, 403, 'permission_error', 'Invoice ' + row.id + ' belongs to another account');
  }
  res.json(render(req.db, row));
}

// GET /customers/:id/invoices?limit=&starting_after=&status=
function listForCustomer(req, res) {
  var conn = req.db;
  var customer = loadCustomer(conn, req.account.id, req.params.id);
  if (!customer) return errors.notFound(res, 'customer', req.params.id);

  var limit = parseInt(req.query.limit, 10);
  if (isNaN(limit)) limit = 10;
  if (limit < 1) limit = 1;
  if (limit > 100) limit = 100;

  var where = 'account_id = ? AND customer_id = ?';
  var params = [req.account.id, customer.id];
  if (req.query.status) {
    where += ' AND status = ?';
    params.push(String(req.query.status));
  }

  var payload = {
    object: 'list',
    url: '/customers/' + req.params.id + '/invoices',
    data: [],
    has_more: false,
  };

  if (req.query.starting_after) {
    var cursor = conn
      .prepare('SELECT id, created FROM invoices WHERE id = ? AND account_id = ? AND customer_id = ?')
      .get(String(req.query.starting_after), req.account.id, customer.id);
    if (!cursor) {
      // unknown cursor: an empty page (clients stop paging on it)
      return res.json(payload);
    }
    where += ' AND (created < ? OR (created = ? AND id < ?))';
    params.push(cursor.created, cursor.created, cursor.id);
  }

  var rows = conn.prepare('SELECT * FROM invoices WHERE ' + where + ' ORDER BY created DESC, id DESC LIMIT ?').all(params.concat([limit + 1]));
  payload.has_more = rows.length > limit;
  payload.data = rows.slice(0, limit).map(function (row) {
    return render(conn, row);
  });
  res.json(payload);
}

// POST /invoices/:id/finalize
function finalize(req, res) {
  var conn = req.db;
  var row = loadInvoice(conn, req.account.id, req.params.id);
  if (!row) return errors.notFound(res, 'invoice', req.params.id);

  if (row.status === 'open') {
    // already finalized: answer it unchanged (retries from the old dashboard)
    return res.json(render(conn, row));
  }
  if (row.status !== 'draft') {
    return errors.conflict(res, 'Cannot finalize an invoice with status ' + row.status);
  }

  conn.transaction(function () {
    var count = conn.prepare('SELECT COUNT(*) AS n FROM invoices WHERE account_id = ? AND number IS NOT NULL').get(req.account.id).n;
    var number = 'INV-' + String(count + 1).padStart(6, '0');
    conn.prepare("UPDATE invoices SET status = 'open', number = ?, finalized_at = ? WHERE id = ?").run(number, db.now(), row.id);
    var customer = loadCustomer(conn, req.account.id, row.customer_id);
    outbox.email(conn, req.account.id, 'invoice.finalized', {
      to: customer ? customer.email : null,
      customer: row.customer_id,
      invoice: row.id,
      number: number,
    });
  })();

  res.json(render(conn, loadInvoice(conn, req.account.id, row.id)));
}

// POST /invoices/:id/void
function voidInvoice(req, res) {
  var conn = req.db;
  var row = loadInvoice(conn, req.account.id, req.params.id);
  if (!row) return errors.notFound(res, 'invoice', req.params.id);

  if (row.status === 'paid') {
    return errors.conflict(res, 'Cannot void a paid invoice');
  }
  if (row.status === 'void') {
    return errors.conflict(res, 'Invoice ' + row.id + ' is already void');
  }
  conn.prepare("UPDATE invoices SET status = 'void', voided_at = ? WHERE id = ?").run(db.now(), row.id);
  res.json(render(conn, loadInvoice(conn, req.account.id, row.id)));
}

module.exports = {
  create: create,
  show: show,
  listForCustomer: listForCustomer,
  finalize: finalize,
  void: voidInvoice,
};
