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

/**
 * `parity test` runs: one row per run, one per (example, target). The readiness report reads the
 * latest run per endpoint; failures and differences are JSON because they are only ever shown,
 * never queried into.
 */
const specTestRuns: Migration = {
  version: 2,
  name: 'spec_test_runs',
  up(db) {
    db.exec(`
      CREATE TABLE test_runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        legacy_url TEXT NOT NULL,
        rewrite_url TEXT NOT NULL,
        specs_dir TEXT NOT NULL,
        only_glob TEXT,
        diff INTEGER NOT NULL,
        examples INTEGER NOT NULL,
        rewrite_failed INTEGER NOT NULL,
        legacy_failed INTEGER NOT NULL,
        differing INTEGER NOT NULL,
        passed INTEGER NOT NULL
      );
      CREATE TABLE test_results (
        run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
        spec_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        behavior TEXT,
        disposition TEXT NOT NULL,
        example TEXT NOT NULL,
        target TEXT NOT NULL CHECK (target IN ('legacy', 'rewrite')),
        outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'error', 'skipped', 'bug-gone')),
        reason TEXT,
        duration_ms REAL NOT NULL,
        failures TEXT NOT NULL,
        differences TEXT,
        PRIMARY KEY (run_id, spec_id, example, target)
      );
      CREATE INDEX test_results_by_endpoint ON test_results (endpoint, run_id);
    `);
  },
};

// Append new migrations here, numbered 3, 4, ... in order.
export const MIGRATIONS: readonly Migration[] = [storeMeta, specTestRuns];
