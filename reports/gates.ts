/**
 * The six readiness gates of one endpoint, each PASS, FAIL or INSUFFICIENT with the numbers
 * behind it, and the verdict they add up to. Pure: evidence and thresholds in, gates out.
 *
 * FAIL means the evidence so far is against the rewrite (more of the same traffic would not
 * change that); INSUFFICIENT means it is not yet enough to say, and the detail says what would
 * settle it.
 */
import { matchRateGate, rateDifferenceUpper, wilsonInterval } from '../src/stats/binomial.js';
import { quantileRankBounds } from '../src/stats/quantile.js';
import { specStatus } from '../src/spec/status.js';
import type { Spec } from '../src/spec/schema.js';
import { plural } from '../src/text.js';
import type { LatestTestRun, ShadowBucket } from './evidence.js';
import { formatCount, formatLowerBound, formatMs, formatPercent } from './format.js';
import type { Gate, GateName, GateStatus, LatencyPercentiles, Thresholds, Verdict } from './model.js';
import type * as hdr from 'hdr-histogram-js';

export function gateMethods(t: Thresholds): Record<GateName, string> {
  return {
    spec: 'The spec is approved, the legacy source has not moved since it was approved (no drift), and no behaviour is undecided (`parity spec status`).',
    spec_tests:
      'The latest `parity test` run that covered the endpoint, from any store given: every example passes on the rewrite, and every example that fails on the legacy alone belongs to a `fix` behaviour.',
    shadow_correctness:
      `n compared requests and k unexpected mismatches: differences explained by a fix behaviour are left out, and so is a signature whose every path differs between two legacy instances about as often (Diffy's relative rule: raw does not exceed noise by more than 20 %). ` +
      `PASS when the exact one-sided Clopper-Pearson lower bound of the match rate at ${formatPercent(t.confidence)} confidence is at least ${formatPercent(t.target_match_rate)}; ` +
      'FAIL when the observed match rate is below the target; otherwise INSUFFICIENT, with the number of further clean requests that would settle it. The two-sided Wilson score interval is shown beside it. ' +
      'Noise is not evidence: a request (or a signature) whose status or structure differs between the two legacy instances too is inconclusive and left out of n, never a clean match; ' +
      `when the secondary disagrees with the primary on status or structure on more than ${formatPercent(t.max_secondary_divergence)} of an endpoint's requests, it has drifted and the gate is at most INSUFFICIENT.`,
    errors:
      `Over the same shadowed requests, 5xx answers of the legacy against 5xx answers or no answer of the rewrite. PASS when the one-sided ${formatPercent(t.confidence)} upper bound of the difference of the two rates (Newcombe's hybrid score method) is at most ${points(t.error_rate_margin)}; ` +
      'FAIL when the observed difference exceeds that margin; otherwise INSUFFICIENT.',
    latency:
      "The rewrite against a reference timed the same way: the secondary (sent beside the rewrite by the mirror), or in detached mode the legacy (parity sends both). Inline without a secondary the legacy is timed on the clients' path and the rewrite on the mirror, which is biased, so the gate is at most INSUFFICIENT. " +
      `p50 and p99 of each side from the merged HDR histograms (1 % resolution), each with a distribution-free order-statistic confidence interval of the ratio and of the difference (four one-sided bounds at ${formatPercent(1 - (1 - t.confidence) / 4)}, Bonferroni, so the decision holds at ${formatPercent(t.confidence)}). ` +
      `FAIL when for p50 or p99 the whole ratio interval is above ${t.max_p99_ratio}× and the whole difference interval above ${t.p99_slack_ms} ms; PASS when for both the ratio interval is within ${t.max_p99_ratio}× or the difference interval within ${t.p99_slack_ms} ms; ` +
      `otherwise INSUFFICIENT. At least ${t.min_latency_samples} timings per side.`,
    coverage: `Shadowed for at least ${duration(t.min_shadow_duration_ms)} (first to last minute with traffic), and every behaviour that is not dropped seen in traffic (a request where the legacy answered the status its examples expect) or passing in the latest spec-test run.`,
  };
}

export function specGate(spec: Spec | null): Gate {
  if (!spec) return gate('spec', 'FAIL', 'no spec covers this endpoint: it was seen in traffic only', { status: null });
  const { status, reasons } = specStatus(spec);
  const counts = { preserve: 0, fix: 0, drop: 0, undecided: 0 };
  for (const behavior of spec.behaviors) counts[behavior.disposition] += 1;
  const numbers = { status, behaviors: spec.behaviors.length, ...counts };
  if (status === 'approved') {
    const decided = `${plural(spec.behaviors.length, 'behaviour')} decided (${counts.preserve} preserve, ${counts.fix} fix, ${counts.drop} drop)`;
    return gate('spec', 'PASS', `approved by ${spec.approval!.by} at ${spec.approval!.at}; ${decided}`, numbers);
  }
  return gate('spec', 'FAIL', `${status}: ${reasons.join('; ')}`, numbers);
}

export function specTestsGate(spec: Spec | null, run: LatestTestRun | null): Gate {
  if (!run) {
    const why = spec && spec.examples.length === 0 ? 'the spec has no examples to test' : 'no `parity test` run has covered this endpoint';
    return gate('spec_tests', 'INSUFFICIENT', why, { run: null });
  }
  const rewrite = run.results.filter((r) => r.target === 'rewrite');
  const legacy = run.results.filter((r) => r.target === 'legacy');
  const failed = (r: { outcome: string }) => r.outcome === 'fail' || r.outcome === 'error';
  const rewriteFailures = rewrite.filter(failed);
  const legacyOnly = legacy.filter((r) => failed(r) && !rewrite.some((w) => w.example === r.example && w.specId === r.specId && failed(w)));
  const notFix = legacyOnly.filter((r) => r.disposition !== 'fix');
  const bugGone = legacy.filter((r) => r.outcome === 'bug-gone').length;
  const numbers = {
    run: run.runId,
    finished_at: run.finishedAt,
    source: run.source,
    rewrite_examples: rewrite.length,
    rewrite_failures: rewriteFailures.length,
    legacy_only_failures: legacyOnly.length,
    legacy_only_failures_not_fix: notFix.length,
    bug_gone: bugGone,
  };
  const when = `run ${run.runId} at ${run.finishedAt}`;
  if (rewriteFailures.length > 0) {
    return gate(
      'spec_tests',
      'FAIL',
      `${when}: ${rewriteFailures.length} of ${plural(rewrite.length, 'example')} fail on the rewrite (${names(rewriteFailures)})`,
      numbers,
    );
  }
  if (notFix.length > 0) {
    return gate(
      'spec_tests',
      'FAIL',
      `${when}: ${plural(notFix.length, 'example')} of behaviours that are not fixes fail on the legacy alone, so the spec does not describe the legacy (${names(notFix)})`,
      numbers,
    );
  }
  if (rewrite.length === 0) return gate('spec_tests', 'INSUFFICIENT', `${when}: no example ran on the rewrite`, numbers);
  const legacyNote = legacyOnly.length > 0 ? `; ${plural(legacyOnly.length, 'legacy-only failure')}, all of fix behaviours` : '';
  const goneNote = bugGone > 0 ? `; ${bugGone} fixed bug no longer shown by the legacy` : '';
  return gate('spec_tests', 'PASS', `${when}: ${plural(rewrite.length, 'example')} pass on the rewrite${legacyNote}${goneNote}`, numbers);
}

export interface CorrectnessCounts {
  /** n: clean matches (noise included) + unexpected mismatches + expected. Inconclusive requests are not in it. */
  compared: number;
  /** Mismatches that count: not expected, not noise. */
  mismatches: number;
  expected: number;
  /** Requests that matched once the secondary's leaf noise (or a compare rule) was taken out: clean matches. */
  noise: number;
  /** Requests whose status or structure differed between the two legacy instances too: out of n. */
  inconclusive: number;
  /** Requests whose answers differed at all before noise was taken out. */
  raw: number;
  /** Requests with a secondary answer, and those where it disagreed with the primary on status or structure. */
  secondary: { compared: number; diverged: number };
}

/** Whether the secondary disagreed with the primary on status or structure on more than the threshold's share of requests. */
export function secondaryDrifted(secondary: CorrectnessCounts['secondary'], t: Thresholds): boolean {
  return secondary.compared > 0 && secondary.diverged > t.max_secondary_divergence * secondary.compared;
}

export function correctnessGate(counts: CorrectnessCounts, t: Thresholds): { gate: Gate; lowerBound: number } {
  const result = matchRateGate({ n: counts.compared, mismatches: counts.mismatches, target: t.target_match_rate, confidence: t.confidence });
  const wilson = wilsonInterval(counts.compared - counts.mismatches, counts.compared, t.confidence);
  const drifted = secondaryDrifted(counts.secondary, t);
  const numbers = {
    compared: counts.compared,
    mismatches: counts.mismatches,
    expected: counts.expected,
    noise: counts.noise,
    inconclusive: counts.inconclusive,
    raw: counts.raw,
    secondary_compared: counts.secondary.compared,
    secondary_diverged: counts.secondary.diverged,
    secondary_drifted: drifted,
    match_rate: result.rate,
    lower_bound: result.lowerBound,
    wilson_lower: wilson.lower,
    wilson_upper: wilson.upper,
    clean_requests_needed: result.cleanRequestsNeeded,
  };
  const inconclusive =
    counts.inconclusive > 0
      ? `; ${formatCount(counts.inconclusive)} inconclusive (the secondary disagreed with the primary on status or structure too) not counted`
      : '';
  // A drifted secondary can only have hidden differences, never invented them: a FAIL stands, a PASS does not.
  const capped =
    result.status === 'FAIL'
      ? 'the mismatches counted stand'
      : 'correctness is at most INSUFFICIENT until it is a replica of the primary again (mirror writes to it too, or reseed it)';
  const drift = drifted
    ? `; the secondary is not a faithful reference here: it disagreed with the primary on status or structure on ${formatCount(counts.secondary.diverged)} of ${formatCount(counts.secondary.compared)} requests ` +
      `(${formatPercent(counts.secondary.diverged / counts.secondary.compared)}, at most ${formatPercent(t.max_secondary_divergence)} allowed), so its state has drifted and it cannot tell noise from behaviour; ${capped}`
    : '';
  if (counts.compared === 0) {
    return {
      gate: gate(
        'shadow_correctness',
        'INSUFFICIENT',
        `no compared requests; about ${formatCount(result.cleanRequestsNeeded ?? 0)} clean ones would settle it${inconclusive}${drift}`,
        numbers,
      ),
      lowerBound: result.lowerBound,
    };
  }
  const left = [
    counts.expected > 0 ? `${formatCount(counts.expected)} expected left out` : '',
    counts.noise > 0 ? `${formatCount(counts.noise)} matched once noise was left out` : '',
  ].filter(Boolean);
  const facts =
    `${formatCount(counts.compared)} compared, ${plural(counts.mismatches, 'unexpected mismatch', 'unexpected mismatches')}${left.length > 0 ? ` (${left.join(', ')})` : ''}: ` +
    `match rate ≥ ${formatLowerBound(result.lowerBound)} at ${formatPercent(t.confidence)} (Clopper-Pearson), target ${formatPercent(t.target_match_rate)}; Wilson ${formatPercent(t.confidence)} [${formatLowerBound(wilson.lower)}, ${`${(wilson.upper * 100).toFixed(3)} %`}]`;
  const status: GateStatus = drifted && result.status === 'PASS' ? 'INSUFFICIENT' : result.status;
  const settle = result.status === 'INSUFFICIENT' ? `; ${formatCount(result.cleanRequestsNeeded ?? 0)} more clean requests would settle it` : '';
  const below = result.status === 'FAIL' ? `; observed ${`${((result.rate ?? 0) * 100).toFixed(3)} %`} is below the target` : '';
  return { gate: gate('shadow_correctness', status, facts + settle + below + inconclusive + drift, numbers), lowerBound: result.lowerBound };
}

export function errorsGate(bucket: ShadowBucket, t: Thresholds): Gate {
  let n = 0;
  let legacy = 0;
  let rewrite = 0;
  for (const pair of bucket.statusPairs.values()) {
    n += pair.count;
    if (pair.primary >= 500) legacy += pair.count;
    if (pair.candidate >= 500 || pair.candidate === 0) rewrite += pair.count;
  }
  if (n === 0)
    return gate('errors', 'INSUFFICIENT', 'no shadowed requests', { requests: 0, legacy_errors: 0, rewrite_errors: 0, difference_upper_bound: null });
  const upper = rateDifferenceUpper({ events: legacy, n }, { events: rewrite, n }, t.confidence);
  const observed = (rewrite - legacy) / n;
  const status: GateStatus = upper <= t.error_rate_margin ? 'PASS' : observed > t.error_rate_margin ? 'FAIL' : 'INSUFFICIENT';
  const numbers = { requests: n, legacy_errors: legacy, rewrite_errors: rewrite, difference: observed, difference_upper_bound: upper };
  const detail =
    `legacy ${formatCount(legacy)} 5xx, rewrite ${formatCount(rewrite)} 5xx or no answer, of ${formatCount(n)}: ` +
    `difference ${signedPoints(observed)}, upper bound ${signedPoints(upper)} at ${formatPercent(t.confidence)}, margin ${points(t.error_rate_margin)}`;
  return gate('errors', status, detail, numbers);
}

export function latencyOf(histogram: hdr.Histogram): LatencyPercentiles | null {
  if (histogram.totalCount === 0) return null;
  const ms = (micros: number) => micros / 1000;
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

/** The timings the latency gate compares: the rewrite against a reference timed the same way, and the raw sides for context. */
export interface LatencyEvidence {
  /** The side sent, timed and queued the way the candidate was: the secondary, or the primary in detached mode. */
  reference: hdr.Histogram;
  /** The candidate's timings on the same requests as `reference`. */
  candidate: hdr.Histogram;
  /** What the reference is; null when there is none (inline without a secondary). */
  basis: 'secondary' | 'primary' | null;
  /** The primary as the clients saw it and the candidate as the mirror did: shown, never judged. */
  legacy: LatencyPercentiles | null;
  rewrite: LatencyPercentiles | null;
}

/** The quantiles the gate decides on. */
const JUDGED_QUANTILES = [
  { name: 'p50', q: 0.5 },
  { name: 'p99', q: 0.99 },
] as const;

interface QuantileJudgement {
  name: string;
  reference: number;
  candidate: number;
  /** Bounds of candidate / reference and candidate - reference (ms); null where the timings cannot bound it. */
  ratio: { lower: number | null; upper: number | null };
  difference: { lower: number | null; upper: number | null };
  status: GateStatus;
}

/**
 * The rewrite's p50 and p99 against the reference's, each with a distribution-free confidence
 * interval from order statistics (src/stats/quantile.ts), read from the HDR histograms by rank.
 * Four one-sided bounds go into a decision (two quantiles, two sides each), so each is taken at
 * 1 - (1 - confidence) / 4 (Bonferroni): the decision holds at `confidence`. A quantile FAILs
 * when its whole ratio interval is above the allowed ratio and its whole difference interval above
 * the slack; it PASSes when either interval is wholly within its allowance; otherwise it is not
 * settled. The gate FAILs when a quantile does, PASSes when both do.
 */
export function latencyGate(evidence: LatencyEvidence, t: Thresholds): Gate {
  const raw = {
    legacy_p99_ms: evidence.legacy?.p99 ?? null,
    rewrite_p99_ms: evidence.rewrite?.p99 ?? null,
    raw_p99_ratio: evidence.legacy && evidence.rewrite && evidence.legacy.p99 > 0 ? evidence.rewrite.p99 / evidence.legacy.p99 : null,
  };
  if (evidence.basis === null) {
    const shown = raw.raw_p99_ratio === null ? '' : ` (as recorded: p99 ${raw.raw_p99_ratio.toFixed(2)}×, not judged)`;
    return gate(
      'latency',
      'INSUFFICIENT',
      "no like-for-like timing: inline, the legacy is timed on the clients' path and the rewrite on the mirror at its concurrency, a comparison biased against the rewrite" +
        `${shown}; shadow with a secondary (shadow.secondary: the rewrite is timed against it, both sent the same way) or in detached mode`,
      { reference: null, reference_samples: 0, rewrite_samples: 0, ...raw },
    );
  }
  const n = { reference: evidence.reference.totalCount, candidate: evidence.candidate.totalCount };
  const basis = evidence.basis === 'secondary' ? 'the secondary' : 'the legacy (sent by parity beside the rewrite)';
  const base = { reference: evidence.basis, reference_samples: n.reference, rewrite_samples: n.candidate, ...raw };
  if (n.reference < t.min_latency_samples || n.candidate < t.min_latency_samples) {
    return gate(
      'latency',
      'INSUFFICIENT',
      `${formatCount(n.candidate)} rewrite timings beside ${formatCount(n.reference)} of ${basis}; ${formatCount(t.min_latency_samples)} each are needed`,
      base,
    );
  }
  const boundConfidence = 1 - (1 - t.confidence) / 4;
  const judged = JUDGED_QUANTILES.map(({ name, q }) => judgeQuantile(name, q, evidence.reference, evidence.candidate, boundConfidence, t));
  const status: GateStatus = judged.some((j) => j.status === 'FAIL') ? 'FAIL' : judged.every((j) => j.status === 'PASS') ? 'PASS' : 'INSUFFICIENT';
  const numbers: Gate['numbers'] = { ...base };
  for (const j of judged) {
    numbers[`${j.name}_ratio`] = j.reference > 0 ? j.candidate / j.reference : null;
    numbers[`${j.name}_ratio_lower`] = j.ratio.lower;
    numbers[`${j.name}_ratio_upper`] = j.ratio.upper;
    numbers[`${j.name}_reference_ms`] = j.reference;
    numbers[`${j.name}_rewrite_ms`] = j.candidate;
  }
  const parts = judged.map((j) => {
    const interval = `[${formatRatio(j.ratio.lower)}, ${formatRatio(j.ratio.upper)}]`;
    return `${j.name} ${formatMs(j.candidate)} vs ${formatMs(j.reference)}: ${(j.reference > 0 ? j.candidate / j.reference : 1).toFixed(2)}×, ${formatPercent(t.confidence)} interval ${interval}`;
  });
  const verdictText =
    status === 'PASS'
      ? `within ${t.max_p99_ratio}× or ${t.p99_slack_ms} ms`
      : status === 'FAIL'
        ? `slower than ${t.max_p99_ratio}× and ${t.p99_slack_ms} ms (${judged
            .filter((j) => j.status === 'FAIL')
            .map((j) => j.name)
            .join(', ')})`
        : `not settled: ${judged
            .filter((j) => j.status === 'INSUFFICIENT')
            .map((j) => j.name)
            .join(
              ' and ',
            )} straddle${judged.filter((j) => j.status === 'INSUFFICIENT').length === 1 ? 's' : ''} the allowance; more timings narrow the interval`;
  return gate('latency', status, `rewrite against ${basis}, ${formatCount(n.candidate)} timings: ${parts.join('; ')}; ${verdictText}`, numbers);
}

function judgeQuantile(name: string, q: number, reference: hdr.Histogram, candidate: hdr.Histogram, confidence: number, t: Thresholds): QuantileJudgement {
  const ref = quantileBounds(reference, q, confidence);
  const cand = quantileBounds(candidate, q, confidence);
  const ratio = {
    lower: cand.lower === null || ref.upper === null ? null : ref.upper > 0 ? cand.lower / ref.upper : null,
    upper: cand.upper === null || ref.lower === null || ref.lower === 0 ? null : cand.upper / ref.lower,
  };
  const difference = {
    lower: cand.lower === null || ref.upper === null ? null : cand.lower - ref.upper,
    upper: cand.upper === null || ref.lower === null ? null : cand.upper - ref.lower,
  };
  const fails = ratio.lower !== null && difference.lower !== null && ratio.lower > t.max_p99_ratio && difference.lower > t.p99_slack_ms;
  const passes = (ratio.upper !== null && ratio.upper <= t.max_p99_ratio) || (difference.upper !== null && difference.upper <= t.p99_slack_ms);
  return { name, reference: ref.estimate, candidate: cand.estimate, ratio, difference, status: fails ? 'FAIL' : passes ? 'PASS' : 'INSUFFICIENT' };
}

/** The q-quantile of a histogram (ms) and its one-sided bounds at `confidence`; null where the timings cannot bound it. */
function quantileBounds(histogram: hdr.Histogram, q: number, confidence: number): { estimate: number; lower: number | null; upper: number | null } {
  const n = histogram.totalCount;
  const ranks = quantileRankBounds(n, q, confidence);
  // The value of the k-th smallest timing: a percentile just under k / n, so HDR's rounding up lands on rank k.
  const atRank = (rank: number) => histogram.getValueAtPercentile((100 * (rank - 0.5)) / n) / 1000;
  return {
    estimate: histogram.getValueAtPercentile(q * 100) / 1000,
    lower: ranks.lower === null ? null : atRank(ranks.lower),
    upper: ranks.upper === null ? null : atRank(ranks.upper),
  };
}

function formatRatio(value: number | null): string {
  return value === null ? 'unbounded' : `${value.toFixed(2)}×`;
}

export interface CoverageInput {
  firstMinute: number | null;
  lastMinute: number | null;
  /** Behaviours (not dropped) and whether each was seen in traffic or tested. */
  behaviors: { id: string; seen: boolean; tested: boolean }[];
}

export function coverageGate(input: CoverageInput, t: Thresholds): Gate {
  const shadowedMs = input.firstMinute === null || input.lastMinute === null ? 0 : input.lastMinute + 60_000 - input.firstMinute;
  const uncovered = input.behaviors.filter((b) => !b.seen && !b.tested).map((b) => b.id);
  const numbers = {
    shadowed_ms: shadowedMs,
    required_ms: t.min_shadow_duration_ms,
    behaviors: input.behaviors.length,
    seen_in_traffic: input.behaviors.filter((b) => b.seen).length,
    tested: input.behaviors.filter((b) => b.tested).length,
    uncovered: uncovered.join(', '),
  };
  const parts = [`shadowed for ${duration(shadowedMs)} of ${duration(t.min_shadow_duration_ms)} required`];
  if (input.behaviors.length > 0) {
    parts.push(
      uncovered.length === 0
        ? `all ${plural(input.behaviors.length, 'behaviour')} seen in traffic or tested`
        : `${plural(uncovered.length, 'behaviour')} neither seen in traffic nor tested: ${uncovered.join(', ')}`,
    );
  }
  const status: GateStatus = shadowedMs >= t.min_shadow_duration_ms && uncovered.length === 0 ? 'PASS' : 'INSUFFICIENT';
  return gate('coverage', status, parts.join('; '), numbers);
}

/** READY when every gate passes; NOT READY when any fails; otherwise INSUFFICIENT DATA. Reasons: failures first. */
export function verdictOf(gates: readonly Gate[]): { verdict: Verdict; reasons: string[] } {
  const failed = gates.filter((g) => g.status === 'FAIL');
  const insufficient = gates.filter((g) => g.status === 'INSUFFICIENT');
  const reasons = [...failed, ...insufficient].map((g) => `${GATE_LABELS[g.name]} ${g.status === 'FAIL' ? 'fails' : 'needs more data'}: ${g.detail}`);
  const verdict: Verdict = failed.length > 0 ? 'NOT_READY' : insufficient.length > 0 ? 'INSUFFICIENT_DATA' : 'READY';
  return { verdict, reasons };
}

const GATE_LABELS: Record<GateName, string> = {
  spec: 'spec',
  spec_tests: 'spec tests',
  shadow_correctness: 'shadow correctness',
  errors: 'error rate',
  latency: 'latency',
  coverage: 'coverage',
};

function gate(name: GateName, status: GateStatus, detail: string, numbers: Gate['numbers']): Gate {
  return { name, status, detail, numbers };
}

function names(results: readonly { specId: string; example: string }[]): string {
  const shown = results.slice(0, 3).map((r) => `"${r.example}"`);
  return results.length > 3 ? `${shown.join(', ')} and ${results.length - 3} more` : shown.join(', ');
}

function points(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} percentage points`;
}

function signedPoints(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 0 ? '+' : ''}${value.toFixed(3)} pp`;
}

export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', rest > 0 || minutes === 0 ? `${rest}m` : ''].filter(Boolean);
  return parts.join(' ');
}
