export interface Payment {
  id: string;
  accountId: string;
  invoiceId: string;
  amount: number;
  currency: string;
  status: 'succeeded';
  amountRefunded: number;
  disputed: boolean;
  created: number;
}

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export interface Refund {
  id: string;
  accountId: string;
  paymentId: string;
  amount: number;
  reason: RefundReason | null;
  status: 'succeeded';
  created: number;
}

export function isRefundReason(value: unknown): value is RefundReason {
  return (REFUND_REASONS as readonly unknown[]).includes(value);
}

/** What can still be refunded on a payment. */
export function unrefundedAmount(payment: Pick<Payment, 'amount' | 'amountRefunded'>): number {
  return payment.amount - payment.amountRefunded;
}
