'use strict';

var express = require('express');
var webhooks = require('../controllers/webhooks');

var router = express.Router();

// no API key on purpose: the provider signs its requests (Provider-Signature)
router.post('/provider', webhooks.provider);

module.exports = router;
