/*
 * Confidence bounds on binomial proportions, for the cutover readiness gate.
 *
 * The gate asks "is the rewrite's true match rate at least the target?" and must not say yes by luck.
 * Clopper-Pearson bounds are used for that decision because they are exact (coverage is never below the
 * nominal level, unlike normal approximations that fail near 0 and 1, which is where match rates live).
 * Wilson intervals are reported alongside because they are the better two-sided summary for a person,
 * and Newcombe's hybrid score method (1998, method 10) builds on them to bound a difference of two rates.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

export interface Interval {
  lower: number;
  upper: number;
}

export interface RateSample {
  events: number;
  n: number;
}

export interface MatchRateGateInput {
  n: number;
  mismatches: number;
  target: number;
  confidence: number;
}

export type MatchRateGateStatus = 'PASS' | 'FAIL' | 'INSUFFICIENT';

export interface MatchRateGateResult {
  status: MatchRateGateStatus;
  lowerBound: number;
  rate: number | null;
  wilson: Interval;
  cleanRequestsNeeded: number | null;
}

function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

function checkCounts(successes: number, n: number, successName = 'successes'): void {
  checkCount(n, 'n');
  checkCount(successes, successName);
  if (successes > n) throw new RangeError(`${successName} (${successes}) must not exceed n (${n})`);
}

function checkOpenUnit(value: number, name: string): void {
  // Written negated so that NaN is rejected too.
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be strictly between 0 and 1, got ${value}`);
}

/** Exact one-sided lower bound of the success probability: P(X >= successes | p) = 1 - confidence. */
export function clopperPearsonLower(successes: number, n: number, confidence: number): number {
  checkCounts(successes, n);
  checkOpenUnit(confidence, 'confidence');
  if (n === 0 || successes === 0) return 0;
  return betaQuantile(1 - confidence, successes, n - successes + 1);
}

/** Exact one-sided upper bound of the success probability: P(X <= successes | p) = 1 - confidence. */
export function clopperPearsonUpper(successes: number, n: number, confidence: number): number {
  checkCounts(successes, n);
  checkOpenUnit(confidence, 'confidence');
  if (n === 0 || successes === n) return 1;
  return betaQuantile(confidence, successes + 1, n - successes);
}

function wilsonAt(successes: number, n: number, z: number): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // At 0 and n the limits are exactly 0 and 1; rounding in centre - half must not turn them into 1e-18.
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/** Two-sided Wilson score interval at the given confidence. */
export function wilsonInterval(successes: number, n: number, confidence: number): Interval {
  checkCounts(successes, n);
  checkOpenUnit(confidence, 'confidence');
  return wilsonAt(successes, n, normalQuantile(1 - (1 - confidence) / 2, 0, 1));
}

/**
 * One-sided upper bound of rate(b) - rate(a) by Newcombe's hybrid score method, which keeps good coverage
 * for rare events where the Wald difference interval collapses to zero width.
 */
export function rateDifferenceUpper(a: RateSample, b: RateSample, confidence: number): number {
  checkCounts(a.events, a.n, 'events');
  checkCounts(b.events, b.n, 'events');
  checkOpenUnit(confidence, 'confidence');
  if (a.n === 0 || b.n === 0) return 1;
  const z = normalQuantile(confidence, 0, 1);
  const pa = a.events / a.n;
  const pb = b.events / b.n;
  const wa = wilsonAt(a.events, a.n, z);
  const wb = wilsonAt(b.events, b.n, z);
  return pb - pa + Math.hypot(wb.upper - pb, pa - wa.lower);
}

/**
 * Decides whether the observed match rate shows, at the given confidence, that the true rate is at least the target.
 * FAIL means the observed rate is already below the target, so more of the same traffic cannot rescue it;
 * INSUFFICIENT says how many further clean requests would be enough to pass.
 */
export function matchRateGate({ n, mismatches, target, confidence }: MatchRateGateInput): MatchRateGateResult {
  checkCounts(mismatches, n, 'mismatches');
  checkOpenUnit(target, 'target');
  checkOpenUnit(confidence, 'confidence');
  const matches = n - mismatches;
  const rate = n === 0 ? null : matches / n;
  const lowerBound = clopperPearsonLower(matches, n, confidence);
  const wilson = wilsonInterval(matches, n, confidence);
  if (lowerBound >= target) return { status: 'PASS', lowerBound, rate, wilson, cleanRequestsNeeded: null };
  if (rate !== null && rate < target) return { status: 'FAIL', lowerBound, rate, wilson, cleanRequestsNeeded: null };
  return { status: 'INSUFFICIENT', lowerBound, rate, wilson, cleanRequestsNeeded: cleanRequestsToPass(matches, n, target, confidence) };
}

/** Smallest m >= 1 with clopperPearsonLower(matches + m, n + m) >= target; the bound only grows with m. */
function cleanRequestsToPass(matches: number, n: number, target: number, confidence: number): number {
  const passes = (m: number): boolean => clopperPearsonLower(matches + m, n + m, confidence) >= target;
  let fail = 0;
  let pass = 1;
  while (!passes(pass)) {
    fail = pass;
    pass *= 2;
    if (!Number.isSafeInteger(n + pass)) throw new RangeError(`target ${target} cannot be reached at confidence ${confidence} within safe integers`);
  }
  while (pass - fail > 1) {
    const mid = fail + Math.floor((pass - fail) / 2);
    if (passes(mid)) pass = mid;
    else fail = mid;
  }
  return pass;
}
