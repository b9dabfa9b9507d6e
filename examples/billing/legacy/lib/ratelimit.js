'use strict';

var errors = require('./errors');

// Token bucket per API key, kept in memory (one process per deploy, so that was fine).
// A bucket holds `burst` tokens and gets one back every `refillSeconds`.
var DEFAULTS = { burst: 20, refillSeconds: 3 };

function settings(app) {
  var configured = app.get('rate limit') || {};
  return {
    burst: configured.burst || DEFAULTS.burst,
    refillSeconds: configured.refillSeconds || DEFAULTS.refillSeconds,
  };
}

function buckets(app) {
  if (!app.locals.rateLimitBuckets) app.locals.rateLimitBuckets = new Map();
  return app.locals.rateLimitBuckets;
}

// Must run after requireApiKey.
function paymentsRateLimit(req, res, next) {
  var conf = settings(req.app);
  var all = buckets(req.app);
  var nowMs = Date.now();
  var bucket = all.get(req.apiKey);
  if (!bucket) {
    bucket = { tokens: conf.burst, updated: nowMs };
    all.set(req.apiKey, bucket);
  }
  var refillMs = conf.refillSeconds * 1000;
  bucket.tokens = Math.min(conf.burst, bucket.tokens + (nowMs - bucket.updated) / refillMs);
  bucket.updated = nowMs;

  if (bucket.tokens < 1) {
    var wait = Math.ceil(((1 - bucket.tokens) * refillMs) / 1000);
    if (wait < 1) wait = 1;
    res.set('Retry-After', String(wait));
    return errors.sendError(res, 429, 'rate_limit_error', 'Too many requests');
  }
  bucket.tokens -= 1;
  next();
}

module.exports = {
  paymentsRateLimit: paymentsRateLimit,
  DEFAULTS: DEFAULTS,
};
