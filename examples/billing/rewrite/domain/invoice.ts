import { taxOn } from './money.js';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void';

export interface LineItem {
  description: string;
  quantity: number;
  unit_amount: number;
}

export interface Invoice {
  id: string;
  accountId: string;
  customerId: string;
  number: string | null;
  status: InvoiceStatus;
  currency: string;
  lines: LineItem[];
  taxRateBp: number;
  subtotal: number;
  tax: number;
  total: number;
  amountPaid: number;
  dueDate: string;
  created: number;
  finalizedAt: number | null;
  paidAt: number | null;
  voidedAt: number | null;
}

export interface InvoiceAmounts {
  subtotal: number;
  tax: number;
  total: number;
}

export function lineAmount(line: LineItem): number {
  return line.quantity * line.unit_amount;
}

/** Subtotal, tax (rounded once, on the subtotal) and total of new lines. */
export function computeAmounts(lines: readonly LineItem[], taxRateBp: number): InvoiceAmounts {
  const subtotal = lines.reduce((sum, line) => sum + lineAmount(line), 0);
  const tax = taxOn(subtotal, taxRateBp);
  return { subtotal, tax, total: subtotal + tax };
}

export function amountRemaining(invoice: Pick<Invoice, 'total' | 'amountPaid'>): number {
  return invoice.total - invoice.amountPaid;
}

/** The account's n-th invoice number: `INV-000042`. */
export function formatInvoiceNumber(sequence: number): string {
  return `INV-${String(sequence).padStart(6, '0')}`;
}
