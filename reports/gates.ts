/**
 * The six readiness gates of one endpoint, each PASS, FAIL or INSUFFICIENT with the numbers
 * behind it, and the verdict they add up to. Pure: evidence and thresholds in, gates out.
 *
 * FAIL means the evidence so far is against the rewrite (more of the same traffic would not
 * change that); INSUFFICIENT means it is not yet enough to say, and the detail says what would
 * settle it.
 */
import { matchRateGate, rateDifferenceUpper, wilsonInterval } from '../src/stats/binomial.js';
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
      'FAIL when the observed match rate is below the target; otherwise INSUFFICIENT, with the number of further clean requests that would settle it. The two-sided Wilson score interval is shown beside it.',
    errors:
      `Over the same shadowed requests, 5xx answers of the legacy against 5xx answers or no answer of the rewrite. PASS when the one-sided ${formatPercent(t.confidence)} upper bound of the difference of the two rates (Newcombe's hybrid score method) is at most ${points(t.error_rate_margin)}; ` +
      'FAIL when the observed difference exceeds that margin; otherwise INSUFFICIENT.',
    latency:
      `p50, p95 and p99 of each side from the merged shadow latency histograms (1 % resolution). PASS when the rewrite's p99 is at most ${t.max_p99_ratio}× the legacy's or within ${t.p99_slack_ms} ms of it; FAIL otherwise; ` +
      `INSUFFICIENT with fewer than ${t.min_latency_samples} requests on either side.`,
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
  /** match + mismatch + expected. */
  compared: number;
  /** Mismatches that count: not expected, not noise. */
  mismatches: number;
  expected: number;
  noise: number;
}

export function correctnessGate(counts: CorrectnessCounts, t: Thresholds): { gate: Gate; lowerBound: number } {
  const result = matchRateGate({ n: counts.compared, mismatches: counts.mismatches, target: t.target_match_rate, confidence: t.confidence });
  const wilson = wilsonInterval(counts.compared - counts.mismatches, counts.compared, t.confidence);
  const numbers = {
    compared: counts.compared,
    mismatches: counts.mismatches,
    expected: counts.expected,
    noise: counts.noise,
    match_rate: result.rate,
    lower_bound: result.lowerBound,
    wilson_lower: wilson.lower,
    wilson_upper: wilson.upper,
    clean_requests_needed: result.cleanRequestsNeeded,
  };
  if (counts.compared === 0) {
    return {
      gate: gate(
        'shadow_correctness',
        'INSUFFICIENT',
        `no compared requests; about ${formatCount(result.cleanRequestsNeeded ?? 0)} clean ones would settle it`,
        numbers,
      ),
      lowerBound: result.lowerBound,
    };
  }
  const left = [counts.expected > 0 ? `${formatCount(counts.expected)} expected` : '', counts.noise > 0 ? `${formatCount(counts.noise)} noise` : ''].filter(
    Boolean,
  );
  const facts =
    `${formatCount(counts.compared)} compared, ${plural(counts.mismatches, 'unexpected mismatch', 'unexpected mismatches')}${left.length > 0 ? ` (${left.join(', ')} left out)` : ''}: ` +
    `match rate ≥ ${formatLowerBound(result.lowerBound)} at ${formatPercent(t.confidence)} (Clopper-Pearson), target ${formatPercent(t.target_match_rate)}; Wilson ${formatPercent(t.confidence)} [${formatLowerBound(wilson.lower)}, ${`${(wilson.upper * 100).toFixed(3)} %`}]`;
  const settle = result.status === 'INSUFFICIENT' ? `; ${formatCount(result.cleanRequestsNeeded ?? 0)} more clean requests would settle it` : '';
  const below = result.status === 'FAIL' ? `; observed ${`${((result.rate ?? 0) * 100).toFixed(3)} %`} is below the target` : '';
  return { gate: gate('shadow_correctness', result.status, facts + settle + below, numbers), lowerBound: result.lowerBound };
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

export function latencyGate(legacy: LatencyPercentiles | null, rewrite: LatencyPercentiles | null, t: Thresholds): Gate {
  const legacyCount = legacy?.count ?? 0;
  const rewriteCount = rewrite?.count ?? 0;
  if (!legacy || !rewrite || legacyCount < t.min_latency_samples || rewriteCount < t.min_latency_samples) {
    return gate(
      'latency',
      'INSUFFICIENT',
      `${formatCount(legacyCount)} legacy and ${formatCount(rewriteCount)} rewrite timings; ${formatCount(t.min_latency_samples)} each are needed`,
      {
        legacy_samples: legacyCount,
        rewrite_samples: rewriteCount,
        p99_ratio: null,
      },
    );
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Number.POSITIVE_INFINITY : 1);
  const p99Ratio = ratio(rewrite.p99, legacy.p99);
  const within = rewrite.p99 - legacy.p99 <= t.p99_slack_ms;
  const status: GateStatus = p99Ratio <= t.max_p99_ratio || within ? 'PASS' : 'FAIL';
  const numbers = {
    legacy_samples: legacyCount,
    rewrite_samples: rewriteCount,
    p50_ratio: ratio(rewrite.p50, legacy.p50),
    p95_ratio: ratio(rewrite.p95, legacy.p95),
    p99_ratio: p99Ratio,
  };
  const slackNote = p99Ratio > t.max_p99_ratio && within ? ` (within the ${t.p99_slack_ms} ms slack)` : '';
  const detail =
    `p99 ${formatMs(rewrite.p99)} vs ${formatMs(legacy.p99)}: ${p99Ratio.toFixed(2)}× (at most ${t.max_p99_ratio}×)${slackNote}; ` +
    `p50 ${numbers.p50_ratio.toFixed(2)}×, p95 ${numbers.p95_ratio.toFixed(2)}×`;
  return gate('latency', status, detail, numbers);
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
