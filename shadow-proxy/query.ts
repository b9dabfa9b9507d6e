/**
 * Reading the shadow store: per-endpoint summaries for the readiness report and the dashboard,
 * and the samples behind a signature. Only SELECTs, so it works on a store opened read-only.
 * Everything is read per database; the latency histograms are mergeable (HDR), so combining
 * several stores (detached mode's comparators) is a matter of adding their summaries' parts.
 */
import type Database from 'better-sqlite3';
import * as hdr from 'hdr-histogram-js';
import type { Difference } from '../src/compare/response.js';
import { decodeHistogram, noOutcomes, ROLLUP_OUTCOMES, type ComparedOutcome, type RollupOutcome, type StoredBody } from './store.js';

/** Every endpoint the store holds rows for ("GET /api/articles/{slug}"), for the comparator to go on learning path templates from. */
export function storedEndpoints(db: Database.Database): string[] {
  return db.prepare('SELECT DISTINCT endpoint FROM shadow_rollups').pluck().all() as string[];
}

export interface ShadowSummaryOptions {
  /** Only minutes (and signatures last seen) at or after this time, ms since the epoch. */
  since?: number;
  endpoint?: string;
}

/** Milliseconds, from the merged minute histograms (1 % resolution). */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface StatusPair {
  primary: number;
  /** 0: the candidate gave no response. */
  candidate: number;
  count: number;
}

export interface SignatureSummary {
  id: number;
  signature: string;
  differences: { pattern: string; kind: string }[];
  /** All-time count; `expected` of them were explained by a fix behaviour. */
  count: number;
  expected: number;
  firstSeen: number;
  lastSeen: number;
  samples: number;
}

export interface PathRate {
  pattern: string;
  kind: string;
  /** Compared requests where primary and candidate differed at this path. */
  raw: number;
  /** Requests where primary and secondary differed at this path. */
  noise: number;
  reportable: boolean;
}

export interface EndpointShadowSummary {
  endpoint: string;
  outcomes: Record<RollupOutcome, number>;
  /** match + noise + mismatch + expected. */
  compared: number;
  /** The first and last minute with traffic, ms since the epoch. */
  firstMinute: number;
  lastMinute: number;
  statusPairs: StatusPair[];
  latency: { primary: LatencySummary | null; candidate: LatencySummary | null };
  /** Most frequent first. */
  signatures: SignatureSummary[];
  /**
   * Every path with raw or noise counts, reportable ones first, then by raw count. The counts are
   * all-time (not filtered by `since`), judged against the all-time compared count.
   */
  paths: PathRate[];
}

export interface ShadowSummary {
  endpoints: EndpointShadowSummary[];
}

/**
 * Diffy's rule: a path is reported only where raw (primary vs candidate) clearly exceeds noise
 * (primary vs secondary): raw > noise, a relative difference (raw - noise) / max(raw, noise)
 * above 20 %, and raw above 0.03 % of compared requests. In integers, so the boundaries are exact.
 */
export function reportable(raw: number, noise: number, compared: number): boolean {
  if (compared <= 0 || raw <= noise) return false;
  const relative = (raw - noise) * 5 > Math.max(raw, noise); // (raw - noise) / max > 0.20
  const absolute = raw * 10_000 > compared * 3; // raw / compared > 0.0003
  return relative && absolute;
}

export interface RollupRow {
  endpoint: string;
  minute: number;
  match: number;
  noise: number;
  inconclusive: number;
  mismatch: number;
  expected: number;
  candidate_error: number;
  not_compared: number;
  downstream: number;
  dropped: number;
  secondary_compared: number;
  secondary_diverged: number;
  primary_latency: Buffer | null;
  candidate_latency: Buffer | null;
  reference_latency: Buffer | null;
  paired_candidate_latency: Buffer | null;
}

export function readShadowSummary(db: Database.Database, options: ShadowSummaryOptions = {}): ShadowSummary {
  const since = options.since ?? Number.MIN_SAFE_INTEGER;
  const endpointFilter = options.endpoint ?? null;
  const byEndpoint = new Map<string, { summary: EndpointShadowSummary; primary: hdr.Histogram; candidate: hdr.Histogram }>();

  const rollups = db
    .prepare('SELECT * FROM shadow_rollups WHERE minute >= ? AND (? IS NULL OR endpoint = ?) ORDER BY endpoint, minute')
    .iterate(minuteFloor(since), endpointFilter, endpointFilter) as IterableIterator<RollupRow>;
  for (const row of rollups) {
    let entry = byEndpoint.get(row.endpoint);
    if (!entry) {
      entry = {
        summary: {
          endpoint: row.endpoint,
          outcomes: noOutcomes(),
          compared: 0,
          firstMinute: row.minute,
          lastMinute: row.minute,
          statusPairs: [],
          latency: { primary: null, candidate: null },
          signatures: [],
          paths: [],
        },
        primary: mergeTarget(),
        candidate: mergeTarget(),
      };
      byEndpoint.set(row.endpoint, entry);
    }
    const summary = entry.summary;
    for (const outcome of ROLLUP_OUTCOMES) summary.outcomes[outcome] += row[outcome];
    summary.lastMinute = Math.max(summary.lastMinute, row.minute);
    summary.firstMinute = Math.min(summary.firstMinute, row.minute);
    if (row.primary_latency) entry.primary.add(decodeHistogram(row.primary_latency));
    if (row.candidate_latency) entry.candidate.add(decodeHistogram(row.candidate_latency));
  }

  const pairs = db.prepare(`
    SELECT primary_status AS "primary", candidate_status AS candidate, sum(count) AS count FROM shadow_status_pairs
    WHERE endpoint = ? AND minute >= ? GROUP BY primary_status, candidate_status ORDER BY count DESC, primary_status, candidate_status`);
  const signatures = db.prepare(`
    SELECT id, signature, differences, count, expected, first_seen AS firstSeen, last_seen AS lastSeen, samples FROM shadow_signatures
    WHERE endpoint = ? AND last_seen >= ? ORDER BY count DESC, id`);
  const paths = db.prepare('SELECT pattern, kind, raw, noise FROM shadow_path_counts WHERE endpoint = ?');
  const comparedAllTime = db.prepare('SELECT coalesce(sum(match + noise + mismatch + expected), 0) FROM shadow_rollups WHERE endpoint = ?').pluck();

  const endpoints: EndpointShadowSummary[] = [];
  for (const { summary, primary, candidate } of [...byEndpoint.values()].sort((a, b) => compareText(a.summary.endpoint, b.summary.endpoint))) {
    summary.compared = summary.outcomes.match + summary.outcomes.noise + summary.outcomes.mismatch + summary.outcomes.expected;
    summary.latency = { primary: latencyOf(primary), candidate: latencyOf(candidate) };
    summary.statusPairs = pairs.all(summary.endpoint, minuteFloor(since)) as StatusPair[];
    summary.signatures = (signatures.all(summary.endpoint, since) as (Omit<SignatureSummary, 'differences'> & { differences: string })[]).map((row) => ({
      ...row,
      differences: JSON.parse(row.differences) as SignatureSummary['differences'],
    }));
    const compared = comparedAllTime.get(summary.endpoint) as number;
    summary.paths = (paths.all(summary.endpoint) as Omit<PathRate, 'reportable'>[])
      .map((row) => ({ ...row, reportable: reportable(row.raw, row.noise, compared) }))
      .sort((a, b) => Number(b.reportable) - Number(a.reportable) || b.raw - a.raw || compareText(a.pattern, b.pattern) || compareText(a.kind, b.kind));
    endpoints.push(summary);
  }
  return { endpoints };
}

export interface ShadowSession {
  id: number;
  startedAt: number;
  /** null while running, or when the process died without closing the store. */
  stoppedAt: number | null;
  info: Record<string, string>;
  mirrored: number;
  dropped: number;
  lost: number;
}

export function readShadowSessions(db: Database.Database): ShadowSession[] {
  const rows = db
    .prepare('SELECT id, started_at AS startedAt, stopped_at AS stoppedAt, info, mirrored, dropped, lost FROM shadow_sessions ORDER BY id')
    .all() as (Omit<ShadowSession, 'info'> & { info: string })[];
  return rows.map((row) => ({ ...row, info: JSON.parse(row.info) as Record<string, string> }));
}

export interface SampleBody {
  bytes: Buffer;
  /** The body as text when it was stored as UTF-8. */
  text: string | null;
  /** The whole body's length, before any cut. */
  size: number;
  truncated: boolean;
}

export interface SampleResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** Content-decoded: the headers still name the content-encoding it was sent with. */
  body: SampleBody | null;
  durationMs: number;
}

export interface SampleError {
  error: string;
  durationMs: number;
}

export interface ShadowSample {
  id: number;
  signatureId: number | null;
  endpoint: string;
  at: number;
  outcome: ComparedOutcome;
  request: {
    method: string;
    target: string;
    headers: Record<string, string | string[]>;
    body: SampleBody | null;
    /** Lower-case header -> keyed fingerprint of each redacted credential it carried (credentials.ts); absent in stores written before. */
    credentials?: Record<string, string>;
  };
  primary: SampleResponse;
  candidate: SampleResponse | SampleError | null;
  secondary: SampleResponse | SampleError | null;
  differences: Difference[];
  noise: Difference[];
}

interface SampleRow {
  id: number;
  signature_id: number | null;
  endpoint: string;
  at: number;
  outcome: ComparedOutcome;
  request: string;
  primary_response: string;
  candidate_response: string | null;
  secondary_response: string | null;
  differences: string;
  noise: string;
}

/** The full exchanges kept for a signature, oldest first. */
export function readSamples(db: Database.Database, signatureId: number): ShadowSample[] {
  const rows = db.prepare('SELECT * FROM shadow_samples WHERE signature_id = ? ORDER BY at, id').all(signatureId) as SampleRow[];
  return rows.map(sampleOf);
}

/** The endpoint's reservoir of matching exchanges, oldest first. */
export function readMatchSamples(db: Database.Database, endpoint: string): ShadowSample[] {
  const rows = db.prepare('SELECT * FROM shadow_samples WHERE endpoint = ? AND reservoir_slot IS NOT NULL ORDER BY at, id').all(endpoint) as SampleRow[];
  return rows.map(sampleOf);
}

type StoredMessage<T> = Omit<T, 'body'> & { body: StoredBody | null };

function sampleOf(row: SampleRow): ShadowSample {
  const request = JSON.parse(row.request) as StoredMessage<ShadowSample['request']>;
  return {
    id: row.id,
    signatureId: row.signature_id,
    endpoint: row.endpoint,
    at: row.at,
    outcome: row.outcome,
    request: { ...request, body: bodyOf(request.body) },
    primary: responseOf(row.primary_response) as SampleResponse,
    candidate: row.candidate_response === null ? null : responseOf(row.candidate_response),
    secondary: row.secondary_response === null ? null : responseOf(row.secondary_response),
    differences: JSON.parse(row.differences) as Difference[],
    noise: JSON.parse(row.noise) as Difference[],
  };
}

function responseOf(text: string): SampleResponse | SampleError {
  const stored = JSON.parse(text) as StoredMessage<SampleResponse> | SampleError;
  return 'error' in stored ? stored : { ...stored, body: bodyOf(stored.body) };
}

function bodyOf(stored: StoredBody | null): SampleBody | null {
  if (stored === null) return null;
  const bytes = Buffer.from(stored.data, stored.encoding === 'utf8' ? 'utf8' : 'base64');
  return { bytes, text: stored.encoding === 'utf8' ? stored.data : null, size: stored.size, truncated: stored.truncated };
}

/** An empty histogram that stored latency histograms (microseconds, two significant digits) can be added into. */
export function mergeTarget(): hdr.Histogram {
  return hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, autoResize: true });
}

function latencyOf(histogram: hdr.Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
  };
}

function minuteFloor(at: number): number {
  return at <= Number.MIN_SAFE_INTEGER ? at : Math.floor(at / 60_000) * 60_000;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
