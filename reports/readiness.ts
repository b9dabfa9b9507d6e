/**
 * `buildReadinessReport`: can the rewrite take each endpoint's traffic now? Reads the evidence
 * (one or more stores), judges the six gates per endpoint and per day, and returns the report as
 * data for the renderers. The endpoints are those of the specs and those seen in traffic.
 */
import picomatch from 'picomatch';
import { explainedBy, fixFootprints, linkedFix } from '../src/compare/expected.js';
import { isStructural, type CompareRules, type DifferenceKind } from '../src/compare/response.js';
import { compareRulesOf, ruleCovers } from '../src/compare/rules.js';
import type { ReportConfig } from '../src/config/schema.js';
import { parseDuration } from '../src/config/schema.js';
import { describeDifference } from '../src/runner/junit.js';
import { displayPath } from '../src/paths.js';
import type { LoadedSpec } from '../src/spec/load.js';
import type { Spec } from '../src/spec/schema.js';
import type { ShadowSample } from '../shadow-proxy/query.js';
import { mergedDays, readEvidence, type EndpointEvidence, type ShadowBucket } from './evidence.js';
import {
  correctnessGate,
  coverageGate,
  errorsGate,
  gateMethods,
  latencyGate,
  latencyOf,
  secondaryDrifted,
  specGate,
  specTestsGate,
  verdictOf,
  type CorrectnessCounts,
} from './gates.js';
import {
  GATE_ORDER,
  type DayVerdict,
  type DifferenceCause,
  type DownstreamReport,
  type EndpointReport,
  type Gate,
  type IntentionalDifference,
  type ReadinessReport,
  type ReportSignature,
  type SignatureExcerpt,
  type Thresholds,
  type Triage,
  type Verdict,
} from './model.js';

export interface ReadinessOptions {
  /** Store files to read (read-only); their evidence is added together. */
  stores: readonly string[];
  /** How a store is named in the report (default: its path as given). */
  nameOf?: (file: string) => string;
  /** The workspace's specs. */
  specs: readonly LoadedSpec[];
  thresholds: Thresholds;
  /** Only evidence at or after this time, ms since the epoch (floored to the hour). */
  since?: number;
  /** A glob on "METHOD /path" templates ("GET /customers/**", "/health"); only matching endpoints. */
  endpoint?: string;
  /** Spec file paths are shown relative to this. */
  cwd: string;
  /** The workspace-wide compare rules (`shadow.compare`), under each spec's own. */
  compareRules?: CompareRules;
  /** The report's time, ms since the epoch. Default: now. */
  now?: number;
}

const MAX_SIGNATURES = 10;
/** Causes kept per endpoint, and across endpoints in the triage. */
const MAX_CAUSES = 20;
const MAX_TOP_DIFFERENCES = 10;

export function thresholdsOf(config: ReportConfig): Thresholds {
  return {
    target_match_rate: config.target_match_rate,
    confidence: config.confidence,
    error_rate_margin: config.error_rate_margin,
    max_p99_ratio: config.max_p99_ratio,
    p99_slack_ms: config.p99_slack_ms,
    min_latency_samples: config.min_latency_samples,
    max_secondary_divergence: config.max_secondary_divergence,
    // The schema has checked it parses.
    min_shadow_duration_ms: parseDuration(config.min_shadow_duration)!,
  };
}

export function buildReadinessReport(options: ReadinessOptions): ReadinessReport {
  const now = options.now ?? Date.now();
  const includes = endpointFilter(options.endpoint);
  const evidence = readEvidence({
    stores: options.stores,
    includeEndpoint: includes,
    ...(options.nameOf && { nameOf: options.nameOf }),
    ...(options.since !== undefined && { since: options.since }),
  });
  const specsByEndpoint = new Map<string, LoadedSpec>();
  for (const loaded of options.specs) if (includes(loaded.spec.endpoint)) specsByEndpoint.set(loaded.spec.endpoint, loaded);

  const names = new Set([...specsByEndpoint.keys(), ...evidence.endpoints.keys()]);
  const endpoints = [...names].map((name) =>
    judgeEndpoint(name, specsByEndpoint.get(name) ?? null, evidence.endpoints.get(name) ?? emptyEvidence(name), {
      thresholds: options.thresholds,
      rules: options.compareRules ?? {},
      cwd: options.cwd,
      days: true,
    }),
  );
  endpoints.sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || compareEndpoints(a.endpoint, b.endpoint));

  const notReady = endpoints.filter((e) => e.verdict === 'NOT_READY').length;
  const ready = endpoints.filter((e) => e.verdict === 'READY').length;
  const insufficient = endpoints.length - notReady - ready;
  const overall: Verdict = notReady > 0 ? 'NOT_READY' : insufficient > 0 || endpoints.length === 0 ? 'INSUFFICIENT_DATA' : 'READY';
  return {
    generated_at: new Date(now).toISOString(),
    triage: triageOf(endpoints),
    sources: evidence.sources,
    window: { since: evidence.since === null ? null : new Date(evidence.since).toISOString(), until: new Date(now).toISOString() },
    endpoint_filter: options.endpoint ?? null,
    thresholds: options.thresholds,
    method: gateMethods(options.thresholds),
    endpoints,
    overall: { verdict: overall, ready, not_ready: notReady, insufficient },
  };
}

export function emptyEvidence(endpoint: string): EndpointEvidence {
  return { endpoint, days: new Map(), signatureInfo: new Map(), latestTestRun: null, downstream: new Map() };
}

export const VERDICT_RANK: Record<Verdict, number> = { NOT_READY: 0, INSUFFICIENT_DATA: 1, READY: 2 };

/** "GET /x" ordered by path, then method. */
export function compareEndpoints(a: string, b: string): number {
  const [ma = '', pa = ''] = a.split(' ');
  const [mb = '', pb = ''] = b.split(' ');
  return pa < pb ? -1 : pa > pb ? 1 : ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** A glob on "METHOD /path" templates; without a method it applies to every method; `{name}` is literal. */
export function endpointFilter(glob: string | undefined): (endpoint: string) => boolean {
  if (glob === undefined) return () => true;
  const withMethod = glob.startsWith('/') ? `* ${glob}` : glob;
  const isMatch = picomatch(withMethod, { dot: true, nobrace: true });
  return (endpoint) => endpoint === glob || isMatch(endpoint);
}

export interface JudgeOptions {
  thresholds: Thresholds;
  rules: CompareRules;
  cwd: string;
  /** Judge every day of the evidence as well (the report's "readiness over time"). */
  days: boolean;
}

/** One endpoint's report from its evidence (any bucket grain) and its spec. */
export function judgeEndpoint(name: string, loaded: LoadedSpec | null, evidence: EndpointEvidence, options: JudgeOptions): EndpointReport {
  const { thresholds: t, rules, cwd } = options;
  const spec = loaded?.spec ?? null;
  const specFile = loaded ? displayPath(loaded.file, cwd) : null;
  const total = mergedDays(evidence);
  const classify = signatureClassifier(spec, rules, evidence, total);
  const attribution = attributeExpected(spec, evidence, total, classify);
  const correctness = correctnessCounts(total, classify);
  const fixedGates = [specGate(spec), specTestsGate(spec, evidence.latestTestRun)];
  const judged = judgeShadow(spec, evidence, total, correctness, t);
  const gates = orderGates([...fixedGates, ...judged.gates]);
  const { verdict, reasons } = verdictOf(gates);

  const days: DayVerdict[] = [];
  for (const day of options.days ? [...evidence.days.keys()].sort((a, b) => a - b) : []) {
    const upTo = mergedDays(evidence, day);
    const counts = correctnessCounts(upTo, signatureClassifier(spec, rules, evidence, upTo));
    const judgedDay = judgeShadow(spec, evidence, upTo, counts, t);
    const dayGates = orderGates([...fixedGates, ...judgedDay.gates]);
    days.push({
      day: new Date(day).toISOString().slice(0, 10),
      verdict: verdictOf(dayGates).verdict,
      requests: counts.compared,
      mismatches: counts.mismatches,
      match_rate_lower_bound: judgedDay.lowerBound,
      gates: dayGates.map((g) => ({ name: g.name, status: g.status })),
    });
  }

  const basis = latencyBasis(total);
  const latency = {
    legacy: latencyOf(total.primaryLatency),
    rewrite: latencyOf(total.candidateLatency),
    paired: basis === null ? null : { basis, reference: latencyOf(total.referenceLatency), rewrite: latencyOf(total.pairedCandidateLatency) },
  };
  return {
    endpoint: name,
    spec: spec?.id ?? null,
    spec_file: specFile,
    verdict,
    reasons,
    requests: correctness.compared,
    mismatches: correctness.mismatches,
    match_rate_lower_bound: correctness.compared === 0 ? null : judged.lowerBound,
    gates,
    traffic: {
      match: total.outcomes.match,
      raw: correctness.raw,
      noise: correctness.noise,
      inconclusive: correctness.inconclusive,
      mismatch: correctness.mismatches,
      expected: correctness.expected,
      candidate_error: total.outcomes.candidate_error,
      not_compared: total.outcomes.not_compared,
      downstream: total.outcomes.downstream,
      dropped: total.outcomes.dropped,
      first_seen: total.firstMinute,
      last_seen: total.lastMinute === null ? null : total.lastMinute + 60_000,
    },
    secondary: total.secondary.compared > 0 ? { ...total.secondary, drifted: secondaryDrifted(total.secondary, t) } : null,
    status_matrix: [...total.statusPairs.values()]
      .map((pair) => ({ legacy: pair.primary, rewrite: pair.candidate, count: pair.count }))
      .sort((a, b) => a.legacy - b.legacy || a.rewrite - b.rewrite),
    latency,
    signatures: reportSignatures(evidence, total, classify),
    causes: causesOf(evidence, total, classify),
    downstream: downstreamOf(evidence),
    intentional: intentionalDifferences(spec, attribution),
    days,
  };
}

/** What this endpoint's diverged writes caused elsewhere, most first. */
function downstreamOf(evidence: EndpointEvidence): DownstreamReport[] {
  return [...evidence.downstream.values()]
    .sort((a, b) => b.count - a.count || a.rootAt - b.rootAt)
    .map((entry) => ({
      root_signature: entry.rootSignature,
      root_outcome: entry.rootOutcome,
      root_at: entry.rootAt,
      count: entry.count,
      endpoints: [...entry.endpoints]
        .map(([endpoint, count]) => ({ endpoint, count }))
        .sort((a, b) => b.count - a.count || compareEndpoints(a.endpoint, b.endpoint)),
      signatures: [...entry.signatures],
      first_seen: entry.firstSeen,
      last_seen: entry.lastSeen,
    }));
}

function orderGates(gates: Gate[]): Gate[] {
  return gates.sort((a, b) => GATE_ORDER.indexOf(a.name) - GATE_ORDER.indexOf(b.name));
}

/** The gates that judge shadow evidence, over a span of it. */
function judgeShadow(spec: Spec | null, evidence: EndpointEvidence, bucket: ShadowBucket, counts: CorrectnessCounts, t: Thresholds) {
  const correctness = correctnessGate(counts, t);
  const gates = [
    correctness.gate,
    errorsGate(bucket, t),
    latencyGate(
      {
        reference: bucket.referenceLatency,
        candidate: bucket.pairedCandidateLatency,
        basis: latencyBasis(bucket),
        legacy: latencyOf(bucket.primaryLatency),
        rewrite: latencyOf(bucket.candidateLatency),
      },
      t,
    ),
    coverageGate({ firstMinute: bucket.firstMinute, lastMinute: bucket.lastMinute, behaviors: behaviorCoverage(spec, evidence, bucket) }, t),
  ];
  return { gates, lowerBound: correctness.lowerBound };
}

/** What the candidate's timings were paired with: the secondary, the primary (detached mode), or nothing (inline without a secondary). */
function latencyBasis(bucket: ShadowBucket): 'secondary' | 'primary' | null {
  if (bucket.referenceLatency.totalCount === 0) return null;
  return bucket.secondary.compared > 0 ? 'secondary' : 'primary';
}

/**
 * A path is noise when a second legacy instance differs there about as often as the rewrite does:
 * raw does not exceed noise by Diffy's relative rule. Diffy's absolute floor (0.03 % of requests)
 * is not applied: the correctness gate itself judges how rare a difference is.
 */
function noisyPaths(bucket: ShadowBucket): Set<string> {
  const noisy = new Set<string>();
  for (const [key, { raw, noise }] of bucket.paths) {
    const clearlyAbove = raw > noise && (raw - noise) * 5 > Math.max(raw, noise);
    if (noise > 0 && !clearlyAbove) noisy.add(key);
  }
  return noisy;
}

/** How a recorded signature counts now, whatever the comparator said when it was recorded. */
export interface SignatureClass {
  /** The fix behaviour a reviewer linked it to: all of it counts as expected. */
  linked: string | undefined;
  /** Left out of the mismatches: every path within the secondary's noise, or now covered by the compare rules. */
  noise: boolean;
  /**
   * Noise that is not evidence: a status or structural path of it is within the secondary's noise,
   * so the two legacy instances disagree on the answer itself. Its requests leave the correctness
   * gate's n instead of counting as clean matches. Implies `noise`.
   */
  inconclusive: boolean;
}

export type SignatureClassifier = (signature: string) => SignatureClass;

/**
 * Classifies an endpoint's signatures over a span of evidence: by the spec's current `signatures`
 * links and compare rules (a reviewer may have added them after the traffic was recorded) and by
 * the noise the span's per-path counts show.
 */
export function signatureClassifier(spec: Spec | null, rules: CompareRules, evidence: EndpointEvidence, bucket: ShadowBucket): SignatureClassifier {
  const noisy = noisyPaths(bucket);
  const specRules = spec ? compareRulesOf(spec, rules) : rules;
  return (signature) => {
    const parts = partsOf(evidence, signature);
    const linked = spec ? linkedFix(spec, signature) : undefined;
    const covered = (part: { pattern: string; kind: string }) => ruleCovers(specRules, part);
    const noise = linked === undefined && parts.length > 0 && parts.every((part) => noisy.has(`${part.pattern}\u0000${part.kind}`) || covered(part));
    const inconclusive = noise && parts.some((part) => !covered(part) && isStructural({ kind: part.kind as DifferenceKind }));
    return { linked, noise, inconclusive };
  };
}

/**
 * Every mismatch has a signature, so the signatures' unexpected counts are the mismatches, split into
 * linked fixes, noise (clean matches), inconclusive noise (out of n) and the rest.
 */
export function correctnessCounts(bucket: ShadowBucket, classify: SignatureClassifier): CorrectnessCounts {
  let noise = 0;
  let inconclusive = 0;
  let linked = 0;
  let mismatches = 0;
  for (const [signature, counts] of bucket.signatures) {
    const unexpected = counts.count - counts.expected - counts.inconclusive;
    const found = classify(signature);
    if (found.linked !== undefined) linked += unexpected;
    else if (found.inconclusive) inconclusive += unexpected;
    else if (found.noise) noise += unexpected;
    else mismatches += unexpected;
  }
  // A store written before the hourly signature counts (migration 4) has them filed under each signature's last hour, so a
  // window or a day can hold more of them than the rollups' mismatches: the rollups are exact per hour, and bound them all.
  const { outcomes } = bucket;
  const bounded = Math.min(mismatches, outcomes.mismatch);
  const boundedLinked = Math.min(linked, outcomes.mismatch - bounded);
  const boundedInconclusive = Math.min(inconclusive, outcomes.mismatch - bounded - boundedLinked);
  const boundedNoise = Math.min(noise, outcomes.mismatch - bounded - boundedLinked - boundedInconclusive);
  return {
    compared: outcomes.match + outcomes.noise + outcomes.mismatch + outcomes.expected - boundedInconclusive,
    mismatches: bounded,
    expected: outcomes.expected + boundedLinked,
    noise: outcomes.noise + boundedNoise,
    inconclusive: outcomes.inconclusive + boundedInconclusive,
    raw: outcomes.noise + outcomes.inconclusive + outcomes.mismatch + outcomes.expected,
    secondary: bucket.secondary,
  };
}

function partsOf(evidence: EndpointEvidence, signature: string): { pattern: string; kind: string }[] {
  return evidence.signatureInfo.get(signature)?.differences ?? [];
}

function reportSignatures(evidence: EndpointEvidence, bucket: ShadowBucket, classify: SignatureClassifier): ReportSignature[] {
  const list: ReportSignature[] = [];
  for (const [signature, counts] of bucket.signatures) {
    const info = evidence.signatureInfo.get(signature);
    const differences = partsOf(evidence, signature);
    const sample = info?.samples[0];
    const { linked, noise, inconclusive } = classify(signature);
    list.push({
      signature,
      differences,
      count: counts.count,
      expected: linked !== undefined ? counts.count : counts.expected,
      noise,
      inconclusive: inconclusive ? counts.count - counts.expected : counts.inconclusive,
      first_seen: info?.firstSeen ?? 0,
      last_seen: info?.lastSeen ?? 0,
      sample: sample ? excerptOf(sample) : null,
    });
  }
  const weight = (s: ReportSignature) => (s.noise ? 0 : s.count - s.expected - s.inconclusive);
  return list
    .sort((a, b) => weight(b) - weight(a) || b.count - a.count || (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0))
    .slice(0, MAX_SIGNATURES);
}

function excerptOf(sample: ShadowSample): SignatureExcerpt {
  const { candidate } = sample;
  return {
    request: `${sample.request.method} ${sample.request.target}`,
    legacy_status: sample.primary.status,
    rewrite_status: candidate && 'status' in candidate ? candidate.status : null,
    differences: sample.differences.slice(0, 5).map(describeDifference),
    at: sample.at,
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Signature weight: its requests that are unexplained mismatches (not noise, not a fix, not inconclusive). */
function unexplained(counts: { count: number; expected: number; inconclusive: number }, found: SignatureClass): number {
  return found.noise || found.linked !== undefined ? 0 : counts.count - counts.expected - counts.inconclusive;
}

/** The endpoint's unexplained differences one by one across its signatures, most requests first. */
function causesOf(evidence: EndpointEvidence, bucket: ShadowBucket, classify: SignatureClassifier): DifferenceCause[] {
  const causes = new Map<string, DifferenceCause & { heaviest: number }>();
  for (const [signature, counts] of bucket.signatures) {
    const weight = unexplained(counts, classify(signature));
    if (weight <= 0) continue;
    const sample = evidence.signatureInfo.get(signature)?.samples[0];
    for (const part of partsOf(evidence, signature)) {
      const key = `${part.pattern}\u0000${part.kind}`;
      const cause = causes.get(key) ?? { pattern: part.pattern, kind: part.kind, requests: 0, sample: null, heaviest: 0 };
      cause.requests += weight;
      if (sample && weight > cause.heaviest) {
        cause.heaviest = weight;
        cause.sample = excerptOf(sample);
      }
      causes.set(key, cause);
    }
  }
  return [...causes.values()]
    .sort((a, b) => b.requests - a.requests || byText(a.pattern, b.pattern))
    .slice(0, MAX_CAUSES)
    .map(({ heaviest: _, ...cause }) => cause);
}

/**
 * The triage across endpoints: the causes that affected the most requests (one row for a header
 * difference every endpoint shares), and the endpoints that are not READY split by what holds them.
 */
export function triageOf(endpoints: readonly EndpointReport[]): Triage {
  const top = new Map<string, Triage['top_differences'][number]>();
  for (const endpoint of endpoints) {
    for (const cause of endpoint.causes) {
      const key = `${cause.pattern}\u0000${cause.kind}`;
      const entry = top.get(key) ?? { pattern: cause.pattern, kind: cause.kind, requests: 0, endpoints: [], sample: null };
      entry.requests += cause.requests;
      entry.endpoints.push({ endpoint: endpoint.endpoint, requests: cause.requests });
      top.set(key, entry);
    }
  }
  const byEndpoint = new Map(endpoints.map((e) => [e.endpoint, e]));
  const topDifferences = [...top.values()]
    .sort((a, b) => b.requests - a.requests || b.endpoints.length - a.endpoints.length || byText(a.pattern, b.pattern))
    .slice(0, MAX_TOP_DIFFERENCES)
    .map((entry) => {
      entry.endpoints.sort((a, b) => b.requests - a.requests || compareEndpoints(a.endpoint, b.endpoint));
      const first = entry.endpoints[0]!.endpoint;
      const sample = byEndpoint.get(first)!.causes.find((c) => c.pattern === entry.pattern && c.kind === entry.kind)?.sample ?? null;
      return { ...entry, sample: sample && { endpoint: first, ...sample } };
    });
  const notReady = endpoints.filter((e) => e.verdict !== 'READY');
  const withTraffic = (e: EndpointReport) => e.traffic.first_seen !== null;
  const evidenceHolds = (e: EndpointReport) => e.gates.some((g) => g.name !== 'spec' && g.status !== 'PASS');
  return {
    top_differences: topDifferences,
    blocked_by_evidence: notReady.filter((e) => withTraffic(e) && evidenceHolds(e)).map((e) => e.endpoint),
    blocked_by_paperwork: notReady.filter((e) => withTraffic(e) && !evidenceHolds(e)).map((e) => e.endpoint),
    no_traffic: endpoints.filter((e) => !withTraffic(e)).map((e) => e.endpoint),
  };
}

/**
 * Expected comparisons per fix behaviour: a signature's expected count goes to the behaviour that
 * explains its stored sample (the shadow comparator's own classification, replayed on the sample),
 * and all of a signature a reviewer linked to a fix goes to that fix.
 */
function attributeExpected(spec: Spec | null, evidence: EndpointEvidence, bucket: ShadowBucket, classify: SignatureClassifier): Map<string, number> {
  const affected = new Map<string, number>();
  if (!spec) return affected;
  const footprints = fixFootprints(spec);
  for (const [signature, counts] of bucket.signatures) {
    const { linked } = classify(signature);
    if (linked !== undefined) {
      affected.set(linked, (affected.get(linked) ?? 0) + counts.count);
      continue;
    }
    if (counts.expected === 0) continue;
    const sample = evidence.signatureInfo.get(signature)?.samples.find((s) => s.outcome === 'expected');
    const candidate = sample?.candidate;
    if (!sample || !candidate || !('status' in candidate)) continue;
    const behaviors = explainedBy(footprints, sample.primary.status, candidate.status, sample.differences);
    for (const behavior of behaviors?.split(', ') ?? []) affected.set(behavior, (affected.get(behavior) ?? 0) + counts.expected);
  }
  return affected;
}

function intentionalDifferences(spec: Spec | null, affected: ReadonlyMap<string, number>): IntentionalDifference[] {
  if (!spec) return [];
  return spec.behaviors
    .filter((b) => b.disposition === 'fix' || b.disposition === 'drop')
    .map((b) => ({
      behavior: b.id,
      disposition: b.disposition as 'fix' | 'drop',
      says: b.says,
      rationale: b.notes ?? null,
      approved_by: spec.approval?.by ?? null,
      approved_at: spec.approval?.at ?? null,
      requests_affected: b.disposition === 'fix' ? (affected.get(b.id) ?? 0) : null,
    }));
}

/**
 * Each behaviour that is not dropped: seen in traffic when the legacy answered, in a shadowed
 * request, the status the behaviour's examples expect of it (or, without examples, the status the
 * behaviour states: `answers-404`, "Answers 404 when ..."); tested when an example of it passed on
 * the rewrite in the latest spec-test run.
 */
function behaviorCoverage(spec: Spec | null, evidence: EndpointEvidence, bucket: ShadowBucket): { id: string; seen: boolean; tested: boolean }[] {
  if (!spec) return [];
  const legacyStatuses = new Set([...bucket.statusPairs.values()].map((pair) => pair.primary));
  const results = evidence.latestTestRun?.results ?? [];
  return spec.behaviors
    .filter((b) => b.disposition !== 'drop')
    .map((behavior) => {
      const fromExamples = spec.examples.filter((e) => e.behavior === behavior.id).flatMap(legacyStatusesOf);
      const statuses = fromExamples.length > 0 ? fromExamples : statedStatuses(behavior);
      return {
        id: behavior.id,
        seen: statuses.some((status) => legacyStatuses.has(status)),
        tested: results.some((r) => r.behavior === behavior.id && r.target === 'rewrite' && r.outcome === 'pass'),
      };
    });
}

/**
 * The status a behaviour without examples states, as `parity extract` drafts them (`answers-201`,
 * "Answers 201 with ...") and as people write them ("returns 404", "responds with 409"); none when
 * it names none (a guard, a side effect), which only a test can then cover.
 */
function statedStatuses(behavior: Spec['behaviors'][number]): number[] {
  const found = /^answers-([1-5]\d\d)\b/.exec(behavior.id) ?? /\b(?:answers|returns|responds(?: with)?)\s+([1-5]\d\d)\b/i.exec(behavior.says);
  return found ? [Number(found[1])] : [];
}

/** The statuses an example's last step expects of the legacy. */
function legacyStatusesOf(example: Spec['examples'][number]): number[] {
  const last = example.steps ? example.steps[example.steps.length - 1] : { expect: example.expect, expect_legacy: example.expect_legacy };
  const status = (last?.expect_legacy ?? last?.expect)?.status;
  return status === undefined ? [] : Array.isArray(status) ? status : [status];
}
