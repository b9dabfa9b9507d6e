'use strict';

var crypto = require('crypto');
var db = require('./db');
var errors = require('./errors');

var TTL_SECONDS = 24 * 60 * 60;

function hashBody(body) {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(body === undefined ? {} : body))
    .digest('hex');
}

// Idempotency-Key support. Must run after requireApiKey (keys are per account).
//
// A key seen before (within 24 h) for this account replays the stored status and body with
// `Idempotent-Replayed: true` and does nothing else; a different body is a 409. Otherwise the
// response the handler sends (whatever its status) is stored under the key.
function idempotent(req, res, next) {
  var key = req.get('Idempotency-Key');
  if (!key) return next();

  var requestHash = hashBody(req.body);
  var cutoff = db.now() - TTL_SECONDS;
  var stored = req.db.prepare('SELECT * FROM idempotency_keys WHERE account_id = ? AND idem_key = ? AND created > ?').get(req.account.id, key, cutoff);

  if (stored) {
    if (stored.request_hash !== requestHash) {
      return errors.conflict(res, 'Keys for idempotent requests can only be used with the same parameters');
    }
    res.status(stored.status);
    res.set('Idempotent-Replayed', 'true');
    res.type('application/json');
    return res.send(stored.response_body);
  }

  var originalJson = res.json.bind(res);
  var conn = req.db;
  var accountId = req.account.id;
  res.json = function (body) {
    if (res.statusCode < 500) {
      conn
        .prepare('INSERT OR REPLACE INTO idempotency_keys (account_id, idem_key, request_hash, status, response_body, created) VALUES (?, ?, ?, ?, ?, ?)')
        .run(accountId, key, requestHash, res.statusCode, JSON.stringify(body), db.now());
    }
    return originalJson(body);
  };
  next();
}

module.exports = {
  idempotent: idempotent,
  hashBody: hashBody,
};
