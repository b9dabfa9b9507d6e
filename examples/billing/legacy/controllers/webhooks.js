'use strict';

var crypto = require('crypto');
var db = require('../lib/db');
var errors = require('../lib/errors');
var outbox = require('../lib/outbox');

var TOLERANCE_SECONDS = 300;

// "t=1700000000,v1=abc..,v1=def.." -> { t: '1700000000', v1: ['abc..', 'def..'] } or null
function parseSignatureHeader(header) {
  if (!header) return null;
  var parsed = { t: null, v1: [] };
  header.split(',').forEach(function (part) {
    var eq = part.indexOf('=');
    if (eq === -1) return;
    var k = part.slice(0, eq).trim();
    var v = part.slice(eq + 1).trim();
    if (k === 't') parsed.t = v;
    else if (k === 'v1') parsed.v1.push(v);
  });
  if (!parsed.t || !/^\d+$/.test(parsed.t) || parsed.v1.length === 0) return null;
  return parsed;
}

function safeEqualHex(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  return crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

// POST /webhooks/provider   (no API key: signed by the provider)
function provider(req, res) {
  var secret = req.app.get('webhook secret');
  var sig = parseSignatureHeader(req.get('Provider-Signature'));
  if (!sig) return errors.badRequest(res, 'Invalid signature');

  var raw = req.rawBody || Buffer.alloc(0);
  var expected = crypto
    .createHmac('sha256', secret)
    .update(sig.t + '.')
    .update(raw)
    .digest('hex');
  var ok = sig.v1.some(function (candidate) {
    return safeEqualHex(candidate, expected);
  });
  if (!ok) return errors.badRequest(res, 'Invalid signature');

  if (Math.abs(db.now() - parseInt(sig.t, 10)) > TOLERANCE_SECONDS) {
    return errors.badRequest(res, 'Timestamp outside the tolerance zone');
  }

  var event = req.body || {};
  var conn = req.db;
  if (typeof event.id !== 'string' || !event.id) {
    return res.json({ received: true });
  }
  var seen = conn.prepare('SELECT id FROM webhook_events WHERE id = ?').get(event.id);
  if (seen) {
    return res.json({ received: true });
  }

  conn.transaction(function () {
    conn
      .prepare('INSERT INTO webhook_events (id, type, payload, received) VALUES (?, ?, ?, ?)')
      .run(event.id, typeof event.type === 'string' ? event.type : null, JSON.stringify(event), db.now());

    var paymentId = event.data && typeof event.data.payment === 'string' ? event.data.payment : null;
    var payment = paymentId ? conn.prepare('SELECT * FROM payments WHERE id = ?').get(paymentId) : null;
    if (!payment) return;

    if (event.type === 'payment.disputed') {
      conn.prepare('UPDATE payments SET disputed = 1 WHERE id = ?').run(payment.id);
      outbox.email(conn, payment.account_id, 'dispute.opened', {
        to: payment.account_id,
        payment: payment.id,
        event: event.id,
      });
    } else if (event.type === 'payment.dispute_closed') {
      conn.prepare('UPDATE payments SET disputed = 0 WHERE id = ?').run(payment.id);
    }
  })();

  res.json({ received: true });
}

module.exports = {
  provider: provider,
  parseSignatureHeader: parseSignatureHeader,
};
