import type { Db } from '../db/schema.js';
import { newId } from '../domain/ids.js';
import { amountRemaining } from '../domain/invoice.js';
import { unrefundedAmount, type Payment, type Refund, type RefundReason } from '../domain/payment.js';
import { nowSeconds } from '../domain/time.js';
import { conflict, invalidParam, notFound } from '../http/errors.js';
import type { CustomerRepository } from '../repositories/customers.js';
import type { InvoiceRepository } from '../repositories/invoices.js';
import type { Outbox } from '../repositories/outbox.js';
import type { PaymentRepository } from '../repositories/payments.js';

export interface NewPayment {
  invoiceId: string;
  /** Defaults to what remains to be paid. */
  amount?: number;
}

export interface NewRefund {
  /** Defaults to what has not been refunded yet. */
  amount?: number;
  reason: RefundReason | null;
}

export class PaymentService {
  constructor(
    private readonly db: Db,
    private readonly payments: PaymentRepository,
    private readonly invoices: InvoiceRepository,
    private readonly customers: CustomerRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Pays an open invoice, in full or in part; paid in full, it becomes `paid`. */
  pay(accountId: string, input: NewPayment): Payment {
    return this.db.transaction(() => {
      const invoice = this.invoices.findById(accountId, input.invoiceId);
      if (invoice === undefined) throw notFound('invoice', input.invoiceId);
      if (invoice.status !== 'open') throw conflict(`Invoice ${invoice.id} is not open (status: ${invoice.status})`);
      const remaining = amountRemaining(invoice);
      const amount = input.amount ?? remaining;
      // Only a default can be below 1: an open invoice of free lines cannot take a payment of 0.
      if (amount < 1) throw invalidParam('amount must be a positive integer', 'amount');
      if (amount > remaining) throw invalidParam(`Amount ${amount} exceeds the amount remaining (${remaining})`, 'amount');

      const now = nowSeconds();
      const payment: Payment = {
        id: newId('py'),
        accountId,
        invoiceId: invoice.id,
        amount,
        currency: invoice.currency,
        status: 'succeeded',
        amountRefunded: 0,
        disputed: false,
        created: now,
      };
      this.payments.insert(payment);
      this.invoices.recordPayment(invoice.id, invoice.amountPaid + amount);
      if (amount === remaining) this.invoices.markPaid(invoice.id, now);
      const customer = this.customers.findById(accountId, invoice.customerId);
      this.outbox.email('payment.receipt', { to: customer?.email ?? null, payment: payment.id, invoice: invoice.id, amount });
      return payment;
    })();
  }

  get(accountId: string, id: string): { payment: Payment; refunds: Refund[] } {
    const payment = this.payments.findById(accountId, id);
    if (payment === undefined) throw notFound('payment', id);
    return { payment, refunds: this.payments.refundsOf(id) };
  }

  /** Refunds at most what has not been refunded yet. */
  refund(accountId: string, paymentId: string, input: NewRefund): Refund {
    return this.db.transaction(() => {
      const payment = this.payments.findById(accountId, paymentId);
      if (payment === undefined) throw notFound('payment', paymentId);
      const refundable = unrefundedAmount(payment);
      const amount = input.amount ?? refundable;
      if (amount < 1) throw invalidParam('amount must be a positive integer', 'amount');
      if (amount > refundable) throw invalidParam(`Refund amount (${amount}) is greater than unrefunded amount on payment (${refundable})`, 'amount');

      const refund: Refund = {
        id: newId('re'),
        accountId,
        paymentId: payment.id,
        amount,
        reason: input.reason,
        status: 'succeeded',
        created: nowSeconds(),
      };
      this.payments.insertRefund(refund);
      const invoice = this.invoices.findById(accountId, payment.invoiceId);
      const customer = invoice && this.customers.findById(accountId, invoice.customerId);
      this.outbox.email('refund.created', { to: customer?.email ?? null, refund: refund.id, payment: payment.id, amount });
      return refund;
    })();
  }
}
