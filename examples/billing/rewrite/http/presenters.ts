import type { Customer } from '../domain/customer.js';
import { amountRemaining, lineAmount, type Invoice } from '../domain/invoice.js';
import { formatPercent } from '../domain/money.js';
import type { Payment, Refund } from '../domain/payment.js';
import type { Subscription } from '../domain/subscription.js';

/** The API's JSON objects. Key order is part of the contract: keep it as documented. */

export function presentCustomer(customer: Customer) {
  return {
    id: customer.id,
    object: 'customer' as const,
    email: customer.email,
    name: customer.name,
    phone: customer.phone,
    address: customer.address,
    metadata: customer.metadata,
    balance: customer.balance,
    created: customer.created,
  };
}

export function presentInvoice(invoice: Invoice) {
  return {
    id: invoice.id,
    object: 'invoice' as const,
    customer: invoice.customerId,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    lines: invoice.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unit_amount: line.unit_amount,
      amount: lineAmount(line),
    })),
    subtotal: invoice.subtotal,
    tax_percent: formatPercent(invoice.taxRateBp),
    tax: invoice.tax,
    total: invoice.total,
    amount_paid: invoice.amountPaid,
    amount_remaining: amountRemaining(invoice),
    due_date: invoice.dueDate,
    created: invoice.created,
    finalized_at: invoice.finalizedAt,
    paid_at: invoice.paidAt,
    voided_at: invoice.voidedAt,
  };
}

export function presentRefund(refund: Refund) {
  return {
    id: refund.id,
    object: 'refund' as const,
    payment: refund.paymentId,
    amount: refund.amount,
    reason: refund.reason,
    status: refund.status,
    created: refund.created,
  };
}

export function presentPayment(payment: Payment, refunds: readonly Refund[]) {
  return {
    id: payment.id,
    object: 'payment' as const,
    invoice: payment.invoiceId,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    amount_refunded: payment.amountRefunded,
    disputed: payment.disputed,
    created: payment.created,
    refunds: refunds.map(presentRefund),
  };
}

export function presentSubscription(subscription: Subscription) {
  return {
    id: subscription.id,
    object: 'subscription' as const,
    customer: subscription.customerId,
    plan: subscription.plan,
    amount: subscription.amount,
    currency: subscription.currency,
    interval: subscription.interval,
    status: subscription.status,
    cancel_at_period_end: subscription.cancelAtPeriodEnd,
    current_period_start: subscription.currentPeriodStart,
    current_period_end: subscription.currentPeriodEnd,
    canceled_at: subscription.canceledAt,
    created: subscription.created,
  };
}
