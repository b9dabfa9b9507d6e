import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/random.js';
import { quantileRankBounds } from '../../src/stats/quantile.js';

describe('order-statistic bounds of a quantile', () => {
  it('gives the textbook ranks for the median of 100 (the 95 % two-sided interval is the 40th to the 61st)', () => {
    expect(quantileRankBounds(100, 0.5, 0.975)).toEqual({ lower: 40, upper: 61 });
  });

  it('cannot bound a p99 from above with too few timings, nor from below with none', () => {
    // 0.99^200 = 0.13: even the largest of 200 timings is below the true p99 13 % of the time.
    expect(quantileRankBounds(200, 0.99, 0.95).upper).toBeNull();
    expect(quantileRankBounds(200, 0.99, 0.95).lower).toBeGreaterThan(190);
    expect(quantileRankBounds(0, 0.99, 0.95)).toEqual({ lower: null, upper: null });
    expect(() => quantileRankBounds(10, 1, 0.95)).toThrow(RangeError);
    expect(() => quantileRankBounds(-1, 0.5, 0.95)).toThrow(RangeError);
  });

  it('agrees with itself where the exact sum hands over to the normal approximation', () => {
    // n q (1 - q) = 25 is the boundary: just below it is summed exactly, at it approximated; two more timings move q n by 2.
    const exact = quantileRankBounds(2524, 0.99, 0.9875);
    const normal = quantileRankBounds(2526, 0.99, 0.9875);
    expect(Math.abs(normal.lower! - exact.lower! - 2)).toBeLessThanOrEqual(1);
    expect(Math.abs(normal.upper! - exact.upper! - 2)).toBeLessThanOrEqual(1);
  });

  it('covers the true quantile at least as often as promised, on samples it never saw', () => {
    const random = seededRandom(7);
    const trials = 600;
    for (const [n, q] of [
      [500, 0.99],
      [5000, 0.99],
      [300, 0.5],
    ] as const) {
      // Exponential timings with mean 1: the true q-quantile is -ln(1 - q).
      const truth = -Math.log(1 - q);
      const { lower, upper } = quantileRankBounds(n, q, 0.95);
      let lowerHolds = 0;
      let upperHolds = 0;
      for (let trial = 0; trial < trials; trial++) {
        const sample = Array.from({ length: n }, () => -Math.log(1 - random())).sort((a, b) => a - b);
        if (lower === null || sample[lower - 1]! <= truth) lowerHolds += 1;
        if (upper !== null && sample[upper - 1]! >= truth) upperHolds += 1;
      }
      // 95 % promised; 600 trials put the observed share within about 2 points of the truth.
      expect(lowerHolds / trials, `lower, n ${n}, q ${q}`).toBeGreaterThan(0.93);
      if (upper !== null) expect(upperHolds / trials, `upper, n ${n}, q ${q}`).toBeGreaterThan(0.93);
    }
  });
});
