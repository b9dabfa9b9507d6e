import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { mergeMetadata, normalizeEmail, type Address, type CustomerChanges, type CustomerProfile, type Metadata } from '../domain/customer.js';
import { fieldsOf, type Fields } from '../http/body.js';
import { callerOf } from '../http/context.js';
import { invalidParam, missingParam } from '../http/errors.js';
import { presentCustomer } from '../http/presenters.js';
import { isPlainObject, nullableString } from '../http/validation.js';
import type { CustomerService } from '../services/customers.js';

const DEFAULT_PAGE = 1;
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

type IdParams = { Params: { id: string } };
type ListQuery = { Querystring: Record<string, unknown> };

const ADDRESS_FIELDS = ['line1', 'city', 'postal_code', 'country'] as const;

function email(value: unknown): string {
  if (typeof value !== 'string' || !value.includes('@')) throw invalidParam(`Invalid email address: ${String(value)}`, 'email');
  return normalizeEmail(value);
}

/** An address has exactly its four string fields; anything else given with it is dropped. */
function address(value: unknown): Address | null {
  if (value === null) return null;
  if (!isPlainObject(value) || !ADDRESS_FIELDS.every((field) => typeof value[field] === 'string')) {
    throw invalidParam('address must be an object with string line1, city, postal_code and country', 'address');
  }
  const { line1, city, postal_code, country } = value as unknown as Address;
  return { line1, city, postal_code, country };
}

function metadata(value: unknown): Metadata {
  if (!isPlainObject(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw invalidParam('metadata must be an object of string values', 'metadata');
  }
  return value as Metadata;
}

/** Fields of a new customer, checked in the documented order. */
function readProfile(fields: Fields): CustomerProfile {
  if (fields.email === undefined || fields.email === null || fields.email === '') throw missingParam('email');
  return {
    email: email(fields.email),
    name: nullableString(fields.name ?? null, 'name'),
    phone: nullableString(fields.phone ?? null, 'phone'),
    address: fields.address === undefined ? null : address(fields.address),
    metadata: fields.metadata === undefined ? {} : mergeMetadata({}, metadata(fields.metadata)),
  };
}

/** Fields of an update: only those given. */
function readChanges(fields: Fields): CustomerChanges {
  const changes: CustomerChanges = {};
  if (fields.email !== undefined) changes.email = email(fields.email);
  if (fields.name !== undefined) changes.name = nullableString(fields.name, 'name');
  if (fields.phone !== undefined) changes.phone = nullableString(fields.phone, 'phone');
  if (fields.address !== undefined) changes.address = address(fields.address);
  if (fields.metadata !== undefined) changes.metadata = metadata(fields.metadata);
  return changes;
}

/** `page`/`per_page` are read the way parseInt reads them (`"3abc"` is 3); below 1 or not a number, the default. */
function pageNumber(value: unknown, fallback: number): number {
  const parsed = Number.parseInt(String(value), 10);
  return Number.isNaN(parsed) || parsed < 1 ? fallback : parsed;
}

export const customerRoutes: FastifyPluginAsync<{ customers: CustomerService }> = async (app, { customers }) => {
  app.get('/', async (request: FastifyRequest<ListQuery>) => {
    const { page, per_page, email: emailQuery } = request.query;
    const emailFilter = emailQuery ? String(emailQuery).toLowerCase() : undefined;
    const result = customers.list(callerOf(request).account.id, {
      page: pageNumber(page, DEFAULT_PAGE),
      perPage: Math.min(pageNumber(per_page, DEFAULT_PER_PAGE), MAX_PER_PAGE),
      ...(emailFilter !== undefined && { email: emailFilter }),
    });
    return {
      object: 'list',
      data: result.customers.map(presentCustomer),
      page: result.page,
      per_page: result.perPage,
      total_count: result.totalCount,
      has_more: result.hasMore,
    };
  });

  app.post('/', async (request, reply) => {
    const profile = readProfile(fieldsOf(request));
    const customer = customers.create(callerOf(request).account.id, profile);
    return reply.code(201).send(presentCustomer(customer));
  });

  app.get('/:id', async (request: FastifyRequest<IdParams>) => {
    return presentCustomer(customers.get(callerOf(request).account.id, request.params.id));
  });

  app.route<IdParams>({
    method: 'PATCH',
    url: '/:id',
    handler: async (request) => {
      const changes = readChanges(fieldsOf(request));
      return presentCustomer(customers.update(callerOf(request).account.id, request.params.id, changes));
    },
  });
};
