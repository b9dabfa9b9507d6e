import type { Db } from '../db/schema.js';
import { nowSeconds } from '../domain/time.js';

export type OutboxKind = 'email' | 'job';

/** Side effects, written in the same transaction as the change that causes them; a worker delivers them. */
export class Outbox {
  constructor(private readonly db: Db) {}

  email(topic: string, payload: Record<string, unknown>): void {
    this.add('email', topic, payload);
  }

  job(topic: string, payload: Record<string, unknown>): void {
    this.add('job', topic, payload);
  }

  private add(kind: OutboxKind, topic: string, payload: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO outbox_message (kind, topic, payload, created_at) VALUES (?, ?, ?, ?)')
      .run(kind, topic, JSON.stringify(payload), nowSeconds());
  }
}
