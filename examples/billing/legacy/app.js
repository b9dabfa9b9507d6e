'use strict';

// Billing API (legacy). Started by server.js, or in-process by examples/billing/index.ts.
//
//   var built = require('./app').createApp({ dbFile: ':memory:', seedFile: '../seed.json', webhookSecret: 'whsec_...' });
//   http.createServer(built.app).listen(3000);
//   ...
//   built.close();

var express = require('express');
var db = require('./lib/db');
var errors = require('./lib/errors');
var ratelimit = require('./lib/ratelimit');

function createApp(options) {
  options = options || {};
  var conn = db.open(options.dbFile || ':memory:');
  if (db.isEmpty(conn) && options.seedFile) {
    db.loadSeed(conn, options.seedFile);
  }

  var app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('webhook secret', options.webhookSecret || 'whsec_parity_demo');
  app.set('rate limit', options.rateLimit || ratelimit.DEFAULTS);

  // keep the raw bytes around: the provider's webhook signature is computed over them
  app.use(
    express.json({
      verify: function (req, res, buf) {
        req.rawBody = buf;
      },
    }),
  );

  app.use(function (req, res, next) {
    req.db = conn;
    next();
  });

  app.use('/customers', require('./routes/customers'));
  app.use('/invoices', require('./routes/invoices'));
  app.use('/payments', require('./routes/payments'));
  app.use('/subscriptions', require('./routes/subscriptions'));
  app.use('/webhooks', require('./routes/webhooks'));

  app.use(function (req, res) {
    errors.sendError(res, 404, 'not_found', 'Unrecognized request URL (' + req.method + ': ' + req.path + ')');
  });

  // express only treats a middleware with four parameters as an error handler, so `next` stays
  app.use(function (err, req, res, next) {
    if (err.type === 'entity.parse.failed') {
      return errors.badRequest(res, 'Invalid JSON body');
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      return errors.sendError(res, err.status, 'invalid_request_error', err.message);
    }
    console.error(err);
    errors.sendError(res, 500, 'api_error', 'Internal server error');
  });

  return {
    app: app,
    db: conn,
    close: function () {
      if (conn.open) conn.close();
    },
  };
}

module.exports = {
  createApp: createApp,
};
