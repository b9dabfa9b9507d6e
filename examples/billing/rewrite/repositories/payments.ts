import type { Db } from '../db/schema.js';
import type { Payment, Refund, RefundReason } from '../domain/payment.js';

interface PaymentRow {
  id: string;
  account_id: string;
  invoice_id: string;
  money_cents: number;
  currency: string;
  status: 'succeeded';
  refunded_cents: number;
  disputed: number;
  created_at: number;
}

interface RefundRow {
  id: string;
  account_id: string;
  payment_id: string;
  money_cents: number;
  reason: RefundReason | null;
  status: 'succeeded';
  created_at: number;
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    accountId: row.account_id,
    invoiceId: row.invoice_id,
    amount: row.money_cents,
    currency: row.currency,
    status: row.status,
    amountRefunded: row.refunded_cents,
    disputed: row.disputed === 1,
    created: row.created_at,
  };
}

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    accountId: row.account_id,
    paymentId: row.payment_id,
    amount: row.money_cents,
    reason: row.reason,
    status: row.status,
    created: row.created_at,
  };
}

export class PaymentRepository {
  constructor(private readonly db: Db) {}

  insert(payment: Payment): void {
    this.db
      .prepare(
        `INSERT INTO payment (id, account_id, invoice_id, money_cents, currency, status, refunded_cents, disputed, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        payment.id,
        payment.accountId,
        payment.invoiceId,
        payment.amount,
        payment.currency,
        payment.status,
        payment.amountRefunded,
        payment.disputed ? 1 : 0,
        payment.created,
      );
  }

  findById(accountId: string, id: string): Payment | undefined {
    const row = this.db.prepare('SELECT * FROM payment WHERE account_id = ? AND id = ?').get(accountId, id) as PaymentRow | undefined;
    return row && toPayment(row);
  }

  /** Any account's payment: the payment provider knows payments, not accounts. */
  findByProviderReference(id: string): Payment | undefined {
    const row = this.db.prepare('SELECT * FROM payment WHERE id = ?').get(id) as PaymentRow | undefined;
    return row && toPayment(row);
  }

  setDisputed(id: string, disputed: boolean): void {
    this.db.prepare('UPDATE payment SET disputed = ? WHERE id = ?').run(disputed ? 1 : 0, id);
  }

  insertRefund(refund: Refund): void {
    this.db
      .prepare('INSERT INTO refund (id, account_id, payment_id, money_cents, reason, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(refund.id, refund.accountId, refund.paymentId, refund.amount, refund.reason, refund.status, refund.created);
    this.db.prepare('UPDATE payment SET refunded_cents = refunded_cents + ? WHERE id = ?').run(refund.amount, refund.paymentId);
  }

  /** The payment's refunds, oldest first. */
  refundsOf(paymentId: string): Refund[] {
    const rows = this.db.prepare('SELECT * FROM refund WHERE payment_id = ? ORDER BY created_at ASC, rowid ASC').all(paymentId) as RefundRow[];
    return rows.map(toRefund);
  }
}
