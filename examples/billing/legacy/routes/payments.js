'use strict';

var express = require('express');
var requireApiKey = require('../lib/auth').requireApiKey;
var paymentsRateLimit = require('../lib/ratelimit').paymentsRateLimit;
var idempotent = require('../lib/idempotency').idempotent;
var payments = require('../controllers/payments');

var router = express.Router();

// order matters: auth, then rate limit, then idempotency replay, then the handler
router.post('/', [requireApiKey, paymentsRateLimit, idempotent], payments.create);
router.get('/:id', [requireApiKey], payments.show);
router.post('/:id/refunds', [requireApiKey], payments.refund);

module.exports = router;
