import type { Db } from '../db/schema.js';

export interface IdempotencyRecord {
  accountId: string;
  key: string;
  requestHash: string;
  status: number;
  body: string;
  created: number;
}

interface IdempotencyRow {
  account_id: string;
  idempotency_key: string;
  request_hash: string;
  response_status: number;
  response_body: string;
  created_at: number;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /** The record of a key used by the account after `cutoff` (unix seconds). */
  find(accountId: string, key: string, cutoff: number): IdempotencyRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM idempotency_record WHERE account_id = ? AND idempotency_key = ? AND created_at > ?')
      .get(accountId, key, cutoff) as IdempotencyRow | undefined;
    return (
      row && {
        accountId: row.account_id,
        key: row.idempotency_key,
        requestHash: row.request_hash,
        status: row.response_status,
        body: row.response_body,
        created: row.created_at,
      }
    );
  }

  /** Stores a response; an expired record of the same key is replaced. */
  save(record: IdempotencyRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO idempotency_record (account_id, idempotency_key, request_hash, response_status, response_body, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(record.accountId, record.key, record.requestHash, record.status, record.body, record.created);
  }
}
