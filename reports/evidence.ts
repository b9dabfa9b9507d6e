/**
 * The evidence a readiness report judges, read from one or more stores and added together.
 *
 * Shadow data is read from the hourly tables (one latency histogram per endpoint-hour, not
 * sixty: decoding them is what costs) and bucketed per endpoint and UTC day: outcome counts,
 * merged HDR latency histograms, status pairs, signature counts and per-path raw/noise counts. Every part is a sum (histograms merge exactly), so several stores, such as a fleet of
 * detached comparators each with its own file, combine by adding their buckets, and the result is
 * the same as one store that had recorded all of it. The window starts on an hour boundary, the
 * finest grain the signature and path counts have.
 *
 * Spec-test evidence is the latest `parity test` run that covered each endpoint, whichever store
 * it is in. Samples are kept per signature: the earliest one across the stores.
 */
import fs from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import type Database from 'better-sqlite3';
import { openStore } from '../src/store/store.js';
import { mergeTarget, readSamples, type RollupRow, type ShadowSample } from '../shadow-proxy/query.js';
import { decodeHistogram, noOutcomes, ROLLUP_OUTCOMES, type RollupOutcome } from '../shadow-proxy/store.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface StatusPairCount {
  primary: number;
  candidate: number;
  count: number;
}

export interface SignatureCount {
  count: number;
  expected: number;
  /** Of `count`, requests the secondary could not judge (it disagreed with the primary on status or structure). */
  inconclusive: number;
}

export interface PathCount {
  raw: number;
  noise: number;
}

/** One endpoint's shadow evidence of one UTC day (or, merged, of any span). */
export interface ShadowBucket {
  outcomes: Record<RollupOutcome, number>;
  firstMinute: number | null;
  lastMinute: number | null;
  primaryLatency: hdr.Histogram;
  candidateLatency: hdr.Histogram;
  /** The like-for-like latency reference (the side timed the way the candidate was) and the candidate on the same requests. */
  referenceLatency: hdr.Histogram;
  pairedCandidateLatency: hdr.Histogram;
  /** Requests with a secondary answer, and those where the secondary disagreed with the primary on status or structure. */
  secondary: { compared: number; diverged: number };
  /** `${primary} ${candidate}` -> count. */
  statusPairs: Map<string, StatusPairCount>;
  /** signature text -> counts. */
  signatures: Map<string, SignatureCount>;
  /** `${pattern}\0${kind}` -> counts. */
  paths: Map<string, PathCount>;
}

export interface SignatureInfo {
  signature: string;
  differences: { pattern: string; kind: string }[];
  firstSeen: number;
  lastSeen: number;
  /** The earliest stored samples (of the store holding the earliest one). */
  samples: ShadowSample[];
}

export interface TestResultRow {
  specId: string;
  behavior: string | null;
  disposition: string;
  example: string;
  target: 'legacy' | 'rewrite';
  outcome: 'pass' | 'fail' | 'error' | 'skipped' | 'bug-gone';
  reason: string | null;
}

export interface LatestTestRun {
  source: string;
  runId: number;
  finishedAt: string;
  rewriteUrl: string;
  results: TestResultRow[];
}

/** Differences recorded downstream of one divergence root (a write whose outcome differed between the sides), on the root's endpoint. */
export interface DownstreamOfRoot {
  /** The root's signature; null when it had none (the candidate failed, or the mirror dropped the write). */
  rootSignature: string | null;
  /** The root's own outcome: mismatch, expected, candidate_error, dropped. */
  rootOutcome: string;
  /** When the earliest root with this signature happened. */
  rootAt: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Endpoint -> downstream differences on it. */
  endpoints: Map<string, number>;
  /** A few of the downstream differences' own signatures. */
  signatures: Set<string>;
}

export interface EndpointEvidence {
  endpoint: string;
  /** Bucket start (ms since the epoch: UTC midnight, or the hour with an hourly grain) -> bucket. */
  days: Map<number, ShadowBucket>;
  signatureInfo: Map<string, SignatureInfo>;
  latestTestRun: LatestTestRun | null;
  /** On a root's endpoint: what its divergences caused, by root signature and outcome, over the whole window. */
  downstream: Map<string, DownstreamOfRoot>;
}

export interface Evidence {
  sources: string[];
  /** Hour-aligned start of the window, or null for everything recorded. */
  since: number | null;
  endpoints: Map<string, EndpointEvidence>;
}

export interface ReadEvidenceOptions {
  /** Store files, read-only. */
  stores: readonly string[];
  /** How a store is named in the evidence (default: its path as given). */
  nameOf?: (file: string) => string;
  /** Only evidence at or after this time, ms since the epoch; floored to the hour. */
  since?: number;
  /** Only these endpoints. */
  includeEndpoint?: (endpoint: string) => boolean;
  /** Bucket size: a UTC day (the report), or an hour (the dashboard's trends). Default: a day. */
  grainMs?: number;
  /** Decodes a stored histogram; a long-running reader passes a memoising one (past hours never change). */
  decode?: (bytes: Buffer) => hdr.Histogram;
  /** Read each signature's stored samples (for excerpts and fix attribution). Default true; a page that shows only counts skips them. */
  samples?: boolean;
}

export function readEvidence(options: ReadEvidenceOptions): Evidence {
  const since = options.since === undefined ? null : Math.floor(options.since / HOUR_MS) * HOUR_MS;
  const nameOf = options.nameOf ?? ((file: string) => file);
  const evidence: Evidence = { sources: [], since, endpoints: new Map() };
  const include = options.includeEndpoint ?? (() => true);
  const read = new Set<string>();
  for (const file of options.stores) {
    // The same file named twice (or through a symlink) must not count twice.
    const identity = fs.existsSync(file) ? fs.realpathSync(file) : file;
    if (read.has(identity)) continue;
    read.add(identity);
    evidence.sources.push(nameOf(file));
    const store = openStore(file, { readonly: true });
    try {
      addStore(evidence, store.db, nameOf(file), since ?? Number.MIN_SAFE_INTEGER, include, {
        grainMs: options.grainMs ?? DAY_MS,
        decode: options.decode ?? decodeHistogram,
        samples: options.samples ?? true,
      });
    } finally {
      store.close();
    }
  }
  return evidence;
}

export function emptyBucket(): ShadowBucket {
  return {
    outcomes: noOutcomes(),
    firstMinute: null,
    lastMinute: null,
    primaryLatency: mergeTarget(),
    candidateLatency: mergeTarget(),
    referenceLatency: mergeTarget(),
    pairedCandidateLatency: mergeTarget(),
    secondary: { compared: 0, diverged: 0 },
    statusPairs: new Map(),
    signatures: new Map(),
    paths: new Map(),
  };
}

/** Adds `from` into `into`. */
export function mergeBucket(into: ShadowBucket, from: ShadowBucket): void {
  for (const outcome of ROLLUP_OUTCOMES) into.outcomes[outcome] += from.outcomes[outcome];
  if (from.firstMinute !== null) into.firstMinute = into.firstMinute === null ? from.firstMinute : Math.min(into.firstMinute, from.firstMinute);
  if (from.lastMinute !== null) into.lastMinute = into.lastMinute === null ? from.lastMinute : Math.max(into.lastMinute, from.lastMinute);
  into.primaryLatency.add(from.primaryLatency);
  into.candidateLatency.add(from.candidateLatency);
  into.referenceLatency.add(from.referenceLatency);
  into.pairedCandidateLatency.add(from.pairedCandidateLatency);
  into.secondary.compared += from.secondary.compared;
  into.secondary.diverged += from.secondary.diverged;
  for (const [key, pair] of from.statusPairs) addPair(into, key, pair.primary, pair.candidate, pair.count);
  for (const [key, counts] of from.signatures) addCounts(into.signatures, key, counts);
  for (const [key, counts] of from.paths) addPath(into, key, counts.raw, counts.noise);
}

/** Every day of an endpoint added into one bucket, in day order up to `untilDay` (inclusive) when given. */
export function mergedDays(endpoint: EndpointEvidence, untilDay?: number): ShadowBucket {
  const total = emptyBucket();
  for (const day of [...endpoint.days.keys()].sort((a, b) => a - b)) {
    if (untilDay !== undefined && day > untilDay) break;
    mergeBucket(total, endpoint.days.get(day)!);
  }
  return total;
}

function addStore(
  evidence: Evidence,
  db: Database.Database,
  source: string,
  since: number,
  include: (endpoint: string) => boolean,
  { grainMs, decode, samples: withSamples }: { grainMs: number; decode: (bytes: Buffer) => hdr.Histogram; samples: boolean },
): void {
  const endpointOf = (name: string): EndpointEvidence | undefined => {
    if (!include(name)) return undefined;
    let found = evidence.endpoints.get(name);
    if (!found) {
      found = { endpoint: name, days: new Map(), signatureInfo: new Map(), latestTestRun: null, downstream: new Map() };
      evidence.endpoints.set(name, found);
    }
    return found;
  };
  const bucketOf = (endpoint: EndpointEvidence, at: number): ShadowBucket => {
    const day = Math.floor(at / grainMs) * grainMs;
    let bucket = endpoint.days.get(day);
    if (!bucket) endpoint.days.set(day, (bucket = emptyBucket()));
    return bucket;
  };

  const rollups = db.prepare('SELECT * FROM shadow_rollups_hourly WHERE hour >= ?').iterate(since) as IterableIterator<HourlyRollupRow>;
  for (const row of rollups) {
    const endpoint = endpointOf(row.endpoint);
    if (!endpoint) continue;
    const bucket = bucketOf(endpoint, row.hour);
    for (const outcome of ROLLUP_OUTCOMES) bucket.outcomes[outcome] += row[outcome];
    if (row.first_minute !== null && row.last_minute !== null) {
      bucket.firstMinute = bucket.firstMinute === null ? row.first_minute : Math.min(bucket.firstMinute, row.first_minute);
      bucket.lastMinute = bucket.lastMinute === null ? row.last_minute : Math.max(bucket.lastMinute, row.last_minute);
    }
    bucket.secondary.compared += row.secondary_compared;
    bucket.secondary.diverged += row.secondary_diverged;
    if (row.primary_latency) bucket.primaryLatency.add(decode(row.primary_latency));
    if (row.candidate_latency) bucket.candidateLatency.add(decode(row.candidate_latency));
    if (row.reference_latency) bucket.referenceLatency.add(decode(row.reference_latency));
    if (row.paired_candidate_latency) bucket.pairedCandidateLatency.add(decode(row.paired_candidate_latency));
  }

  const downstreamRows = db.prepare('SELECT * FROM shadow_downstream WHERE hour >= ?').iterate(since) as IterableIterator<DownstreamRow>;
  for (const row of downstreamRows) {
    const root = endpointOf(row.root_endpoint);
    if (!root) continue;
    addDownstream(root, row);
  }

  const pairs = db
    .prepare('SELECT endpoint, hour, primary_status, candidate_status, count FROM shadow_status_pairs_hourly WHERE hour >= ?')
    .iterate(since) as IterableIterator<{
    endpoint: string;
    hour: number;
    primary_status: number;
    candidate_status: number;
    count: number;
  }>;
  for (const row of pairs) {
    const endpoint = endpointOf(row.endpoint);
    if (endpoint) addPair(bucketOf(endpoint, row.hour), `${row.primary_status} ${row.candidate_status}`, row.primary_status, row.candidate_status, row.count);
  }

  const signatureHours = db
    .prepare(
      `SELECT s.id, s.endpoint, s.signature, s.differences, s.first_seen, s.last_seen, h.hour, h.count, h.expected, h.inconclusive
       FROM shadow_signature_hours h JOIN shadow_signatures s ON s.id = h.signature_id WHERE h.hour >= ?`,
    )
    .iterate(since) as IterableIterator<{
    id: number;
    endpoint: string;
    signature: string;
    differences: string;
    first_seen: number;
    last_seen: number;
    hour: number;
    count: number;
    expected: number;
    inconclusive: number;
  }>;
  const signaturesHere = new Map<number, SignatureInfo>();
  for (const row of signatureHours) {
    const endpoint = endpointOf(row.endpoint);
    if (!endpoint) continue;
    addCounts(bucketOf(endpoint, row.hour).signatures, row.signature, row);
    const firstSeen = Math.max(row.first_seen, since);
    let info = endpoint.signatureInfo.get(row.signature);
    if (!info) {
      info = {
        signature: row.signature,
        differences: JSON.parse(row.differences) as SignatureInfo['differences'],
        firstSeen,
        lastSeen: row.last_seen,
        samples: [],
      };
      endpoint.signatureInfo.set(row.signature, info);
    }
    info.firstSeen = Math.min(info.firstSeen, firstSeen);
    info.lastSeen = Math.max(info.lastSeen, row.last_seen);
    signaturesHere.set(row.id, info);
  }
  // The earliest samples across the stores, so the excerpt does not depend on the order of --db.
  for (const [signatureId, info] of withSamples ? signaturesHere : []) {
    const samples = readSamples(db, signatureId).filter((sample) => sample.at >= since);
    if (samples.length > 0 && samples[0]!.at < (info.samples[0]?.at ?? Number.POSITIVE_INFINITY)) info.samples = samples;
  }

  const paths = db.prepare('SELECT endpoint, hour, pattern, kind, raw, noise FROM shadow_path_hours WHERE hour >= ?').iterate(since) as IterableIterator<{
    endpoint: string;
    hour: number;
    pattern: string;
    kind: string;
    raw: number;
    noise: number;
  }>;
  for (const row of paths) {
    const endpoint = endpointOf(row.endpoint);
    if (endpoint) addPath(bucketOf(endpoint, row.hour), `${row.pattern}\u0000${row.kind}`, row.raw, row.noise);
  }

  addTestRuns(db, source, endpointOf);
}

/** Per endpoint, the newest run of this store that covered it, if newer than what another store had. */
function addTestRuns(db: Database.Database, source: string, endpointOf: (name: string) => EndpointEvidence | undefined): void {
  const latest = db
    .prepare(
      `SELECT r.endpoint, max(t.finished_at) AS finished_at FROM test_results r JOIN test_runs t ON t.id = r.run_id GROUP BY r.endpoint ORDER BY r.endpoint`,
    )
    .all() as { endpoint: string; finished_at: string }[];
  const runOf = db.prepare('SELECT id, rewrite_url FROM test_runs WHERE finished_at = ? ORDER BY id DESC LIMIT 1');
  const resultsOf = db.prepare(
    `SELECT spec_id AS specId, behavior, disposition, example, target, outcome, reason FROM test_results
     WHERE run_id = ? AND endpoint = ? ORDER BY spec_id, example, target`,
  );
  for (const row of latest) {
    const endpoint = endpointOf(row.endpoint);
    if (!endpoint) continue;
    if (endpoint.latestTestRun && endpoint.latestTestRun.finishedAt >= row.finished_at) continue;
    const run = runOf.get(row.finished_at) as { id: number; rewrite_url: string };
    endpoint.latestTestRun = {
      source,
      runId: run.id,
      finishedAt: row.finished_at,
      rewriteUrl: run.rewrite_url,
      results: resultsOf.all(run.id, row.endpoint) as TestResultRow[],
    };
  }
}

/** A row of shadow_rollups_hourly: the minute row's columns, per hour, with the first and last minute that saw an exchange. */
type HourlyRollupRow = Omit<RollupRow, 'minute'> & { hour: number; first_minute: number | null; last_minute: number | null };

interface DownstreamRow {
  root_endpoint: string;
  root_signature: string;
  root_outcome: string;
  root_at: number;
  endpoint: string;
  hour: number;
  count: number;
  first_seen: number;
  last_seen: number;
  signatures: string;
}

const DOWNSTREAM_SIGNATURES_SHOWN = 10;

function addDownstream(root: EndpointEvidence, row: DownstreamRow): void {
  const key = `${row.root_signature}\u0000${row.root_outcome}`;
  let entry = root.downstream.get(key);
  if (!entry) {
    entry = {
      rootSignature: row.root_signature === '' ? null : row.root_signature,
      rootOutcome: row.root_outcome,
      rootAt: row.root_at,
      count: 0,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      endpoints: new Map(),
      signatures: new Set(),
    };
    root.downstream.set(key, entry);
  }
  entry.count += row.count;
  entry.rootAt = Math.min(entry.rootAt, row.root_at);
  entry.firstSeen = Math.min(entry.firstSeen, row.first_seen);
  entry.lastSeen = Math.max(entry.lastSeen, row.last_seen);
  entry.endpoints.set(row.endpoint, (entry.endpoints.get(row.endpoint) ?? 0) + row.count);
  for (const signature of JSON.parse(row.signatures) as string[]) if (entry.signatures.size < DOWNSTREAM_SIGNATURES_SHOWN) entry.signatures.add(signature);
}

function addPair(bucket: ShadowBucket, key: string, primary: number, candidate: number, count: number): void {
  const pair = bucket.statusPairs.get(key);
  if (pair) pair.count += count;
  else bucket.statusPairs.set(key, { primary, candidate, count });
}

function addCounts(map: Map<string, SignatureCount>, key: string, { count, expected, inconclusive }: SignatureCount): void {
  const entry = map.get(key);
  if (entry) {
    entry.count += count;
    entry.expected += expected;
    entry.inconclusive += inconclusive;
  } else {
    map.set(key, { count, expected, inconclusive });
  }
}

function addPath(bucket: ShadowBucket, key: string, raw: number, noise: number): void {
  const entry = bucket.paths.get(key);
  if (entry) {
    entry.raw += raw;
    entry.noise += noise;
  } else {
    bucket.paths.set(key, { raw, noise });
  }
}
