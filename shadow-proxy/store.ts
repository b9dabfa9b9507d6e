/**
 * The shadow store writer: what `parity shadow` records, batched off the request path.
 *
 * `record()` only pushes the comparison onto an in-memory batch; every `flushIntervalMs`, or as
 * soon as `maxBatch` records wait, the batch is aggregated and written in one transaction (WAL,
 * synchronous=NORMAL): a crash loses at most the batch in memory and never leaves a half-written
 * batch in the file. What is written grows with the number of distinct differences, not requests:
 * per endpoint and minute, and again per hour, counts, status pairs and HDR latency histograms; per signature, a
 * count and first/last seen, all-time and per hour; per (pattern, kind), raw and noise counts,
 * all-time and per hour; and full exchanges only as
 * samples (the first K per signature, a reservoir of matches per endpoint), redacted first.
 *
 * The writer stays on the main thread, measured: 200,000 repetitive records over 30 endpoints in
 * batches of 500 took 3.6 ms per batch at p50 and 13 ms at p99 (WAL auto-checkpoints included),
 * about 7 µs per record, and 2.6 bytes of file per record. Only samples pay for body handling. A
 * worker thread would add a structured clone of every record, bodies included, to save that; the
 * next step if the bench shows flush pauses in the proxy's client p99.
 *
 * One writer per store file: the minute histograms are cached here and written whole.
 */
import { isUtf8 } from 'node:buffer';
import Database from 'better-sqlite3';
import * as hdr from 'hdr-histogram-js';
import { decodedBody, differenceSignature, headerValue, isStructural, type Difference } from '../src/compare/response.js';
import type { PairChange, StoredPair } from '../src/correlate/map.js';
import { openStore } from '../src/store/store.js';
import type { CorrelatedSide } from './correlation.js';
import {
  compileRedaction,
  redactBody,
  redactDifferences,
  redactHeaders,
  redactTarget,
  type HeaderMap,
  type RedactionConfig,
  type RedactionPlan,
} from './redact.js';
import { credentialFingerprints, readFingerprintKey } from './credentials.js';

/**
 * `noise`: a match once the secondary's leaf noise was cancelled (a clean match, counted apart);
 * `inconclusive`: the secondary disagreed with the primary on status or structure where the
 * candidate did too, so nothing can be said (never a clean match; see compare.ts).
 * `downstream`: a difference on a request that uses an identifier an earlier write left diverged
 * (see correlation.ts): recorded against its root, not counted as a mismatch.
 */
export type ComparedOutcome = 'match' | 'noise' | 'inconclusive' | 'mismatch' | 'expected' | 'candidate_error' | 'not_compared' | 'downstream';
/** The rollup columns: each comparison outcome, and `dropped` (the mirror queue was full). */
export type RollupOutcome = ComparedOutcome | 'dropped';
export const ROLLUP_OUTCOMES = [
  'match',
  'noise',
  'inconclusive',
  'mismatch',
  'expected',
  'candidate_error',
  'not_compared',
  'downstream',
  'dropped',
] as const satisfies readonly RollupOutcome[];

/** Every rollup column at zero. */
export function noOutcomes(): Record<RollupOutcome, number> {
  return { match: 0, noise: 0, inconclusive: 0, mismatch: 0, expected: 0, candidate_error: 0, not_compared: 0, downstream: 0, dropped: 0 };
}

/** The first divergence a downstream difference follows from: a write whose outcome differed between the sides. */
export interface DivergenceRoot {
  endpoint: string;
  /** The root's difference signature; null when it had none (the candidate failed, or the mirror dropped the write). */
  signature: string | null;
  /** The root's own outcome: mismatch, expected, candidate_error, or dropped. */
  outcome: string;
  /** When the root's request arrived, ms since the epoch. */
  at: number;
}

export interface ExchangeResponse {
  status: number;
  headers: HeaderMap;
  body: Uint8Array | null;
  durationMs: number;
}

/** A target that gave no response: timeout, reset, connection refused. */
export interface ExchangeError {
  error: string;
  durationMs: number;
}

export interface ComparisonRecord {
  /** When the client's request arrived, ms since the epoch. */
  at: number;
  /** `GET /customers/{customer_id}`, or an inferred template. */
  endpoint: string;
  outcome: ComparedOutcome;
  request: { method: string; target: string; headers: HeaderMap; body: Uint8Array | null };
  primary: ExchangeResponse;
  candidate?: ExchangeResponse | ExchangeError;
  secondary?: ExchangeResponse | ExchangeError;
  /** Primary vs candidate, after compare rules and noise removal. */
  differences: readonly Difference[];
  /**
   * Primary vs candidate after compare rules but before noise removal, for the raw per-path
   * counts of Diffy's rule. Defaults to `differences`.
   */
  rawDifferences?: readonly Difference[];
  /** Primary vs secondary: what differs between two legacy instances on this request. */
  noise: readonly Difference[];
  /** `differenceSignature(endpoint, differences)`; computed here when null and there are differences. */
  signature: string | null;
  /** For a `downstream` outcome: the divergence it follows from. */
  root?: DivergenceRoot;
  /**
   * The primary was sent, timed and queued the way the candidate was (detached mode calls both
   * itself): its timing is a like-for-like latency reference. Inline, the primary is timed on the
   * clients' path and only the secondary is.
   */
  primaryTimedLikeCandidate?: boolean;
}

export interface ShadowStoreOptions {
  /** Flush the batch this often (ms). Default 250. */
  flushIntervalMs?: number;
  /** Flush as soon as this many records wait. Default 500. */
  maxBatch?: number;
  /** Records waiting beyond this (writes failing or stalled) are dropped and counted as lost. Default 20 × maxBatch. */
  maxPending?: number;
  /** Full exchanges kept per signature. Default 5. */
  samplesPerSignature?: number;
  /** Match samples kept per endpoint (reservoir sampling over all time). Default 20. */
  matchReservoir?: number;
  /** Sample bodies and difference values longer than this are cut (bytes). Default 64 KiB. */
  maxSampleBodyBytes?: number;
  redaction?: RedactionConfig;
  /** Stored with the session row (mode, upstream names). Not redacted: keep credentials out. */
  sessionInfo?: Readonly<Record<string, string>>;
  /** For the match reservoir; tests pass a seeded one. */
  random?: () => number;
  /**
   * Minute rollups (and minute status pairs) older than this, behind the newest minute written, are
   * deleted: the hourly rollups keep the long view, and sparse traffic otherwise costs a minute row per
   * comparison forever. Default 48 hours.
   */
  minuteRetentionMs?: number;
  /** Called when a timed flush fails (the batch is kept and retried). Default: remembered in stats() only. */
  onError?: (error: unknown) => void;
}

export interface ShadowStoreStats {
  /** Comparisons accepted by record(). */
  recorded: number;
  /** Comparisons written to the file. */
  flushed: number;
  /** Transactions committed. */
  batches: number;
  pending: number;
  /** recordDropped() calls. */
  dropped: number;
  /** Comparisons the writer could not keep: its backlog was full, or it was closed. */
  lost: number;
  failedFlushes: number;
  lastError: string | null;
}

export interface ShadowStore {
  readonly file: string;
  readonly db: Database.Database;
  readonly sessionId: number;
  /** Synchronous and cheap: queues the comparison for the next batch. Never throws. */
  record(comparison: ComparisonRecord): void;
  /** Counts a comparison the mirror queue dropped. Never throws. */
  recordDropped(endpoint: string, at: number): void;
  /** A learned pair added, used or forgotten (correlation.ts): kept with the next batch. Never throws. */
  pairChanged(side: CorrelatedSide, change: PairChange): void;
  /** An identifier marked diverged, or forgotten. Never throws. */
  divergenceChanged(change: DivergenceChange): void;
  /** Writes everything waiting now, one transaction per `maxBatch` records. */
  flush(): void;
  /** Drains and flushes, marks the session stopped and closes the file (the SIGTERM path). */
  close(): Promise<void>;
  stats(): ShadowStoreStats;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export function openShadowStore(file: string, options: ShadowStoreOptions = {}): ShadowStore {
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const maxPending = Math.max(maxBatch, options.maxPending ?? 20 * maxBatch);
  const limits: SampleLimits = {
    perSignature: options.samplesPerSignature ?? 5,
    reservoir: options.matchReservoir ?? 20,
    bodyBytes: options.maxSampleBodyBytes ?? 64 * 1024,
  };
  const plan = compileRedaction(options.redaction);
  const random = options.random ?? Math.random;

  const store = openStore(file);
  const writer = new BatchWriter(store.db, plan, limits, random, options.minuteRetentionMs ?? 48 * HOUR_MS, readFingerprintKey(store.db));
  const sessionId = Number(
    store.db.prepare('INSERT INTO shadow_sessions (started_at, info) VALUES (?, ?)').run(Date.now(), JSON.stringify(options.sessionInfo ?? {})).lastInsertRowid,
  );

  const pending: ComparisonRecord[] = [];
  let drops = new Map<string, DropCount>();
  /** Correlation changes waiting for the next batch, the latest per pair or divergence. */
  let correlationPending = new Map<string, CorrelationWrite>();
  let dropsPending = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let closed = false;
  let failing = false;
  const updateSession = store.db.prepare('UPDATE shadow_sessions SET mirrored = mirrored + ?, dropped = dropped + ?, lost = ? WHERE id = ?');
  const stats: ShadowStoreStats = { recorded: 0, flushed: 0, batches: 0, pending: 0, dropped: 0, lost: 0, failedFlushes: 0, lastError: null };

  function schedule(): void {
    if (closed) return;
    // After a failed flush, retry on the timer only: a full disk must not become a busy loop.
    if (pending.length >= maxBatch && !failing) {
      immediate ??= setImmediate(timedFlush);
    } else if (timer === undefined) {
      timer = setTimeout(timedFlush, flushIntervalMs);
      // The proxy's server keeps the process alive; the SIGTERM path calls close().
      timer.unref();
    }
  }

  function timedFlush(): void {
    try {
      flush();
    } catch (error) {
      options.onError?.(error);
    }
  }

  function commit(batch: readonly ComparisonRecord[], batchDrops: ReadonlyMap<string, DropCount>, dropCount: number): void {
    const changes = correlationPending;
    try {
      store.db.transaction(() => {
        writer.write(batch, batchDrops);
        if (changes.size > 0) writer.writeCorrelation(changes.values());
        updateSession.run(batch.length, dropCount, stats.lost, sessionId);
      })();
      stats.batches += 1;
      if (changes.size > 0) correlationPending = new Map();
    } catch (error) {
      // The transaction rolled back: nothing of the batch is in the file, so the cache may be ahead of it.
      writer.forgetCache();
      stats.failedFlushes += 1;
      stats.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  function flush(): void {
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    while (pending.length > 0 || dropsPending > 0 || correlationPending.size > 0) {
      const batch = pending.slice(0, maxBatch);
      try {
        commit(batch, drops, dropsPending);
        pending.splice(0, batch.length);
      } catch (error) {
        if (!isPoison(error)) return retryLater(error);
        try {
          isolate(batch);
        } catch (again) {
          return retryLater(again);
        }
        continue;
      }
      drops = new Map();
      dropsPending = 0;
      stats.flushed += batch.length;
      failing = false;
      writer.evictOldMinutes();
    }
  }

  /** A record the store cannot take (its data) must not hold up the others: one at a time, losing only it. */
  function isolate(batch: readonly ComparisonRecord[]): void {
    if (dropsPending > 0) commit([], drops, dropsPending);
    drops = new Map();
    dropsPending = 0;
    for (const record of batch) {
      try {
        commit([record], drops, 0);
        stats.flushed += 1;
      } catch (error) {
        if (!isPoison(error)) throw error;
        stats.lost += 1;
      }
      pending.shift();
    }
  }

  /** Keeps what is queued (the file has none of it) and tries again on the timer. */
  function retryLater(error: unknown): never {
    failing = true;
    schedule();
    throw error;
  }

  return {
    file: store.file,
    db: store.db,
    sessionId,
    record(comparison) {
      if (closed || pending.length >= maxPending) {
        stats.lost += 1;
        return;
      }
      pending.push(comparison);
      stats.recorded += 1;
      schedule();
    },
    pairChanged(side, change) {
      if (closed) return;
      const hash = change.kind === 'learned' ? change.pair.hash : change.hash;
      const key = `${side}\u0000${hash}`;
      // A use after a learn in the same batch updates the learn; a removal replaces both.
      const before = correlationPending.get(key);
      if (change.kind === 'touched' && before?.kind === 'pair' && before.change.kind === 'learned') before.change.pair.usedAt = change.usedAt;
      else correlationPending.set(key, { kind: 'pair', side, change });
      schedule();
    },
    divergenceChanged(change) {
      if (closed) return;
      correlationPending.set(`divergence\u0000${change.hash}`, { kind: 'divergence', change });
      schedule();
    },
    recordDropped(endpoint, at) {
      if (closed) return;
      const minute = minuteOf(at);
      const key = `${endpoint}\u0000${minute}`;
      const entry = drops.get(key);
      if (entry) entry.count += 1;
      else drops.set(key, { endpoint, minute, count: 1 });
      dropsPending += 1;
      stats.dropped += 1;
      schedule();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      try {
        flush();
      } finally {
        try {
          store.db.prepare('UPDATE shadow_sessions SET stopped_at = ?, lost = ? WHERE id = ?').run(Date.now(), stats.lost, sessionId);
        } finally {
          store.close();
        }
      }
    },
    stats: () => ({ ...stats, pending: pending.length }),
  };
}

interface DropCount {
  endpoint: string;
  minute: number;
  count: number;
}

interface SampleLimits {
  perSignature: number;
  reservoir: number;
  bodyBytes: number;
}

interface RollupDelta {
  endpoint: string;
  minute: number;
  counts: Record<RollupOutcome, number>;
  /** Requests with a secondary answer, and those where it disagreed with the primary on status or structure. */
  secondary: { compared: number; diverged: number };
  primary: number[];
  candidate: number[];
  /** The like-for-like reference's timings and the candidate's on the same requests. */
  reference: number[];
  pairedCandidate: number[];
  statusPairs: Map<string, { primary: number; candidate: number; count: number }>;
}

function emptyDelta(endpoint: string, minute: number): RollupDelta {
  return {
    endpoint,
    minute,
    counts: noOutcomes(),
    secondary: { compared: 0, diverged: 0 },
    primary: [],
    candidate: [],
    reference: [],
    pairedCandidate: [],
    statusPairs: new Map(),
  };
}

/** The histograms of a rollup row, in the order of HISTOGRAM_COLUMNS. */
const HISTOGRAM_COLUMNS = ['primary_latency', 'candidate_latency', 'reference_latency', 'paired_candidate_latency'] as const;
type HistogramKey = 'primary' | 'candidate' | 'reference' | 'pairedCandidate';
const HISTOGRAM_KEYS: readonly HistogramKey[] = ['primary', 'candidate', 'reference', 'pairedCandidate'];

export type DivergenceChange = { kind: 'marked'; hash: string; root: DivergenceRoot; at: number } | { kind: 'removed'; hash: string };

type CorrelationWrite = { kind: 'pair'; side: CorrelatedSide; change: PairChange } | { kind: 'divergence'; change: DivergenceChange };

/**
 * Deletes the learned pairs and divergences past the bounds (see correlation.ts): those not used
 * within `maxAgeMs`, and beyond the most recently used `maxEntries` per side. The store is bounded
 * like the maps; a proxy does this before it reads the state back.
 */
export function pruneCorrelationState(db: Database.Database, bounds: { maxEntries: number; maxAgeMs: number; now?: number }): void {
  const horizon = (bounds.now ?? Date.now()) - bounds.maxAgeMs;
  db.transaction(() => {
    db.prepare('DELETE FROM shadow_correlations WHERE used_at < ?').run(horizon);
    db.prepare('DELETE FROM shadow_divergences WHERE used_at < ?').run(horizon);
    for (const side of ['candidate', 'secondary'] as const) {
      db.prepare(
        'DELETE FROM shadow_correlations WHERE side = ? AND hash NOT IN (SELECT hash FROM shadow_correlations WHERE side = ? ORDER BY used_at DESC LIMIT ?)',
      ).run(side, side, bounds.maxEntries);
    }
    db.prepare('DELETE FROM shadow_divergences WHERE hash NOT IN (SELECT hash FROM shadow_divergences ORDER BY used_at DESC LIMIT ?)').run(bounds.maxEntries);
  })();
}

export interface CorrelationState {
  pairs: Record<CorrelatedSide, StoredPair[]>;
  divergences: { hash: string; root: DivergenceRoot; usedAt: number }[];
}

/**
 * What an earlier run learned, within the bounds: pairs and divergences used within `maxAgeMs`,
 * the most recently used `maxEntries` per side, least recently used first. Only reads (replay
 * opens the store read-only).
 */
export function readCorrelationState(db: Database.Database, bounds: { maxEntries: number; maxAgeMs: number; now?: number }): CorrelationState {
  const horizon = (bounds.now ?? Date.now()) - bounds.maxAgeMs;
  type PairRow = { hash: string; other: string; scope: string | null; source: string; learned_at: number; used_at: number };
  const pairsOf = (side: CorrelatedSide) =>
    (
      db
        .prepare(
          'SELECT hash, other, scope, source, learned_at, used_at FROM shadow_correlations WHERE side = ? AND used_at >= ? ORDER BY used_at DESC LIMIT ?',
        )
        .all(side, horizon, bounds.maxEntries) as PairRow[]
    )
      .reverse()
      .map((row): StoredPair => ({
        hash: row.hash,
        other: JSON.parse(row.other) as string | number,
        scope: row.scope ?? undefined,
        source: row.source,
        learnedAt: row.learned_at,
        usedAt: row.used_at,
      }));
  const divergences = (
    db.prepare('SELECT hash, root, used_at FROM shadow_divergences WHERE used_at >= ? ORDER BY used_at DESC LIMIT ?').all(horizon, bounds.maxEntries) as {
      hash: string;
      root: string;
      used_at: number;
    }[]
  )
    .reverse()
    .map((row) => ({ hash: row.hash, root: JSON.parse(row.root) as DivergenceRoot, usedAt: row.used_at }));
  return { pairs: { candidate: pairsOf('candidate'), secondary: pairsOf('secondary') }, divergences };
}

/** Distinct downstream signatures kept per root, endpoint and hour: enough to say what the cascade looks like. */
const DOWNSTREAM_SIGNATURES = 10;

interface DownstreamDelta {
  root: DivergenceRoot;
  rootSignature: string;
  endpoint: string;
  hour: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  signatures: Set<string>;
}

interface SignatureDelta {
  endpoint: string;
  signature: string;
  differences: string;
  count: number;
  expected: number;
  inconclusive: number;
  firstSeen: number;
  lastSeen: number;
  /** hour (ms since the epoch) -> counts within it. */
  hours: Map<number, { count: number; expected: number; inconclusive: number }>;
  /** The first few of this batch, as sample candidates. */
  firsts: ComparisonRecord[];
}

type Grain = 'minute' | 'hour';

/** An hour's delta: `minute` holds the hour's start; the first and last minute with an exchange, if any. */
type HourDelta = RollupDelta & { firstMinute: number | null; lastMinute: number | null };

/** Cached histograms of a minute or an hour row. */
interface MinuteHistograms {
  /** The start of the minute or hour. */
  minute: number;
  grain: Grain;
  histograms: Record<HistogramKey, hdr.Histogram>;
}

/** Aggregates a batch and writes it; the caller wraps write() in the transaction. */
class BatchWriter {
  private readonly histograms = new Map<string, MinuteHistograms>();
  private latestMinute = 0;
  /** Minute rows before this are already deleted. */
  private thinnedUpTo = Number.MIN_SAFE_INTEGER;
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly plan: RedactionPlan,
    private readonly limits: SampleLimits,
    private readonly random: () => number,
    private readonly minuteRetentionMs: number,
    /** For the fingerprints of redacted request credentials (credentials.ts); undefined never happens on a migrated store. */
    private readonly fingerprintKey: Buffer | undefined,
  ) {
    this.statements = {
      readRollup: db.prepare(`SELECT ${HISTOGRAM_COLUMNS.join(', ')} FROM shadow_rollups WHERE endpoint = ? AND minute = ?`),
      upsertRollup: db.prepare(`
        INSERT INTO shadow_rollups (endpoint, minute, ${COUNT_COLUMNS.join(', ')}, ${HISTOGRAM_COLUMNS.join(', ')})
        VALUES (@endpoint, @minute, ${COUNT_COLUMNS.map((c) => `@${c}`).join(', ')}, ${HISTOGRAM_COLUMNS.map((c) => `@${c}`).join(', ')})
        ON CONFLICT (endpoint, minute) DO UPDATE SET ${ROLLUP_UPDATES}`),
      readHourlyRollup: db.prepare(`SELECT ${HISTOGRAM_COLUMNS.join(', ')} FROM shadow_rollups_hourly WHERE endpoint = ? AND hour = ?`),
      upsertHourlyRollup: db.prepare(`
        INSERT INTO shadow_rollups_hourly (endpoint, hour, first_minute, last_minute, ${COUNT_COLUMNS.join(', ')}, ${HISTOGRAM_COLUMNS.join(', ')})
        VALUES (@endpoint, @hour, @first, @last, ${COUNT_COLUMNS.map((c) => `@${c}`).join(', ')}, ${HISTOGRAM_COLUMNS.map((c) => `@${c}`).join(', ')})
        ON CONFLICT (endpoint, hour) DO UPDATE SET
          first_minute = coalesce(min(first_minute, excluded.first_minute), first_minute, excluded.first_minute),
          last_minute = coalesce(max(last_minute, excluded.last_minute), last_minute, excluded.last_minute),
          ${ROLLUP_UPDATES}`),
      upsertHourlyStatusPair: db.prepare(`
        INSERT INTO shadow_status_pairs_hourly (endpoint, hour, primary_status, candidate_status, count) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (endpoint, hour, primary_status, candidate_status) DO UPDATE SET count = count + excluded.count`),
      upsertStatusPair: db.prepare(`
        INSERT INTO shadow_status_pairs (endpoint, minute, primary_status, candidate_status, count) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (endpoint, minute, primary_status, candidate_status) DO UPDATE SET count = count + excluded.count`),
      upsertSignature: db.prepare(`
        INSERT INTO shadow_signatures (endpoint, signature, differences, count, expected, inconclusive, first_seen, last_seen)
        VALUES (@endpoint, @signature, @differences, @count, @expected, @inconclusive, @firstSeen, @lastSeen)
        ON CONFLICT (endpoint, signature) DO UPDATE SET
          count = count + excluded.count, expected = expected + excluded.expected, inconclusive = inconclusive + excluded.inconclusive,
          first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
        RETURNING id, samples`),
      addSignatureSamples: db.prepare('UPDATE shadow_signatures SET samples = samples + ? WHERE id = ?'),
      thinRollups: db.prepare('DELETE FROM shadow_rollups WHERE minute < ?'),
      thinStatusPairs: db.prepare('DELETE FROM shadow_status_pairs WHERE minute < ?'),
      upsertSignatureHour: db.prepare(`
        INSERT INTO shadow_signature_hours (signature_id, hour, count, expected, inconclusive) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (signature_id, hour) DO UPDATE SET
          count = count + excluded.count, expected = expected + excluded.expected, inconclusive = inconclusive + excluded.inconclusive`),
      upsertPathCount: db.prepare(`
        INSERT INTO shadow_path_counts (endpoint, pattern, kind, raw, noise) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (endpoint, pattern, kind) DO UPDATE SET raw = raw + excluded.raw, noise = noise + excluded.noise`),
      upsertPathHour: db.prepare(`
        INSERT INTO shadow_path_hours (endpoint, hour, pattern, kind, raw, noise) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (endpoint, hour, pattern, kind) DO UPDATE SET raw = raw + excluded.raw, noise = noise + excluded.noise`),
      readReservoir: db.prepare('SELECT seen FROM shadow_reservoirs WHERE endpoint = ?').pluck(),
      writeReservoir: db.prepare('INSERT INTO shadow_reservoirs (endpoint, seen) VALUES (?, ?) ON CONFLICT (endpoint) DO UPDATE SET seen = excluded.seen'),
      deleteReservoirSlot: db.prepare('DELETE FROM shadow_samples WHERE endpoint = ? AND reservoir_slot = ?'),
      upsertPair: db.prepare(`
        INSERT INTO shadow_correlations (side, hash, other, scope, source, learned_at, used_at) VALUES (@side, @hash, @other, @scope, @source, @learnedAt, @usedAt)
        ON CONFLICT (side, hash) DO UPDATE SET other = excluded.other, scope = excluded.scope, source = excluded.source,
          learned_at = excluded.learned_at, used_at = max(used_at, excluded.used_at)`),
      touchPair: db.prepare('UPDATE shadow_correlations SET used_at = max(used_at, ?) WHERE side = ? AND hash = ?'),
      deletePair: db.prepare('DELETE FROM shadow_correlations WHERE side = ? AND hash = ?'),
      upsertDivergence: db.prepare(`
        INSERT INTO shadow_divergences (hash, root, marked_at, used_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (hash) DO UPDATE SET used_at = max(used_at, excluded.used_at)`),
      deleteDivergence: db.prepare('DELETE FROM shadow_divergences WHERE hash = ?'),
      readDownstreamSignatures: db
        .prepare('SELECT signatures FROM shadow_downstream WHERE root_endpoint = ? AND root_signature = ? AND endpoint = ? AND hour = ?')
        .pluck(),
      upsertDownstream: db.prepare(`
        INSERT INTO shadow_downstream (root_endpoint, root_signature, root_outcome, root_at, endpoint, hour, count, first_seen, last_seen, signatures)
        VALUES (@rootEndpoint, @rootSignature, @rootOutcome, @rootAt, @endpoint, @hour, @count, @firstSeen, @lastSeen, @signatures)
        ON CONFLICT (root_endpoint, root_signature, endpoint, hour) DO UPDATE SET
          count = count + excluded.count, root_at = min(root_at, excluded.root_at),
          first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen), signatures = excluded.signatures`),
      insertSample: db.prepare(`
        INSERT INTO shadow_samples (signature_id, endpoint, reservoir_slot, at, outcome, request, primary_response, candidate_response, secondary_response, differences, noise)
        VALUES (@signatureId, @endpoint, @slot, @at, @outcome, @request, @primary, @candidate, @secondary, @differences, @noise)`),
    };
  }

  write(batch: readonly ComparisonRecord[], drops: ReadonlyMap<string, DropCount>): void {
    const rollups = new Map<string, RollupDelta>();
    const signatures = new Map<string, SignatureDelta>();
    const paths = new Map<string, { endpoint: string; hour: number; pattern: string; kind: string; raw: number; noise: number }>();
    const matches = new Map<string, ComparisonRecord[]>();

    const rollupOf = (endpoint: string, minute: number): RollupDelta => {
      const key = `${endpoint}\u0000${minute}`;
      let delta = rollups.get(key);
      if (!delta) rollups.set(key, (delta = emptyDelta(endpoint, minute)));
      return delta;
    };
    const countPaths = (endpoint: string, hour: number, differences: readonly Difference[], column: 'raw' | 'noise'): void => {
      for (const key of new Set(differences.map((d) => `${d.pattern}\u0000${d.kind}`))) {
        const full = `${endpoint}\u0000${hour}\u0000${key}`;
        let entry = paths.get(full);
        if (!entry) {
          const [pattern = '', kind = ''] = key.split('\u0000');
          entry = { endpoint, hour, pattern, kind, raw: 0, noise: 0 };
          paths.set(full, entry);
        }
        entry[column] += 1;
      }
    };

    const downstream = new Map<string, DownstreamDelta>();
    const countDownstream = (record: ComparisonRecord, root: DivergenceRoot, signature: string | null): void => {
      const hour = hourOf(record.at);
      const rootSignature = root.signature ?? '';
      const key = `${root.endpoint}\u0000${rootSignature}\u0000${record.endpoint}\u0000${hour}`;
      let entry = downstream.get(key);
      if (!entry) {
        entry = { root, rootSignature, endpoint: record.endpoint, hour, count: 0, firstSeen: record.at, lastSeen: record.at, signatures: new Set() };
        downstream.set(key, entry);
      }
      entry.count += 1;
      entry.firstSeen = Math.min(entry.firstSeen, record.at);
      entry.lastSeen = Math.max(entry.lastSeen, record.at);
      if (signature !== null && entry.signatures.size < DOWNSTREAM_SIGNATURES) entry.signatures.add(signature);
    };

    for (const record of batch) {
      const delta = rollupOf(record.endpoint, minuteOf(record.at));
      delta.counts[record.outcome] += 1;
      delta.primary.push(record.primary.durationMs);
      const candidate = record.candidate;
      const secondary = record.secondary && !('error' in record.secondary) ? record.secondary : undefined;
      if (candidate && !('error' in candidate)) {
        delta.candidate.push(candidate.durationMs);
        const reference = secondary ?? (record.primaryTimedLikeCandidate ? record.primary : undefined);
        if (reference) {
          delta.reference.push(reference.durationMs);
          delta.pairedCandidate.push(candidate.durationMs);
        }
      }
      if (secondary && COMPARED.has(record.outcome)) {
        delta.secondary.compared += 1;
        if (record.noise.some(isStructural)) delta.secondary.diverged += 1;
      }
      const candidateStatus = candidate && !('error' in candidate) ? candidate.status : 0;
      const pairKey = `${record.primary.status} ${candidateStatus}`;
      const pair = delta.statusPairs.get(pairKey);
      if (pair) pair.count += 1;
      else delta.statusPairs.set(pairKey, { primary: record.primary.status, candidate: candidateStatus, count: 1 });

      if (COMPARED.has(record.outcome)) {
        const hour = hourOf(record.at);
        countPaths(record.endpoint, hour, record.rawDifferences ?? record.differences, 'raw');
        countPaths(record.endpoint, hour, record.noise, 'noise');
      }
      if (record.outcome === 'match') {
        const list = matches.get(record.endpoint);
        if (list) list.push(record);
        else matches.set(record.endpoint, [record]);
      }
      const signature = record.signature ?? (record.differences.length > 0 ? differenceSignature(record.endpoint, record.differences) : null);
      if (record.outcome === 'downstream') {
        if (record.root) countDownstream(record, record.root, signature);
        continue;
      }
      if (signature !== null && record.outcome !== 'candidate_error' && record.outcome !== 'not_compared') {
        const key = `${record.endpoint}\u0000${signature}`;
        let entry = signatures.get(key);
        if (!entry) {
          entry = {
            endpoint: record.endpoint,
            signature,
            differences: JSON.stringify(signatureParts(record.differences)),
            count: 0,
            expected: 0,
            inconclusive: 0,
            firstSeen: record.at,
            lastSeen: record.at,
            hours: new Map(),
            firsts: [],
          };
          signatures.set(key, entry);
        }
        const expected = record.outcome === 'expected' ? 1 : 0;
        const inconclusive = record.outcome === 'inconclusive' ? 1 : 0;
        entry.count += 1;
        entry.expected += expected;
        entry.inconclusive += inconclusive;
        const hour = hourOf(record.at);
        const inHour = entry.hours.get(hour);
        if (inHour) {
          inHour.count += 1;
          inHour.expected += expected;
          inHour.inconclusive += inconclusive;
        } else {
          entry.hours.set(hour, { count: 1, expected, inconclusive });
        }
        entry.firstSeen = Math.min(entry.firstSeen, record.at);
        entry.lastSeen = Math.max(entry.lastSeen, record.at);
        if (entry.firsts.length < this.limits.perSignature) entry.firsts.push(record);
      }
    }
    for (const drop of drops.values()) rollupOf(drop.endpoint, drop.minute).counts.dropped += drop.count;

    const s = this.statements;
    const hours = new Map<string, HourDelta>();
    for (const delta of rollups.values()) {
      s.upsertRollup.run({ endpoint: delta.endpoint, minute: delta.minute, ...countsOf(delta), ...this.addLatencies('minute', delta) });
      for (const pair of delta.statusPairs.values()) s.upsertStatusPair.run(delta.endpoint, delta.minute, pair.primary, pair.candidate, pair.count);
      foldIntoHour(hours, delta);
    }
    for (const delta of hours.values()) {
      const hour = delta.minute;
      s.upsertHourlyRollup.run({
        endpoint: delta.endpoint,
        hour,
        first: delta.firstMinute,
        last: delta.lastMinute,
        ...countsOf(delta),
        ...this.addLatencies('hour', delta),
      });
      for (const pair of delta.statusPairs.values()) s.upsertHourlyStatusPair.run(delta.endpoint, hour, pair.primary, pair.candidate, pair.count);
    }
    const allTime = new Map<string, { endpoint: string; pattern: string; kind: string; raw: number; noise: number }>();
    for (const entry of paths.values()) {
      s.upsertPathHour.run(entry.endpoint, entry.hour, entry.pattern, entry.kind, entry.raw, entry.noise);
      const key = `${entry.endpoint}\u0000${entry.pattern}\u0000${entry.kind}`;
      const total = allTime.get(key);
      if (total) {
        total.raw += entry.raw;
        total.noise += entry.noise;
      } else {
        allTime.set(key, { ...entry });
      }
    }
    for (const entry of allTime.values()) s.upsertPathCount.run(entry.endpoint, entry.pattern, entry.kind, entry.raw, entry.noise);
    for (const entry of signatures.values()) {
      const { endpoint, signature, differences, count, expected, inconclusive, firstSeen, lastSeen } = entry;
      const row = s.upsertSignature.get({ endpoint, signature, differences, count, expected, inconclusive, firstSeen, lastSeen }) as {
        id: number;
        samples: number;
      };
      for (const [hour, counts] of entry.hours) s.upsertSignatureHour.run(row.id, hour, counts.count, counts.expected, counts.inconclusive);
      const take = entry.firsts.slice(0, Math.max(0, this.limits.perSignature - row.samples));
      for (const record of take) this.insertSample(record, row.id, null);
      if (take.length > 0) s.addSignatureSamples.run(take.length, row.id);
    }
    for (const [endpoint, records] of matches) this.offerToReservoir(endpoint, records);
    for (const entry of downstream.values()) {
      const row = s.readDownstreamSignatures.get(entry.root.endpoint, entry.rootSignature, entry.endpoint, entry.hour) as string | undefined;
      const signatures = new Set<string>(row === undefined ? [] : (JSON.parse(row) as string[]));
      for (const signature of entry.signatures) if (signatures.size < DOWNSTREAM_SIGNATURES) signatures.add(signature);
      s.upsertDownstream.run({
        rootEndpoint: entry.root.endpoint,
        rootSignature: entry.rootSignature,
        rootOutcome: entry.root.outcome,
        rootAt: entry.root.at,
        endpoint: entry.endpoint,
        hour: entry.hour,
        count: entry.count,
        firstSeen: entry.firstSeen,
        lastSeen: entry.lastSeen,
        signatures: JSON.stringify([...signatures]),
      });
    }
    this.thinMinutes();
  }

  /** Learned pairs and divergences, each change as the map reported it (the latest per key). */
  writeCorrelation(changes: Iterable<CorrelationWrite>): void {
    const s = this.statements;
    for (const write of changes) {
      if (write.kind === 'divergence') {
        const change = write.change;
        if (change.kind === 'marked') s.upsertDivergence.run(change.hash, JSON.stringify(change.root), change.at, change.at);
        else s.deleteDivergence.run(change.hash);
        continue;
      }
      const { side, change } = write;
      if (change.kind === 'learned') {
        const { pair } = change;
        s.upsertPair.run({
          side,
          hash: pair.hash,
          other: JSON.stringify(pair.other),
          scope: pair.scope ?? null,
          source: pair.source,
          learnedAt: pair.learnedAt,
          usedAt: pair.usedAt,
        });
      } else if (change.kind === 'touched') s.touchPair.run(change.usedAt, side, change.hash);
      else s.deletePair.run(side, change.hash);
    }
  }

  /** At most once an hour of traffic, in the batch's transaction: minute rows past the retention go. */
  private thinMinutes(): void {
    const horizon = Math.floor((this.latestMinute - this.minuteRetentionMs) / HOUR_MS) * HOUR_MS;
    if (this.latestMinute === 0 || horizon <= this.thinnedUpTo) return;
    this.statements.thinRollups.run(horizon);
    this.statements.thinStatusPairs.run(horizon);
    this.thinnedUpTo = horizon;
  }

  /** Algorithm R over every match the endpoint ever had: each is kept with probability size / seen. */
  private offerToReservoir(endpoint: string, records: readonly ComparisonRecord[]): void {
    const size = this.limits.reservoir;
    if (size <= 0) return;
    let seen = (this.statements.readReservoir.get(endpoint) as number | undefined) ?? 0;
    const chosen = new Map<number, ComparisonRecord>();
    for (const record of records) {
      seen += 1;
      const slot = seen <= size ? seen - 1 : Math.floor(this.random() * seen);
      if (slot < size) chosen.set(slot, record);
    }
    for (const [slot, record] of chosen) {
      this.statements.deleteReservoirSlot.run(endpoint, slot);
      this.insertSample(record, null, slot);
    }
    this.statements.writeReservoir.run(endpoint, seen);
  }

  private insertSample(record: ComparisonRecord, signatureId: number | null, slot: number | null): void {
    const plan = this.plan;
    const cap = this.limits.bodyBytes;
    // What replay needs to send the request with the same credentials, never the credentials themselves.
    const credentials = this.fingerprintKey && credentialFingerprints(record.request.headers, plan, this.fingerprintKey);
    this.statements.insertSample.run({
      signatureId,
      endpoint: record.endpoint,
      slot,
      at: record.at,
      outcome: record.outcome,
      request: JSON.stringify({
        method: record.request.method,
        target: redactTarget(record.request.target, plan),
        headers: redactHeaders(record.request.headers, plan),
        body: storedBody(record.request.body, record.request.headers, plan, cap),
        ...(credentials && { credentials }),
      }),
      primary: JSON.stringify(storedExchange(record.primary, plan, cap)),
      candidate: record.candidate ? JSON.stringify(storedExchange(record.candidate, plan, cap)) : null,
      secondary: record.secondary ? JSON.stringify(storedExchange(record.secondary, plan, cap)) : null,
      differences: JSON.stringify(capValues(redactDifferences(record.differences, plan), cap)),
      noise: JSON.stringify(capValues(redactDifferences(record.noise, plan), cap)),
    });
  }

  /** Records the delta's latencies into its (minute or hour) histograms and returns them encoded by column; null where it has none. */
  private addLatencies(grain: Grain, delta: RollupDelta): Record<(typeof HISTOGRAM_COLUMNS)[number], Buffer | null> {
    const encoded = { primary_latency: null, candidate_latency: null, reference_latency: null, paired_candidate_latency: null } as Record<
      (typeof HISTOGRAM_COLUMNS)[number],
      Buffer | null
    >;
    if (HISTOGRAM_KEYS.every((key) => delta[key].length === 0)) return encoded;
    const cached = this.histogramsFor(grain, delta.endpoint, delta.minute);
    HISTOGRAM_KEYS.forEach((key, i) => {
      if (delta[key].length === 0) return;
      const histogram = cached.histograms[key];
      for (const ms of delta[key]) histogram.recordValue(toMicros(ms));
      encoded[HISTOGRAM_COLUMNS[i]!] = encodeHistogram(histogram);
    });
    return encoded;
  }

  /** `start`: the minute or the hour, ms since the epoch. */
  private histogramsFor(grain: Grain, endpoint: string, start: number): MinuteHistograms {
    const key = `${grain}\u0000${endpoint}\u0000${start}`;
    let entry = this.histograms.get(key);
    if (!entry) {
      const read = grain === 'minute' ? this.statements.readRollup : this.statements.readHourlyRollup;
      const row = read.get(endpoint, start) as Record<(typeof HISTOGRAM_COLUMNS)[number], Buffer | null> | undefined;
      const histogram = (column: (typeof HISTOGRAM_COLUMNS)[number]) => (row?.[column] ? decodeHistogram(row[column]) : newHistogram());
      entry = {
        minute: start,
        grain,
        histograms: {
          primary: histogram('primary_latency'),
          candidate: histogram('candidate_latency'),
          reference: histogram('reference_latency'),
          pairedCandidate: histogram('paired_candidate_latency'),
        },
      };
      this.histograms.set(key, entry);
    }
    if (grain === 'minute') this.latestMinute = Math.max(this.latestMinute, start);
    return entry;
  }

  /** Minutes (and hours) that traffic has moved past leave the cache; a late record reloads its row. */
  evictOldMinutes(): void {
    for (const [key, entry] of this.histograms) {
      const horizon = entry.grain === 'minute' ? this.latestMinute - 2 * MINUTE_MS : this.latestMinute - HOUR_MS - 2 * MINUTE_MS;
      if (entry.minute < horizon) this.histograms.delete(key);
    }
  }

  /** After a failed transaction the cached histograms may hold values the file does not. */
  forgetCache(): void {
    this.histograms.clear();
    // The thinning rolled back with the batch: do it again with the next one.
    this.thinnedUpTo = Number.MIN_SAFE_INTEGER;
  }
}

/** Errors that come from the record itself (its data), not from the file or the disk: retrying cannot help. */
function isPoison(error: unknown): boolean {
  if (!(error instanceof Database.SqliteError)) return true;
  return error.code.startsWith('SQLITE_CONSTRAINT') || error.code === 'SQLITE_MISMATCH' || error.code === 'SQLITE_TOOBIG';
}

/** Outcomes whose two answers were compared (the per-path counts and the secondary's drift count only these). */
const COMPARED: ReadonlySet<ComparedOutcome> = new Set(['match', 'noise', 'inconclusive', 'mismatch', 'expected']);

/** The rollup's count columns, in statement order. */
const COUNT_COLUMNS = [...ROLLUP_OUTCOMES, 'secondary_compared', 'secondary_diverged'] as const;
const ROLLUP_UPDATES = [
  ...COUNT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`),
  ...HISTOGRAM_COLUMNS.map((c) => `${c} = coalesce(excluded.${c}, ${c})`),
].join(', ');

function countsOf(delta: RollupDelta): Record<(typeof COUNT_COLUMNS)[number], number> {
  return { ...delta.counts, secondary_compared: delta.secondary.compared, secondary_diverged: delta.secondary.diverged };
}

function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

/** Adds a minute's delta to its hour's (keyed by endpoint and hour; `minute` holds the hour's start). */
function foldIntoHour(hours: Map<string, HourDelta>, delta: RollupDelta): void {
  const hour = hourOf(delta.minute);
  const key = `${delta.endpoint}\u0000${hour}`;
  let into = hours.get(key);
  if (!into) {
    into = { ...emptyDelta(delta.endpoint, hour), firstMinute: null, lastMinute: null };
    hours.set(key, into);
  }
  // A minute of only drops saw no exchange: it does not extend the time the endpoint was shadowed.
  if (delta.counts.dropped < Object.values(delta.counts).reduce((a, b) => a + b, 0)) {
    into.firstMinute = Math.min(into.firstMinute ?? delta.minute, delta.minute);
    into.lastMinute = Math.max(into.lastMinute ?? delta.minute, delta.minute);
  }
  for (const outcome of ROLLUP_OUTCOMES) into.counts[outcome] += delta.counts[outcome];
  into.secondary.compared += delta.secondary.compared;
  into.secondary.diverged += delta.secondary.diverged;
  for (const key of HISTOGRAM_KEYS) into[key].push(...delta[key]);
  for (const [pairKey, pair] of delta.statusPairs) {
    const existing = into.statusPairs.get(pairKey);
    if (existing) existing.count += pair.count;
    else into.statusPairs.set(pairKey, { ...pair });
  }
}

/** The sorted, distinct (pattern, kind) list: the JSON form of a signature's differences. */
export function signatureParts(differences: readonly Difference[]): { pattern: string; kind: string }[] {
  const seen = new Map<string, { pattern: string; kind: string }>();
  for (const d of differences) seen.set(`${d.pattern} ${d.kind}`, { pattern: d.pattern, kind: d.kind });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, part]) => part);
}

// Latency histograms: microseconds, two significant digits (1 % resolution), resized as needed.
// Two digits keep a busy minute's encoded histogram to a few hundred bytes.

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, autoResize: true });
}

function toMicros(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.max(1, Math.round(ms * 1000)) : 1;
}

export function encodeHistogram(histogram: hdr.Histogram): Buffer {
  return Buffer.from(hdr.encodeIntoCompressedBase64(histogram), 'base64');
}

export function decodeHistogram(bytes: Uint8Array): hdr.Histogram {
  const histogram = hdr.decodeFromCompressedBase64(Buffer.from(bytes).toString('base64'), 64, false);
  histogram.autoResize = true;
  return histogram;
}

// Samples: every message as a JSON document, redacted, bodies content-decoded and capped.

/** A stored body: UTF-8 text when it is UTF-8, else base64; `size` is the whole body's length. */
export interface StoredBody {
  encoding: 'utf8' | 'base64';
  data: string;
  size: number;
  truncated: boolean;
}

function storedExchange(exchange: ExchangeResponse | ExchangeError, plan: RedactionPlan, cap: number): object {
  if ('error' in exchange) return { error: exchange.error, durationMs: exchange.durationMs };
  return {
    status: exchange.status,
    headers: redactHeaders(exchange.headers, plan),
    body: storedBody(exchange.body, exchange.headers, plan, cap),
    durationMs: exchange.durationMs,
  };
}

/**
 * The body with its content-encoding undone (the headers keep saying what it was sent as),
 * redacted, then cut at `cap` bytes. Redaction comes before the cut, so a JSON body is
 * redacted whole.
 */
function storedBody(body: Uint8Array | null, headers: HeaderMap, plan: RedactionPlan, cap: number): StoredBody | null {
  if (body === null) return null;
  const decoded = decodedBody({ status: 0, headers, body });
  const redacted = redactBody(decoded, headerValue(headers, 'content-type'), plan);
  const utf8 = isUtf8(redacted);
  let end = Math.min(redacted.length, cap);
  // Cut on a character boundary, so a UTF-8 body stays UTF-8.
  if (utf8) while (end > 0 && end < redacted.length && (redacted[end]! & 0xc0) === 0x80) end -= 1;
  const kept = redacted.subarray(0, end);
  return { encoding: utf8 ? 'utf8' : 'base64', data: kept.toString(utf8 ? 'utf8' : 'base64'), size: redacted.length, truncated: end < redacted.length };
}

function capValues(differences: readonly Difference[], cap: number): Difference[] {
  const cut = (value: unknown): unknown =>
    typeof value === 'string' && value.length > cap ? `${value.slice(0, cap)}… [${value.length - cap} more characters]` : value;
  return differences.map((d) => {
    const out: Difference = { ...d };
    if ('primary' in d) out.primary = cut(d.primary);
    if ('candidate' in d) out.candidate = cut(d.candidate);
    return out;
  });
}
