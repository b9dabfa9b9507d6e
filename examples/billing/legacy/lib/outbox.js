'use strict';

// Side effects are not sent inline: they are written to the outbox table and a separate worker
// (not part of this repository) delivers them. kind is 'email' or 'job'.

var db = require('./db');

function push(conn, accountId, kind, topic, payload) {
  conn
    .prepare('INSERT INTO outbox (account_id, kind, topic, payload, created) VALUES (?, ?, ?, ?, ?)')
    .run(accountId || null, kind, topic, JSON.stringify(payload || {}), db.now());
}

function email(conn, accountId, topic, payload) {
  push(conn, accountId, 'email', topic, payload);
}

function job(conn, accountId, topic, payload) {
  push(conn, accountId, 'job', topic, payload);
}

module.exports = {
  push: push,
  email: email,
  job: job,
};
