'use strict';

var express = require('express');
var requireApiKey = require('../lib/auth').requireApiKey;
var subscriptions = require('../controllers/subscriptions');

var router = express.Router();

router.post('/', requireApiKey, subscriptions.create);
router.post('/:id/cancel', requireApiKey, subscriptions.cancel);

module.exports = router;
