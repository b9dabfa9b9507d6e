/*
 * Distribution-free confidence bounds of a quantile, for the latency gate.
 *
 * Of n timings, the k-th smallest lies below the true q-quantile exactly when at least k timings
 * do, and the number that do is Binomial(n, q) whatever the latency distribution looks like. So a
 * lower bound of the q-quantile at confidence c is the largest rank l with P(B >= l) >= c, and an
 * upper bound the smallest rank u with P(B <= u - 1) >= c (order statistics; Hahn & Meeker,
 * "Statistical Intervals", ch. 5). No distribution is assumed and no resampling is done, so the
 * bounds are exact, reproducible, and read straight from an HDR histogram by rank.
 *
 * The binomial CDF is summed exactly (in log space, term by term) while the variance n q (1 - q)
 * is small, which is where the normal approximation is poor (a p99 of a few thousand timings);
 * above that the normal approximation with a continuity correction is used.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** Below this n q (1 - q) the CDF is summed exactly. */
const EXACT_BELOW_VARIANCE = 25;

/** 1-based ranks of the order statistics that bound the q-quantile, each one-sided at `confidence`; null where n is too small for a bound. */
export function quantileRankBounds(n: number, q: number, confidence: number): { lower: number | null; upper: number | null } {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be strictly between 0 and 1, got ${q}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  if (n === 0) return { lower: null, upper: null };
  const variance = n * q * (1 - q);
  if (variance >= EXACT_BELOW_VARIANCE) {
    const z = normalQuantile(confidence, 0, 1);
    const spread = z * Math.sqrt(variance);
    // P(B <= k) ~ Phi((k + 0.5 - nq) / sd): l - 1 is the largest k with that at most 1 - c, u - 1 the smallest with it at least c.
    const lower = Math.floor(n * q - spread - 0.5) + 1;
    const upper = Math.ceil(n * q + spread - 0.5) + 1;
    return { lower: lower >= 1 ? lower : null, upper: upper <= n ? upper : null };
  }
  const cdf = binomialCdf(n, q);
  let lower: number | null = null;
  for (let l = 1; l <= n && cdf[l - 1]! <= 1 - confidence; l++) lower = l;
  let upper: number | null = null;
  for (let u = 1; u <= n; u++) {
    if (cdf[u - 1]! >= confidence) {
      upper = u;
      break;
    }
  }
  return { lower, upper };
}

/** P(B <= k) for k = 0..n, B ~ Binomial(n, p); n is small here (the exact branch). */
function binomialCdf(n: number, p: number): number[] {
  const cdf = new Array<number>(n + 1);
  const logRatio = Math.log(p) - Math.log1p(-p);
  let logPmf = n * Math.log1p(-p);
  let total = 0;
  for (let k = 0; k <= n; k++) {
    total += Math.exp(logPmf);
    cdf[k] = Math.min(1, total);
    logPmf += Math.log(n - k) - Math.log(k + 1) + logRatio;
  }
  return cdf;
}
