/**
 * The store's schema history. Each migration runs once, in its own transaction, and the runner
 * (migrate.ts) records its number in `PRAGMA user_version`. A released migration is never edited:
 * a schema change is a new entry appended with the next version number.
 */
import type Database from 'better-sqlite3';
import { packageVersion } from '../package-info.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

const storeMeta: Migration = {
  version: 1,
  name: 'store_meta',
  up(db) {
    db.exec('CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)');
    insert.run('created_at', new Date().toISOString());
    insert.run('created_by', `parity ${packageVersion()}`);
  },
};

// Append new migrations here, numbered 2, 3, ... in order.
export const MIGRATIONS: readonly Migration[] = [storeMeta];
