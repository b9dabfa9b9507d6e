import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { LineItem } from '../domain/invoice.js';
import { percentToBasisPoints } from '../domain/money.js';
import { fieldsOf, type Fields } from '../http/body.js';
import { callerOf } from '../http/context.js';
import { invalidParam } from '../http/errors.js';
import { presentInvoice } from '../http/presenters.js';
import { currency, isPlainObject, nonNegativeInteger, optionalPositiveInteger, optionalString, positiveInteger, requiredId } from '../http/validation.js';
import type { InvoiceService, NewInvoice } from '../services/invoices.js';

const DEFAULT_DUE_DAYS = 30;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

type IdParams = { Params: { id: string } };
type CustomerInvoicesRequest = { Params: { id: string }; Querystring: Record<string, unknown> };

function lines(value: unknown): LineItem[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidParam('Invoice must have at least one line', 'lines');
  return value.map((entry: unknown, index) => {
    const line = isPlainObject(entry) ? entry : {};
    const param = (field: string) => `lines[${index}].${field}`;
    return {
      description: optionalString(line.description, 'description', '', param('description')),
      quantity: positiveInteger(line.quantity, 'quantity', param('quantity')),
      unit_amount: nonNegativeInteger(line.unit_amount, 'unit_amount', param('unit_amount')),
    };
  });
}

function taxRate(value: unknown): number {
  if (value === undefined) return 0;
  const basisPoints = typeof value === 'number' && value >= 0 && value <= 100 ? percentToBasisPoints(value) : undefined;
  if (basisPoints === undefined) throw invalidParam('tax_percent must be a number between 0 and 100 with at most two decimals', 'tax_percent');
  return basisPoints;
}

function readNewInvoice(fields: Fields): NewInvoice {
  const customerId = requiredId(fields, 'customer');
  const items = lines(fields.lines);
  return {
    customerId,
    lines: items,
    currency: currency(fields),
    taxRateBp: taxRate(fields.tax_percent),
    dueDays: optionalPositiveInteger(fields, 'due_days') ?? DEFAULT_DUE_DAYS,
  };
}

/** `limit` is read the way parseInt reads it, then clamped to 1..100. */
function limit(value: unknown): number {
  const parsed = Number.parseInt(String(value), 10);
  return Number.isNaN(parsed) ? DEFAULT_LIMIT : Math.min(Math.max(parsed, 1), MAX_LIMIT);
}

/** A query filter: given and not empty. */
function filter(value: unknown): string | undefined {
  return value ? String(value) : undefined;
}

export const invoiceRoutes: FastifyPluginAsync<{ invoices: InvoiceService }> = async (app, { invoices }) => {
  app.post('/invoices', async (request, reply) => {
    const input = readNewInvoice(fieldsOf(request));
    return reply.code(201).send(presentInvoice(invoices.create(callerOf(request).account.id, input)));
  });

  app.get('/invoices/:id', async (request: FastifyRequest<IdParams>) => {
    return presentInvoice(invoices.get(callerOf(request).account.id, request.params.id));
  });

  app.get('/customers/:id/invoices', async (request: FastifyRequest<CustomerInvoicesRequest>) => {
    const customerId = request.params.id;
    const status = filter(request.query.status);
    const startingAfter = filter(request.query.starting_after);
    const page = invoices.listForCustomer(callerOf(request).account.id, customerId, {
      limit: limit(request.query.limit),
      ...(status !== undefined && { status }),
      ...(startingAfter !== undefined && { startingAfter }),
    });
    return { object: 'list', url: `/customers/${customerId}/invoices`, data: page.invoices.map(presentInvoice), has_more: page.hasMore };
  });

  app.post('/invoices/:id/finalize', async (request: FastifyRequest<IdParams>) => {
    return presentInvoice(invoices.finalize(callerOf(request).account.id, request.params.id));
  });

  app.post('/invoices/:id/void', async (request: FastifyRequest<IdParams>) => {
    return presentInvoice(invoices.void(callerOf(request).account.id, request.params.id));
  });
};
