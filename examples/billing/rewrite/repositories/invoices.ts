import type { Db } from '../db/schema.js';
import type { Invoice, InvoiceStatus, LineItem } from '../domain/invoice.js';

interface InvoiceRow {
  id: string;
  account_id: string;
  customer_id: string;
  invoice_number: string | null;
  status: InvoiceStatus;
  currency: string;
  line_items: string;
  tax_rate_bp: number;
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  paid_cents: number;
  due_on: string;
  created_at: number;
  finalized_at: number | null;
  paid_at: number | null;
  voided_at: number | null;
}

function toInvoice(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    accountId: row.account_id,
    customerId: row.customer_id,
    number: row.invoice_number,
    status: row.status,
    currency: row.currency,
    lines: JSON.parse(row.line_items) as LineItem[],
    taxRateBp: row.tax_rate_bp,
    subtotal: row.subtotal_cents,
    tax: row.tax_cents,
    total: row.total_cents,
    amountPaid: row.paid_cents,
    dueDate: row.due_on,
    created: row.created_at,
    finalizedAt: row.finalized_at,
    paidAt: row.paid_at,
    voidedAt: row.voided_at,
  };
}

export interface CustomerInvoicesQuery {
  status?: string;
  /** Only invoices after this one in list order. */
  startingAfter?: string;
  limit: number;
}

export class InvoiceRepository {
  constructor(private readonly db: Db) {}

  insert(invoice: Invoice): void {
    this.db
      .prepare(
        `INSERT INTO invoice (id, account_id, customer_id, invoice_number, status, currency, line_items, tax_rate_bp,
           subtotal_cents, tax_cents, total_cents, paid_cents, due_on, created_at, finalized_at, paid_at, voided_at)
         VALUES (@id, @accountId, @customerId, @number, @status, @currency, @lines, @taxRateBp,
           @subtotal, @tax, @total, @amountPaid, @dueDate, @created, @finalizedAt, @paidAt, @voidedAt)`,
      )
      .run({ ...invoice, lines: JSON.stringify(invoice.lines) });
  }

  findById(accountId: string, id: string): Invoice | undefined {
    const row = this.db.prepare('SELECT * FROM invoice WHERE account_id = ? AND id = ?').get(accountId, id) as InvoiceRow | undefined;
    return row && toInvoice(row);
  }

  /**
   * A page of a customer's invoices, newest first, and whether more follow. An unknown
   * `startingAfter` answers an empty page.
   */
  listForCustomer(customerId: string, query: CustomerInvoicesQuery): { invoices: Invoice[]; hasMore: boolean } {
    const conditions = ['customer_id = @customerId'];
    if (query.status !== undefined) conditions.push('status = @status');
    if (query.startingAfter !== undefined) {
      const cursor = this.db.prepare('SELECT id FROM invoice WHERE customer_id = ? AND id = ?').get(customerId, query.startingAfter);
      if (cursor === undefined) return { invoices: [], hasMore: false };
      conditions.push('id < @startingAfter');
    }
    const rows = this.db
      .prepare(`SELECT * FROM invoice WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT @take`)
      .all({ customerId, status: query.status, startingAfter: query.startingAfter, take: query.limit + 1 }) as InvoiceRow[];
    return { invoices: rows.slice(0, query.limit).map(toInvoice), hasMore: rows.length > query.limit };
  }

  /** How many of the account's invoices have been given a number. */
  countNumbered(accountId: string): number {
    const { count } = this.db.prepare('SELECT count(*) AS count FROM invoice WHERE account_id = ? AND invoice_number IS NOT NULL').get(accountId) as {
      count: number;
    };
    return count;
  }

  finalize(id: string, number: string, at: number): void {
    this.db.prepare(`UPDATE invoice SET status = 'open', invoice_number = ?, finalized_at = ? WHERE id = ?`).run(number, at, id);
  }

  markVoid(id: string, at: number): void {
    this.db.prepare(`UPDATE invoice SET status = 'void', voided_at = ? WHERE id = ?`).run(at, id);
  }

  recordPayment(id: string, amountPaid: number): void {
    this.db.prepare('UPDATE invoice SET paid_cents = ? WHERE id = ?').run(amountPaid, id);
  }

  markPaid(id: string, at: number): void {
    this.db.prepare(`UPDATE invoice SET status = 'paid', paid_at = ? WHERE id = ?`).run(at, id);
  }
}
