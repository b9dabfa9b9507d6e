import type { Db } from '../db/schema.js';
import { mergeMetadata, type Customer, type CustomerChanges, type CustomerProfile } from '../domain/customer.js';
import { newId } from '../domain/ids.js';
import { nowSeconds } from '../domain/time.js';
import { notFound } from '../http/errors.js';
import type { CustomerRepository } from '../repositories/customers.js';
import type { Outbox } from '../repositories/outbox.js';

export interface CustomerPage {
  customers: Customer[];
  page: number;
  perPage: number;
  totalCount: number;
  hasMore: boolean;
}

export class CustomerService {
  constructor(
    private readonly db: Db,
    private readonly customers: CustomerRepository,
    private readonly outbox: Outbox,
  ) {}

  create(accountId: string, profile: CustomerProfile): Customer {
    const customer: Customer = { id: newId('cus'), accountId, ...profile, balance: 0, created: nowSeconds() };
    this.db.transaction(() => {
      this.customers.insert(customer);
      this.outbox.email('customer.welcome', { to: customer.email, customer: customer.id });
    })();
    return customer;
  }

  get(accountId: string, id: string): Customer {
    const customer = this.customers.findById(accountId, id);
    if (customer === undefined) throw notFound('customer', id);
    return customer;
  }

  list(accountId: string, query: { page: number; perPage: number; email?: string }): CustomerPage {
    const { customers, totalCount } = this.customers.list(accountId, {
      ...(query.email !== undefined && { email: query.email }),
      limit: query.perPage,
      offset: (query.page - 1) * query.perPage,
    });
    return { customers, page: query.page, perPage: query.perPage, totalCount, hasMore: query.page * query.perPage < totalCount };
  }

  update(accountId: string, id: string, changes: CustomerChanges): Customer {
    const current = this.get(accountId, id);
    const profile: CustomerProfile = {
      email: changes.email ?? current.email,
      name: changes.name === undefined ? current.name : changes.name,
      phone: changes.phone === undefined ? current.phone : changes.phone,
      address: changes.address === undefined ? current.address : changes.address,
      metadata: changes.metadata === undefined ? current.metadata : mergeMetadata(current.metadata, changes.metadata),
    };
    return this.customers.updateProfile(current, profile);
  }
}
