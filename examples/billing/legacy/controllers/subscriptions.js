'use strict';

var db = require('../lib/db');
var errors = require('../lib/errors');
var outbox = require('../lib/outbox');
var format = require('../helpers/format');

var DAY = 86400;
// a "month" is 30 days, a year 365: renewals were always computed this way
var PERIOD_DAYS = { month: 30, year: 365 };

function loadCustomer(conn, accountId, id) {
  return conn.prepare('SELECT * FROM customers WHERE id = ? AND account_id = ?').get(id, accountId);
}

function loadSubscription(conn, accountId, id) {
  return conn.prepare('SELECT * FROM subscriptions WHERE id = ? AND account_id = ?').get(id, accountId);
}

// POST /subscriptions
function create(req, res) {
  var body = req.body || {};
  var conn = req.db;

  if (!body.customer || typeof body.customer !== 'string') {
    return errors.missingParam(res, 'customer');
  }
  if (!body.plan || typeof body.plan !== 'string') {
    return errors.missingParam(res, 'plan');
  }
  if (typeof body.amount !== 'number' || !Number.isInteger(body.amount) || body.amount < 1) {
    return errors.badRequest(res, 'amount must be a positive integer', 'amount');
  }
  if (body.interval === undefined || body.interval === null) {
    return errors.missingParam(res, 'interval');
  }
  if (!Object.prototype.hasOwnProperty.call(PERIOD_DAYS, body.interval)) {
    return errors.badRequest(res, 'Invalid interval: ' + body.interval, 'interval');
  }
  var currency = 'usd';
  if (body.currency !== undefined) {
    if (typeof body.currency !== 'string' || !/^[A-Za-z]{3}$/.test(body.currency)) {
      return errors.badRequest(res, 'Invalid currency: ' + body.currency, 'currency');
    }
    currency = body.currency.toLowerCase();
  }

  var customer = loadCustomer(conn, req.account.id, body.customer);
  if (!customer) return errors.notFound(res, 'customer', body.customer);

  var id = format.newId('sub');
  var start = db.now();
  var end = start + PERIOD_DAYS[body.interval] * DAY;
  conn.transaction(function () {
    conn
      .prepare(
        'INSERT INTO subscriptions (id, account_id, customer_id, plan, amount, currency, interval, status, cancel_at_period_end, current_period_start, current_period_end, canceled_at, created) ' +
          "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, NULL, ?)",
      )
      .run(id, req.account.id, customer.id, body.plan, body.amount, currency, body.interval, start, end, start);
    outbox.job(conn, req.account.id, 'subscription.renew', { subscription: id, run_at: end });
  })();

  res.status(201).json(format.subscription(loadSubscription(conn, req.account.id, id)));
}

// POST /subscriptions/:id/cancel
function cancel(req, res) {
  var body = req.body || {};
  var conn = req.db;

  var atPeriodEnd = body.at_period_end === undefined ? false : body.at_period_end;
  if (typeof atPeriodEnd !== 'boolean') {
    return errors.badRequest(res, 'at_period_end must be a boolean', 'at_period_end');
  }

  var sub = loadSubscription(conn, req.account.id, req.params.id);
  if (!sub) return errors.notFound(res, 'subscription', req.params.id);
  if (sub.status === 'canceled') {
    return errors.conflict(res, 'Subscription ' + sub.id + ' is already canceled');
  }

  conn.transaction(function () {
    if (atPeriodEnd) {
      conn.prepare('UPDATE subscriptions SET cancel_at_period_end = 1 WHERE id = ?').run(sub.id);
    } else {
      conn.prepare("UPDATE subscriptions SET status = 'canceled', canceled_at = ? WHERE id = ?").run(db.now(), sub.id);
    }
    var customer = loadCustomer(conn, req.account.id, sub.customer_id);
    outbox.email(conn, req.account.id, 'subscription.canceled', {
      to: customer ? customer.email : null,
      subscription: sub.id,
      at_period_end: atPeriodEnd,
    });
  })();

  res.json(format.subscription(loadSubscription(conn, req.account.id, sub.id)));
}

module.exports = {
  create: create,
  cancel: cancel,
};
