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

/**
 * `parity shadow`: what the proxy records, sized by the number of distinct differences rather
 * than the number of requests. Times are milliseconds since the epoch. Per endpoint and minute:
 * counts by outcome, HDR latency histograms (microseconds, compressed encoding, mergeable across
 * minutes and stores) and status pairs (candidate status 0 = no candidate response). Differences
 * are grouped into signatures; per (pattern, kind) the raw (primary vs candidate) and noise
 * (primary vs secondary) counts feed Diffy's rule. Full exchanges are kept only as samples: the
 * first few per signature and a reservoir of matches per endpoint. Sample messages are JSON
 * documents, already redacted, bodies as UTF-8 text or base64.
 */
const shadow: Migration = {
  version: 3,
  name: 'shadow',
  up(db) {
    db.exec(`
      CREATE TABLE shadow_sessions (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        stopped_at INTEGER,
        info TEXT NOT NULL DEFAULT '{}',
        mirrored INTEGER NOT NULL DEFAULT 0,
        dropped INTEGER NOT NULL DEFAULT 0,
        lost INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE shadow_rollups (
        endpoint TEXT NOT NULL,
        minute INTEGER NOT NULL,
        match INTEGER NOT NULL DEFAULT 0,
        mismatch INTEGER NOT NULL DEFAULT 0,
        expected INTEGER NOT NULL DEFAULT 0,
        candidate_error INTEGER NOT NULL DEFAULT 0,
        not_compared INTEGER NOT NULL DEFAULT 0,
        dropped INTEGER NOT NULL DEFAULT 0,
        primary_latency BLOB,
        candidate_latency BLOB,
        PRIMARY KEY (endpoint, minute)
      ) WITHOUT ROWID;
      CREATE INDEX shadow_rollups_by_minute ON shadow_rollups (minute);
      CREATE TABLE shadow_status_pairs (
        endpoint TEXT NOT NULL,
        minute INTEGER NOT NULL,
        primary_status INTEGER NOT NULL,
        candidate_status INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (endpoint, minute, primary_status, candidate_status)
      ) WITHOUT ROWID;
      CREATE TABLE shadow_signatures (
        id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        signature TEXT NOT NULL,
        differences TEXT NOT NULL,
        count INTEGER NOT NULL,
        expected INTEGER NOT NULL DEFAULT 0,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        samples INTEGER NOT NULL DEFAULT 0,
        UNIQUE (endpoint, signature)
      );
      CREATE TABLE shadow_path_counts (
        endpoint TEXT NOT NULL,
        pattern TEXT NOT NULL,
        kind TEXT NOT NULL,
        raw INTEGER NOT NULL DEFAULT 0,
        noise INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (endpoint, pattern, kind)
      ) WITHOUT ROWID;
      CREATE TABLE shadow_reservoirs (
        endpoint TEXT PRIMARY KEY,
        seen INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE shadow_samples (
        id INTEGER PRIMARY KEY,
        signature_id INTEGER REFERENCES shadow_signatures(id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        reservoir_slot INTEGER,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('match', 'mismatch', 'expected', 'candidate_error', 'not_compared')),
        request TEXT NOT NULL,
        primary_response TEXT NOT NULL,
        candidate_response TEXT,
        secondary_response TEXT,
        differences TEXT NOT NULL,
        noise TEXT NOT NULL,
        CHECK ((signature_id IS NULL) <> (reservoir_slot IS NULL))
      );
      CREATE INDEX shadow_samples_by_signature ON shadow_samples (signature_id);
      CREATE UNIQUE INDEX shadow_samples_reservoir ON shadow_samples (endpoint, reservoir_slot) WHERE reservoir_slot IS NOT NULL;
    `);
  },
};

/**
 * Hourly counts of signatures and of per-path raw/noise differences, so a readiness report over
 * a window (`--since`) or per day judges only that time's differences. Sized by distinct
 * differences times hours. Rows that migration 3 counted all-time are filed under the hour of
 * the signature's last sighting (paths: the endpoint's last rollup minute), the closest a store
 * written before this migration can say.
 */
const shadowHours: Migration = {
  version: 4,
  name: 'shadow_hours',
  up(db) {
    db.exec(`
      CREATE TABLE shadow_signature_hours (
        signature_id INTEGER NOT NULL REFERENCES shadow_signatures(id) ON DELETE CASCADE,
        hour INTEGER NOT NULL,
        count INTEGER NOT NULL,
        expected INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (signature_id, hour)
      ) WITHOUT ROWID;
      CREATE TABLE shadow_path_hours (
        endpoint TEXT NOT NULL,
        hour INTEGER NOT NULL,
        pattern TEXT NOT NULL,
        kind TEXT NOT NULL,
        raw INTEGER NOT NULL DEFAULT 0,
        noise INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (endpoint, hour, pattern, kind)
      ) WITHOUT ROWID;
      INSERT INTO shadow_signature_hours (signature_id, hour, count, expected)
        SELECT id, (last_seen / 3600000) * 3600000, count, expected FROM shadow_signatures;
      INSERT INTO shadow_path_hours (endpoint, hour, pattern, kind, raw, noise)
        SELECT p.endpoint, coalesce((SELECT (max(r.minute) / 3600000) * 3600000 FROM shadow_rollups r WHERE r.endpoint = p.endpoint), 0),
               p.pattern, p.kind, p.raw, p.noise
        FROM shadow_path_counts p;
    `);
  },
};

// Append new migrations here, numbered 5, 6, ... in order.
export const MIGRATIONS: readonly Migration[] = [storeMeta, specTestRuns, shadow, shadowHours];
