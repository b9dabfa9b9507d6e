'use strict';

var express = require('express');
var requireApiKey = require('../lib/auth').requireApiKey;
var invoices = require('../controllers/invoices');

var router = express.Router();

router.use(requireApiKey);

router.post('/', invoices.create);
router.get('/:id', invoices.show);
router.post('/:id/finalize', invoices.finalize);
router.post('/:id/void', invoices.void);

module.exports = router;
