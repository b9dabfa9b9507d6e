'use strict';

var express = require('express');
var requireApiKey = require('../lib/auth').requireApiKey;
var customers = require('../controllers/customers');
var invoices = require('../controllers/invoices');

var router = express.Router();

router.use(requireApiKey);

router.route('/').get(customers.list).post(customers.create);

router.route('/:id').get(customers.show).patch(customers.update);

// lives here because of the URL; the handler is in the invoices controller
router.get('/:id/invoices', invoices.listForCustomer);

module.exports = router;
