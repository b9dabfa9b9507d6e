import type { Db } from '../db/schema.js';
import { newId } from '../domain/ids.js';
import { computeAmounts, formatInvoiceNumber, type Invoice, type LineItem } from '../domain/invoice.js';
import { addDays, nowSeconds, utcDate } from '../domain/time.js';
import { conflict, notFound } from '../http/errors.js';
import type { CustomerRepository } from '../repositories/customers.js';
import type { CustomerInvoicesQuery, InvoiceRepository } from '../repositories/invoices.js';
import type { Outbox } from '../repositories/outbox.js';

export interface NewInvoice {
  customerId: string;
  lines: LineItem[];
  currency: string;
  taxRateBp: number;
  dueDays: number;
}

export class InvoiceService {
  constructor(
    private readonly db: Db,
    private readonly invoices: InvoiceRepository,
    private readonly customers: CustomerRepository,
    private readonly outbox: Outbox,
  ) {}

  create(accountId: string, input: NewInvoice): Invoice {
    if (this.customers.findById(accountId, input.customerId) === undefined) throw notFound('customer', input.customerId);
    const created = nowSeconds();
    const invoice: Invoice = {
      id: newId('in'),
      accountId,
      customerId: input.customerId,
      number: null,
      status: 'draft',
      currency: input.currency,
      lines: input.lines,
      taxRateBp: input.taxRateBp,
      ...computeAmounts(input.lines, input.taxRateBp),
      amountPaid: 0,
      dueDate: utcDate(addDays(created, input.dueDays)),
      created,
      finalizedAt: null,
      paidAt: null,
      voidedAt: null,
    };
    this.invoices.insert(invoice);
    return invoice;
  }

  get(accountId: string, id: string): Invoice {
    const invoice = this.invoices.findById(accountId, id);
    if (invoice === undefined) throw notFound('invoice', id);
    return invoice;
  }

  listForCustomer(accountId: string, customerId: string, query: CustomerInvoicesQuery): { invoices: Invoice[]; hasMore: boolean } {
    if (this.customers.findById(accountId, customerId) === undefined) throw notFound('customer', customerId);
    return this.invoices.listForCustomer(customerId, query);
  }

  /** draft → open, with the account's next number. An open invoice is answered as it is. */
  finalize(accountId: string, id: string): Invoice {
    return this.db.transaction(() => {
      const invoice = this.get(accountId, id);
      if (invoice.status === 'open') return invoice;
      if (invoice.status !== 'draft') throw conflict(`Cannot finalize an invoice with status ${invoice.status}`);
      const number = formatInvoiceNumber(this.invoices.countNumbered(accountId) + 1);
      this.invoices.finalize(id, number, nowSeconds());
      const customer = this.customers.findById(accountId, invoice.customerId);
      this.outbox.email('invoice.finalized', { to: customer?.email ?? null, customer: invoice.customerId, invoice: id, number });
      return this.get(accountId, id);
    })();
  }

  void(accountId: string, id: string): Invoice {
    return this.db.transaction(() => {
      const invoice = this.get(accountId, id);
      if (invoice.status === 'paid') throw conflict('Cannot void a paid invoice');
      if (invoice.status === 'void') throw conflict(`Invoice ${id} is already void`);
      this.invoices.markVoid(id, nowSeconds());
      return this.get(accountId, id);
    })();
  }
}
