import type { Db } from '../db/schema.js';

export class ProviderEventRepository {
  constructor(private readonly db: Db) {}

  /** Records an event id; false if it was recorded before. */
  recordIfNew(id: string, type: string | null, at: number): boolean {
    const result = this.db.prepare('INSERT OR IGNORE INTO provider_event (id, type, received_at) VALUES (?, ?, ?)').run(id, type, at);
    return result.changes === 1;
  }
}
