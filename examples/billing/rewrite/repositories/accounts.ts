import type { Db } from '../db/schema.js';

export interface Account {
  id: string;
  name: string;
}

export class AccountRepository {
  constructor(private readonly db: Db) {}

  findByApiKey(apiKey: string): Account | undefined {
    return this.db.prepare('SELECT id, name FROM account WHERE api_key = ?').get(apiKey) as Account | undefined;
  }
}
