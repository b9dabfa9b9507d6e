'use strict';

var db = require('../lib/db');
var errors = require('../lib/errors');
var outbox = require('../lib/outbox');
var format = require('../helpers/format');

var ADDRESS_FIELDS = ['line1', 'city', 'postal_code', 'country'];

function loadCustomer(conn, accountId, id) {
  return conn.prepare('SELECT * FROM customers WHERE id = ? AND account_id = ?').get(id, accountId);
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Returns an error message, or null when the address is acceptable.
function checkAddress(address) {
  if (address === null) return null;
  if (!isPlainObject(address)) return 'address must be an object with string line1, city, postal_code and country';
  for (var i = 0; i < ADDRESS_FIELDS.length; i++) {
    if (typeof address[ADDRESS_FIELDS[i]] !== 'string') {
      return 'address must be an object with string line1, city, postal_code and country';
    }
  }
  return null;
}

function cleanAddress(address) {
  if (address === null) return null;
  return { line1: address.line1, city: address.city, postal_code: address.postal_code, country: address.country };
}

function checkMetadata(metadata) {
  if (!isPlainObject(metadata)) return false;
  var keys = Object.keys(metadata);
  for (var i = 0; i < keys.length; i++) {
    if (typeof metadata[keys[i]] !== 'string') return false;
  }
  return true;
}

// metadata merges; a key set to "" is removed (the dashboard has no "delete key" button)
function mergeMetadata(existing, changes) {
  var merged = {};
  Object.keys(existing).forEach(function (k) {
    merged[k] = existing[k];
  });
  Object.keys(changes).forEach(function (k) {
    if (changes[k] === '') delete merged[k];
    else merged[k] = changes[k];
  });
  return merged;
}

// POST /customers
function create(req, res) {
  var body = req.body || {};

  if (body.email === undefined || body.email === null || body.email === '') {
    return errors.missingParam(res, 'email');
  }
  if (typeof body.email !== 'string' || body.email.indexOf('@') === -1) {
    return errors.badRequest(res, 'Invalid email address: ' + body.email, 'email');
  }
  var email = body.email.trim().toLowerCase();

  var name = body.name === undefined ? null : body.name;
  if (name !== null && typeof name !== 'string') {
    return errors.badRequest(res, 'name must be a string or null', 'name');
  }
  var phone = body.phone === undefined ? null : body.phone;
  if (phone !== null && typeof phone !== 'string') {
    return errors.badRequest(res, 'phone must be a string or null', 'phone');
  }
  var address = body.address === undefined ? null : body.address;
  var addressError = checkAddress(address);
  if (addressError) {
    return errors.badRequest(res, addressError, 'address');
  }
  var metadata = body.metadata === undefined ? {} : body.metadata;
  if (!checkMetadata(metadata)) {
    return errors.badRequest(res, 'metadata must be an object of string values', 'metadata');
  }
  metadata = mergeMetadata({}, metadata);

  var id = format.newId('cus');
  var created = db.now();
  var conn = req.db;
  conn.transaction(function () {
    conn
      .prepare('INSERT INTO customers (id, account_id, email, name, phone, address, metadata, balance, created) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)')
      .run(id, req.account.id, email, name, phone, address === null ? null : JSON.stringify(cleanAddress(address)), JSON.stringify(metadata), created);
    outbox.email(conn, req.account.id, 'customer.welcome', { to: email, customer: id, name: name });
  })();

  var row = loadCustomer(conn, req.account.id, id);
  res.status(201).json(format.customer(row));
}

// GET /customers/:id
function show(req, res) {
  var row = loadCustomer(req.db, req.account.id, req.params.id);
  if (!row) return errors.notFound(res, 'customer', req.params.id);
  res.json(format.customer(row));
}

// PATCH /customers/:id
function update(req, res) {
  var body = req.body || {};
  var sets = [];
  var values = [];

  if (body.email !== undefined) {
    if (typeof body.email !== 'string' || body.email.indexOf('@') === -1) {
      return errors.badRequest(res, 'Invalid email address: ' + body.email, 'email');
    }
    sets.push('email = ?');
    values.push(body.email.trim().toLowerCase());
  }
  if (body.name !== undefined) {
    if (body.name !== null && typeof body.name !== 'string') {
      return errors.badRequest(res, 'name must be a string or null', 'name');
    }
    sets.push('name = ?');
    values.push(body.name);
  }
  if (body.phone !== undefined) {
    if (body.phone !== null && typeof body.phone !== 'string') {
      return errors.badRequest(res, 'phone must be a string or null', 'phone');
    }
    sets.push('phone = ?');
    values.push(body.phone);
  }
  if (body.address !== undefined) {
    var addressError = checkAddress(body.address);
    if (addressError) return errors.badRequest(res, addressError, 'address');
    sets.push('address = ?');
    values.push(body.address === null ? null : JSON.stringify(cleanAddress(body.address)));
  }
  if (body.metadata !== undefined && !checkMetadata(body.metadata)) {
    return errors.badRequest(res, 'metadata must be an object of string values', 'metadata');
  }

  var row = loadCustomer(req.db, req.account.id, req.params.id);
  if (!row) return errors.notFound(res, 'customer', req.params.id);

  if (body.metadata !== undefined) {
    var existing = {};
    try {
      existing = JSON.parse(row.metadata || '{}');
    } catch (e) {
      existing = {};
    }
    sets.push('metadata = ?');
    values.push(JSON.stringify(mergeMetadata(existing, body.metadata)));
  }

  if (sets.length) {
    values.push(row.id);
    req.db.prepare('UPDATE customers SET ' + sets.join(', ') + ' WHERE id = ?').run(values);
  }
  res.json(format.customer(loadCustomer(req.db, req.account.id, row.id)));
}

// GET /customers?page=&per_page=&email=
function list(req, res) {
  var page = parseInt(req.query.page, 10);
  if (isNaN(page) || page < 1) page = 1;
  var perPage = parseInt(req.query.per_page, 10);
  if (isNaN(perPage) || perPage < 1) perPage = 20;
  if (perPage > 100) perPage = 100;

  var where = 'account_id = ?';
  var params = [req.account.id];
  if (req.query.email) {
    where += ' AND email = ?';
    params.push(String(req.query.email).toLowerCase());
  }

  var total = req.db.prepare('SELECT COUNT(*) AS n FROM customers WHERE ' + where).get(params).n;
  var rows = req.db
    .prepare('SELECT * FROM customers WHERE ' + where + ' ORDER BY created ASC, id ASC LIMIT ? OFFSET ?')
    .all(params.concat([perPage, (page - 1) * perPage]));

  res.json({
    object: 'list',
    data: rows.map(format.customer),
    page: page,
    per_page: perPage,
    total_count: total,
    has_more: page * perPage < total,
  });
}

module.exports = {
  create: create,
  show: show,
  update: update,
  list: list,
};
