'use strict';

// Row -> API object. Field order matters to some clients' snapshot tests: keep it.

var crypto = require('crypto');

function newId(prefix) {
  return prefix + '_' + crypto.randomBytes(8).toString('hex');
}

// 825 -> "8.25", 0 -> "0.00"
function percentFromBp(bp) {
  var whole = Math.floor(bp / 100);
  var cents = bp % 100;
  return whole + '.' + (cents < 10 ? '0' : '') + cents;
}

// unix seconds -> "YYYY-MM-DD" (UTC)
function isoDate(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function parseJson(text, fallback) {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch (e) {
    return fallback;
  }
}

function customer(row) {
  return {
    id: row.id,
    object: 'customer',
    email: row.email,
    name: row.name === undefined ? null : row.name,
    phone: row.phone === undefined ? null : row.phone,
    address: parseJson(row.address, null),
    metadata: parseJson(row.metadata, {}),
    balance: row.balance || 0,
    created: row.created,
  };
}

function invoiceLine(row) {
  return {
    description: row.description,
    quantity: row.quantity,
    unit_amount: row.unit_amount,
    amount: row.amount,
  };
}

function invoice(row, lines) {
  return {
    id: row.id,
    object: 'invoice',
    customer: row.customer_id,
    number: row.number,
    status: row.status,
    currency: row.currency,
    lines: (lines || []).map(invoiceLine),
    subtotal: row.subtotal,
    tax_percent: percentFromBp(row.tax_bp),
    tax: row.tax,
    total: row.total,
    amount_paid: row.amount_paid,
    amount_remaining: row.total - row.amount_paid,
    due_date: row.due_date,
    created: row.created,
    finalized_at: row.finalized_at,
    paid_at: row.paid_at,
    voided_at: row.voided_at,
  };
}

function refund(row) {
  return {
    id: row.id,
    object: 'refund',
    payment: row.payment_id,
    amount: row.amount,
    reason: row.reason,
    status: row.status,
    created: row.created,
  };
}

function payment(row, refunds) {
  return {
    id: row.id,
    object: 'payment',
    invoice: row.invoice_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    amount_refunded: row.amount_refunded,
    disputed: !!row.disputed,
    created: row.created,
    refunds: (refunds || []).map(refund),
  };
}

function subscription(row) {
  return {
    id: row.id,
    object: 'subscription',
    customer: row.customer_id,
    plan: row.plan,
    amount: row.amount,
    currency: row.currency,
    interval: row.interval,
    status: row.status,
    cancel_at_period_end: !!row.cancel_at_period_end,
    current_period_start: row.current_period_start,
    current_period_end: row.current_period_end,
    canceled_at: row.canceled_at,
    created: row.created,
  };
}

module.exports = {
  newId: newId,
  percentFromBp: percentFromBp,
  isoDate: isoDate,
  customer: customer,
  invoice: invoice,
  invoiceLine: invoiceLine,
  payment: payment,
  refund: refund,
  subscription: subscription,
};
