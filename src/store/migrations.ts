/**
 * The store's schema history. Each migration runs once, in its own transaction, and the runner
 * (migrate.ts) records its number in `PRAGMA user_version`. A released migration is never edited:
 * a schema change is a new entry appended with the next version number.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import * as hdr from 'hdr-histogram-js';
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

/**
 * Hourly rollups beside the minute ones: the same counts, merged latency histograms and status
 * pairs per endpoint and hour, plus the first and last minute with an exchange in it (null when
 * the hour only saw drops). A report over
 * weeks reads one row per endpoint-hour instead of sixty (decoding a histogram is what costs),
 * and the minute rows can later be thinned without losing the long view. Backfilled from the
 * minute tables.
 */
const shadowHourlyRollups: Migration = {
  version: 5,
  name: 'shadow_hourly_rollups',
  up(db) {
    db.exec(`
      CREATE TABLE shadow_rollups_hourly (
        endpoint TEXT NOT NULL,
        hour INTEGER NOT NULL,
        first_minute INTEGER,
        last_minute INTEGER,
        match INTEGER NOT NULL DEFAULT 0,
        mismatch INTEGER NOT NULL DEFAULT 0,
        expected INTEGER NOT NULL DEFAULT 0,
        candidate_error INTEGER NOT NULL DEFAULT 0,
        not_compared INTEGER NOT NULL DEFAULT 0,
        dropped INTEGER NOT NULL DEFAULT 0,
        primary_latency BLOB,
        candidate_latency BLOB,
        PRIMARY KEY (endpoint, hour)
      ) WITHOUT ROWID;
      CREATE INDEX shadow_rollups_hourly_by_hour ON shadow_rollups_hourly (hour);
      CREATE TABLE shadow_status_pairs_hourly (
        endpoint TEXT NOT NULL,
        hour INTEGER NOT NULL,
        primary_status INTEGER NOT NULL,
        candidate_status INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (endpoint, hour, primary_status, candidate_status)
      ) WITHOUT ROWID;
      INSERT INTO shadow_status_pairs_hourly (endpoint, hour, primary_status, candidate_status, count)
        SELECT endpoint, (minute / 3600000) * 3600000, primary_status, candidate_status, sum(count)
        FROM shadow_status_pairs GROUP BY 1, 2, 3, 4;
    `);
    const insert = db.prepare(`
      INSERT INTO shadow_rollups_hourly (endpoint, hour, first_minute, last_minute, match, mismatch, expected, candidate_error, not_compared, dropped, primary_latency, candidate_latency)
      VALUES (@endpoint, @hour, @first, @last, @match, @mismatch, @expected, @candidate_error, @not_compared, @dropped, @primary, @candidate)`);
    type Row = { endpoint: string; minute: number; primary_latency: Buffer | null; candidate_latency: Buffer | null } & Record<(typeof COUNTS)[number], number>;
    const COUNTS = ['match', 'mismatch', 'expected', 'candidate_error', 'not_compared', 'dropped'] as const;
    let current: {
      endpoint: string;
      hour: number;
      first: number | null;
      last: number | null;
      counts: Record<string, number>;
      primary: Buffer[];
      candidate: Buffer[];
    } | null = null;
    const finish = () => {
      if (!current) return;
      insert.run({
        endpoint: current.endpoint,
        hour: current.hour,
        first: current.first,
        last: current.last,
        ...current.counts,
        primary: mergedHistogram(current.primary),
        candidate: mergedHistogram(current.candidate),
      });
    };
    // One endpoint at a time: better-sqlite3 cannot write while a read is still iterating, and a whole store's rows may not fit in memory.
    const endpoints = db.prepare('SELECT DISTINCT endpoint FROM shadow_rollups ORDER BY endpoint').pluck().all() as string[];
    const rowsOf = db.prepare('SELECT * FROM shadow_rollups WHERE endpoint = ? ORDER BY minute');
    for (const endpoint of endpoints) {
      for (const row of rowsOf.all(endpoint) as Row[]) {
        const hour = Math.floor(row.minute / 3_600_000) * 3_600_000;
        if (!current || current.endpoint !== row.endpoint || current.hour !== hour) {
          finish();
          current = {
            endpoint: row.endpoint,
            hour,
            first: null,
            last: null,
            counts: Object.fromEntries(COUNTS.map((c) => [c, 0])),
            primary: [],
            candidate: [],
          };
        }
        if (row.match + row.mismatch + row.expected + row.candidate_error + row.not_compared > 0) {
          current.first ??= row.minute;
          current.last = row.minute;
        }
        for (const column of COUNTS) current.counts[column] = (current.counts[column] ?? 0) + row[column];
        if (row.primary_latency) current.primary.push(row.primary_latency);
        if (row.candidate_latency) current.candidate.push(row.candidate_latency);
      }
    }
    finish();
  },
};

/**
 * Minute histograms (HdrHistogram's compressed encoding) merged into one, encoded the same way;
 * null when there are none. Kept here rather than shared with the writer: a released migration
 * never changes, whatever the writer does later.
 */
function mergedHistogram(encoded: readonly Buffer[]): Buffer | null {
  if (encoded.length === 0) return null;
  const merged = hdr.decodeFromCompressedBase64(encoded[0]!.toString('base64'), 64, false);
  merged.autoResize = true;
  for (const bytes of encoded.slice(1)) merged.add(hdr.decodeFromCompressedBase64(bytes.toString('base64'), 64, false));
  return Buffer.from(hdr.encodeIntoCompressedBase64(merged), 'base64');
}

/**
 * The dashboard's marks on difference signatures: noise, expected (linked to a fix behaviour) or
 * a bug. The spec file holds what a mark changes (a compare rule, a behaviour's `signatures`);
 * this row remembers exactly what was added there, so undo removes that and nothing else.
 */
const dashboardMarks: Migration = {
  version: 6,
  name: 'dashboard_marks',
  up(db) {
    db.exec(`
      CREATE TABLE dashboard_marks (
        endpoint TEXT NOT NULL,
        signature TEXT NOT NULL,
        mark TEXT NOT NULL CHECK (mark IN ('noise', 'expected', 'bug')),
        behavior TEXT,
        spec_file TEXT,
        change TEXT NOT NULL DEFAULT '{}',
        at INTEGER NOT NULL,
        PRIMARY KEY (endpoint, signature)
      ) WITHOUT ROWID;
    `);
  },
};

/**
 * Descriptions written by Claude for `parity extract --llm`, so that a re-run over unchanged code
 * sends nothing. `input_hash` is the hash of the exact request: a changed budget, prompt text or
 * extractor output under the same key is a miss. `result` is the validated description as JSON.
 */
const llmCache: Migration = {
  version: 7,
  name: 'llm_cache',
  up(db) {
    db.exec(`
      CREATE TABLE llm_cache (
        endpoint TEXT NOT NULL,
        source_hash TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (endpoint, source_hash, model, prompt_version)
      ) WITHOUT ROWID;
    `);
  },
};

/**
 * Stateful shadowing (shadow-proxy/correlation.ts): the identifier pairs learned per side and the
 * identifiers marked diverged, so a restarted proxy keeps following the entities it knew; and the
 * differences recorded as downstream of a divergence, counted per root, endpoint and hour (they are
 * not mismatches, so neither signatures nor the correctness gate see them).
 *
 * The primary's values are production identifiers and credentials: they are kept only as the
 * SHA-256 of their key (`hash`, 128 bits in hex). The other side's value is needed to translate and
 * is kept as JSON. Pruning by age reads the whole table once, when a proxy starts: no index on
 * `used_at`, which would double what every learned pair costs on disk.
 */
const shadowCorrelation: Migration = {
  version: 8,
  name: 'shadow_correlation',
  up(db) {
    db.exec(`
      ALTER TABLE shadow_rollups ADD COLUMN downstream INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE shadow_rollups_hourly ADD COLUMN downstream INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE shadow_correlations (
        side TEXT NOT NULL CHECK (side IN ('candidate', 'secondary')),
        hash TEXT NOT NULL,
        other TEXT NOT NULL,
        scope TEXT,
        source TEXT NOT NULL,
        learned_at INTEGER NOT NULL,
        used_at INTEGER NOT NULL,
        PRIMARY KEY (side, hash)
      ) WITHOUT ROWID;
      CREATE TABLE shadow_divergences (
        hash TEXT PRIMARY KEY,
        root TEXT NOT NULL,
        marked_at INTEGER NOT NULL,
        used_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE shadow_downstream (
        root_endpoint TEXT NOT NULL,
        root_signature TEXT NOT NULL,
        root_outcome TEXT NOT NULL,
        root_at INTEGER NOT NULL,
        endpoint TEXT NOT NULL,
        hour INTEGER NOT NULL,
        count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        signatures TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (root_endpoint, root_signature, endpoint, hour)
      ) WITHOUT ROWID;
      CREATE INDEX shadow_downstream_by_hour ON shadow_downstream (hour);
    `);
  },
};

/**
 * Verdicts you can trust (issue 17). Per minute and hour:
 * - `noise`: requests that matched once the secondary's leaf noise was cancelled (clean matches,
 *   counted apart so the report can show raw, noise and unexpected); `inconclusive`: requests whose
 *   status or structure differed between the two legacy instances too (never a clean match);
 * - `secondary_compared` / `secondary_diverged`: requests with a secondary answer, and those where
 *   the primary and the secondary disagreed on status or structure (a drifted secondary);
 * - `reference_latency` / `paired_candidate_latency`: the timings of the side timed the way the
 *   candidate is (the secondary inline, the primary or the secondary detached) and the candidate's
 *   on the same requests: the like-for-like latency comparison.
 * Signatures count their inconclusive requests apart, all-time and per hour, and samples may be of
 * the new outcomes.
 */
const trustedVerdicts: Migration = {
  version: 9,
  name: 'trusted_verdicts',
  up(db) {
    for (const table of ['shadow_rollups', 'shadow_rollups_hourly']) {
      db.exec(`
        ALTER TABLE ${table} ADD COLUMN noise INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN inconclusive INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN secondary_compared INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN secondary_diverged INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN reference_latency BLOB;
        ALTER TABLE ${table} ADD COLUMN paired_candidate_latency BLOB;
      `);
    }
    db.exec(`
      ALTER TABLE shadow_signatures ADD COLUMN inconclusive INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE shadow_signature_hours ADD COLUMN inconclusive INTEGER NOT NULL DEFAULT 0;
    `);
    // Samples of inconclusive (and noise) comparisons are kept too: SQLite cannot change a CHECK, so the table is rebuilt.
    db.exec(`
      CREATE TABLE shadow_samples_new (
        id INTEGER PRIMARY KEY,
        signature_id INTEGER REFERENCES shadow_signatures(id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        reservoir_slot INTEGER,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('match', 'noise', 'inconclusive', 'mismatch', 'expected', 'candidate_error', 'not_compared', 'downstream')),
        request TEXT NOT NULL,
        primary_response TEXT NOT NULL,
        candidate_response TEXT,
        secondary_response TEXT,
        differences TEXT NOT NULL,
        noise TEXT NOT NULL,
        CHECK ((signature_id IS NULL) <> (reservoir_slot IS NULL))
      );
      INSERT INTO shadow_samples_new SELECT * FROM shadow_samples;
      DROP TABLE shadow_samples;
      ALTER TABLE shadow_samples_new RENAME TO shadow_samples;
      CREATE INDEX shadow_samples_by_signature ON shadow_samples (signature_id);
      CREATE UNIQUE INDEX shadow_samples_reservoir ON shadow_samples (endpoint, reservoir_slot) WHERE reservoir_slot IS NOT NULL;
    `);
  },
};

/**
 * A random key per store, for the keyed fingerprints of redacted credentials that let replay
 * re-inject an auth profile's headers (shadow-proxy/credentials.ts). Samples carry the
 * fingerprints in their request JSON, so no table changes shape.
 */
const credentialFingerprints: Migration = {
  version: 10,
  name: 'credential_fingerprints',
  up(db) {
    db.exec('CREATE TABLE store_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL)');
    db.prepare('INSERT INTO store_keys (name, key) VALUES (?, ?)').run('credential_fingerprints', randomBytes(32));
  },
};

// Append new migrations here, numbered 11, 12, ... in order.
export const MIGRATIONS: readonly Migration[] = [
  storeMeta,
  specTestRuns,
  shadow,
  shadowHours,
  shadowHourlyRollups,
  dashboardMarks,
  llmCache,
  shadowCorrelation,
  trustedVerdicts,
  credentialFingerprints,
];
