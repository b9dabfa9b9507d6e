import { readJson, writeJson } from '../db/json.js';
import type { Db } from '../db/schema.js';
import type { Address, Customer, CustomerProfile, Metadata } from '../domain/customer.js';

interface CustomerRow {
  id: string;
  account_id: string;
  email: string;
  display_name: string | null;
  phone: string | null;
  address_json: string | null;
  metadata_json: string;
  balance_cents: number;
  created_at: number;
}

type ProfileRow = Pick<CustomerRow, 'email' | 'display_name' | 'phone' | 'address_json' | 'metadata_json'>;

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    accountId: row.account_id,
    email: row.email,
    name: row.display_name,
    phone: row.phone,
    address: readJson<Address>(row.address_json) ?? null,
    metadata: readJson<Metadata>(row.metadata_json) ?? {},
    balance: row.balance_cents,
    created: row.created_at,
  };
}

function toProfile(row: ProfileRow): Partial<CustomerProfile> {
  return {
    email: row.email,
    name: row.display_name,
    phone: row.phone,
    address: readJson<Address>(row.address_json),
    metadata: readJson<Metadata>(row.metadata_json),
  };
}

export interface CustomerQuery {
  email?: string;
  limit: number;
  offset: number;
}

export class CustomerRepository {
  constructor(private readonly db: Db) {}

  insert(customer: Customer): void {
    this.db
      .prepare(
        `INSERT INTO customer (id, account_id, email, display_name, phone, address_json, metadata_json, balance_cents, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        customer.id,
        customer.accountId,
        customer.email,
        customer.name,
        customer.phone,
        writeJson(customer.address),
        JSON.stringify(customer.metadata),
        customer.balance,
        customer.created,
      );
  }

  findById(accountId: string, id: string): Customer | undefined {
    const row = this.db.prepare('SELECT * FROM customer WHERE account_id = ? AND id = ?').get(accountId, id) as CustomerRow | undefined;
    return row && toCustomer(row);
  }

  /** A page of the account's customers, oldest first. */
  list(accountId: string, query: CustomerQuery): { customers: Customer[]; totalCount: number } {
    const where = query.email === undefined ? 'account_id = ?' : 'account_id = ? AND email = ?';
    const params = query.email === undefined ? [accountId] : [accountId, query.email];
    const { count } = this.db.prepare(`SELECT count(*) AS count FROM customer WHERE ${where}`).get(...params) as { count: number };
    const rows = this.db
      .prepare(`SELECT * FROM customer WHERE ${where} ORDER BY created_at ASC, id ASC LIMIT ? OFFSET ?`)
      .all(...params, query.limit, query.offset) as CustomerRow[];
    return { customers: rows.map(toCustomer), totalCount: count };
  }

  /** Saves a new profile and answers the customer as stored. */
  updateProfile(current: Customer, profile: CustomerProfile): Customer {
    const row = this.db
      .prepare(
        `UPDATE customer SET email = ?, display_name = ?, phone = ?, address_json = ?, metadata_json = ?
         WHERE id = ? RETURNING email, display_name, phone, address_json, metadata_json`,
      )
      .get(profile.email, profile.name, profile.phone, writeJson(profile.address), JSON.stringify(profile.metadata), current.id) as ProfileRow;
    return { ...current, ...toProfile(row) };
  }
}
