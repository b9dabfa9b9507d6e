import { describe, expect, it } from 'vitest';
import { clopperPearsonLower, clopperPearsonUpper, matchRateGate, rateDifferenceUpper, wilsonInterval } from '../../src/stats/binomial.js';

// An independent reference: the Clopper-Pearson bounds as roots of the exact binomial tail, found by bisection.
// It shares nothing with the module under test (no beta quantile, no stdlib).

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Lanczos (g = 7): log Gamma(x) = log sqrt(2 pi) + (x - 1/2) log t - t + log A(x), with t = x + 6.5; for x >= 1 here. */
function lanczosLogSum(x: number): number {
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (x - 1 + i);
  return Math.log(sum);
}

function logGamma(x: number): number {
  const t = x + 6.5;
  return 0.5 * Math.log(2 * Math.PI) + (x - 0.5) * Math.log(t) - t + lanczosLogSum(x);
}

/**
 * logGamma(a) - logGamma(b) for a >= b, with the large terms of the Lanczos form cancelled algebraically:
 * subtracting two values near 1e7 (n = 1e6) would leave only about 1e-9 of absolute accuracy in log C(n, i).
 */
function logGammaRatio(a: number, b: number): number {
  const d = a - b;
  return d * Math.log(a + 6.5) + (b - 0.5) * Math.log1p(d / (b + 6.5)) - d + lanczosLogSum(a) - lanczosLogSum(b);
}

function logChoose(n: number, i: number): number {
  const small = Math.min(i, n - i);
  return logGammaRatio(n + 1, n - small + 1) - logGamma(small + 1);
}

function logPmf(i: number, n: number, p: number): number {
  return logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
}

/** Sum of pmf(i) for i in [from, to], summed in log space so that tiny terms do not underflow. */
function pmfSum(from: number, to: number, n: number, p: number): number {
  if (from > to) return 0;
  const logs: number[] = [];
  for (let i = from; i <= to; i++) logs.push(logPmf(i, n, p));
  const max = Math.max(...logs);
  return Math.exp(max) * logs.reduce((acc, l) => acc + Math.exp(l - max), 0);
}

/** P(X >= k), summing whichever side of k has fewer terms. */
function upperTail(k: number, n: number, p: number): number {
  return k > n / 2 ? pmfSum(k, n, n, p) : 1 - pmfSum(0, k - 1, n, p);
}

/** Root of a tail that is monotone in p, by plain bisection down to adjacent doubles. */
function bisect(f: (p: number) => number, increasing: boolean, level: number): number {
  let lo = 0;
  let hi = 1;
  for (let iter = 0; iter < 2000; iter++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < level === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function referenceLower(k: number, n: number, confidence: number): number {
  return k === 0 ? 0 : bisect((p) => upperTail(k, n, p), true, 1 - confidence);
}

function referenceUpper(k: number, n: number, confidence: number): number {
  return k === n ? 1 : bisect((p) => 1 - upperTail(k + 1, n, p), false, 1 - confidence);
}

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

/** Smallest N with 0.05^(1/N) >= 0.999, i.e. 20 * 999^N <= 1000^N, in exact integer arithmetic. */
function exactCleanRunToPass(): number {
  let pow999 = 1n;
  let pow1000 = 1n;
  for (let n = 1; ; n++) {
    pow999 *= 999n;
    pow1000 *= 1000n;
    if (20n * pow999 <= pow1000) return n;
  }
}

const GRID: Array<[number, number[]]> = [
  [1, [0, 1]],
  [10, [0, 1, 5, 9, 10]],
  [100, [0, 1, 37, 99, 100]],
  [3000, [0, 3, 1500, 2990, 2999, 3000]],
  [10000, [0, 1, 15, 9985, 9997, 10000]],
  [1000000, [0, 1, 10, 999990, 999999, 1000000]],
];

describe('Clopper-Pearson bounds', () => {
  it('agrees with bisection on the exact binomial tail', () => {
    for (const [n, ks] of GRID) {
      for (const k of ks) {
        for (const confidence of [0.9, 0.95, 0.99]) {
          expectRelativelyClose(clopperPearsonLower(k, n, confidence), referenceLower(k, n, confidence), 1e-9);
          expectRelativelyClose(clopperPearsonUpper(k, n, confidence), referenceUpper(k, n, confidence), 1e-9);
        }
      }
    }
  });

  it('has the closed forms at the edges', () => {
    for (const n of [1, 10, 100, 3000, 10000, 1000000]) {
      expectRelativelyClose(clopperPearsonLower(n, n, 0.95), 0.05 ** (1 / n), 1e-12);
      expectRelativelyClose(clopperPearsonUpper(0, n, 0.95), 1 - 0.05 ** (1 / n), 1e-9);
      expect(clopperPearsonLower(0, n, 0.95)).toBe(0);
      expect(clopperPearsonUpper(n, n, 0.95)).toBe(1);
    }
    expect(clopperPearsonLower(0, 0, 0.95)).toBe(0);
    expect(clopperPearsonUpper(0, 0, 0.95)).toBe(1);
  });
});

describe('Wilson score interval', () => {
  const z = 1.959963984540054;

  it('matches the hand-computed limits for 0 of 100 at 95%', () => {
    const { lower, upper } = wilsonInterval(0, 100, 0.95);
    expect(lower).toBe(0);
    expectRelativelyClose(upper, (z * z) / (100 + z * z), 1e-12);
  });

  it('matches the textbook formula inside the range and is symmetric', () => {
    const n = 80;
    const p = 48 / n;
    const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    const { lower, upper } = wilsonInterval(48, n, 0.95);
    expectRelativelyClose(lower, centre - half, 1e-12);
    expectRelativelyClose(upper, centre + half, 1e-12);
    const mirrored = wilsonInterval(32, n, 0.95);
    expectRelativelyClose(mirrored.lower, 1 - upper, 1e-12);
    expectRelativelyClose(mirrored.upper, 1 - lower, 1e-12);
  });

  it('knows nothing without observations', () => {
    expect(wilsonInterval(0, 0, 0.95)).toEqual({ lower: 0, upper: 1 });
  });
});

describe('rate difference by the hybrid score method', () => {
  // Newcombe (1998), Statistics in Medicine 17:873-890, Table II: 56/70 vs 48/80, method 10 gives 0.0524 to 0.3339.
  const first = { events: 56, n: 70 };
  const second = { events: 48, n: 80 };

  it('reproduces the published 95% interval from two one-sided 97.5% bounds', () => {
    expect(rateDifferenceUpper(second, first, 0.975)).toBeCloseTo(0.3339, 4);
    expect(-rateDifferenceUpper(first, second, 0.975)).toBeCloseTo(0.0524, 4);
  });

  it('returns 1 when either side has no observations', () => {
    expect(rateDifferenceUpper({ events: 0, n: 0 }, second, 0.95)).toBe(1);
    expect(rateDifferenceUpper(first, { events: 0, n: 0 }, 0.95)).toBe(1);
  });
});

describe('match-rate gate', () => {
  const gate = (n: number, mismatches: number) => matchRateGate({ n, mismatches, target: 0.999, confidence: 0.95 });
  const cleanRun = exactCleanRunToPass();

  it('needs 2995 clean requests in a row to show 99.9% at 95%', () => {
    expect(cleanRun).toBe(2995);
    expect(gate(cleanRun, 0).status).toBe('PASS');
    expect(gate(cleanRun - 1, 0).status).toBe('INSUFFICIENT');
  });

  it('passes 2995 clean requests', () => {
    const result = gate(2995, 0);
    expect(result).toMatchObject({ status: 'PASS', rate: 1, cleanRequestsNeeded: null });
    expect(result.lowerBound).toBeGreaterThanOrEqual(0.999);
  });

  it('says how many more clean requests 2000 clean ones need', () => {
    const result = gate(2000, 0);
    expect(result.status).toBe('INSUFFICIENT');
    expect(result.cleanRequestsNeeded).toBe(995);
    expect(result.cleanRequestsNeeded).toBe(cleanRun - 2000);
  });

  it('passes 3 mismatches in 10000 and fails 15', () => {
    expect(gate(10000, 3)).toMatchObject({ status: 'PASS', rate: 0.9997, cleanRequestsNeeded: null });
    expect(gate(10000, 15)).toMatchObject({ status: 'FAIL', rate: 0.9985, cleanRequestsNeeded: null });
  });

  it('knows nothing before any traffic', () => {
    expect(gate(0, 0)).toEqual({ status: 'INSUFFICIENT', lowerBound: 0, rate: null, wilson: { lower: 0, upper: 1 }, cleanRequestsNeeded: cleanRun });
  });

  it('returns the smallest sufficient number of clean requests', () => {
    for (const [n, mismatches] of [
      [0, 0],
      [1, 0],
      [500, 0],
      [2994, 0],
      [3000, 1],
      [5000, 5], // observed rate exactly at the target: not yet a FAIL
      [20000, 19],
    ] as const) {
      const result = gate(n, mismatches);
      expect(result.status).toBe('INSUFFICIENT');
      const m = result.cleanRequestsNeeded!;
      expect(Number.isInteger(m) && m >= 1).toBe(true);
      expect(clopperPearsonLower(n - mismatches + m, n + m, 0.95)).toBeGreaterThanOrEqual(0.999);
      if (m > 1) expect(clopperPearsonLower(n - mismatches + m - 1, n + m - 1, 0.95)).toBeLessThan(0.999);
    }
  });

  it('reports the Wilson interval of the match rate', () => {
    expect(gate(10000, 3).wilson).toEqual(wilsonInterval(9997, 10000, 0.95));
  });

  it('rejects malformed input', () => {
    const ok = { n: 100, mismatches: 1, target: 0.99, confidence: 0.95 };
    expect(() => matchRateGate({ ...ok, n: -1 })).toThrow(new RangeError('n must be a non-negative integer, got -1'));
    expect(() => matchRateGate({ ...ok, n: 1.5 })).toThrow(RangeError);
    expect(() => matchRateGate({ ...ok, mismatches: -2 })).toThrow(/mismatches must be a non-negative integer/);
    expect(() => matchRateGate({ ...ok, mismatches: 101 })).toThrow(new RangeError('mismatches (101) must not exceed n (100)'));
    expect(() => matchRateGate({ ...ok, target: 1 })).toThrow(new RangeError('target must be strictly between 0 and 1, got 1'));
    expect(() => matchRateGate({ ...ok, target: 0 })).toThrow(RangeError);
    expect(() => matchRateGate({ ...ok, confidence: Number.NaN })).toThrow(/confidence must be strictly between 0 and 1/);
    expect(() => clopperPearsonLower(3, 2, 0.95)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 1.5)).toThrow(RangeError);
    expect(() => rateDifferenceUpper({ events: 1, n: 1 }, { events: 2, n: 1 }, 0.95)).toThrow(RangeError);
  });
});
