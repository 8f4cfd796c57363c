// Confidence intervals for the checks, and the three-way judgement they allow: pass (the whole
// interval meets the objective), fail (the whole interval misses it) or marginal (it straddles:
// a repeat of the run could flip the point estimate's verdict). Pure math, no I/O; every function
// is deterministic (no resampling), so a replay judges the same numbers the same way.
//
// - shares (availability, shed share): Wilson's score interval. It stays inside [0, 1], behaves
//   at 0 failures (where the Wald interval collapses to a point), and is close to nominal
//   coverage; Clopper–Pearson is more conservative than nominal, which would call more checks
//   marginal than a repeat would really flip.
// - percentiles: the distribution-free interval between two order statistics, with ranks from
//   the binomial (how many of n samples fall below the true percentile is Binomial(n, p/100)).
// - ratios of counts (retry amplification): the ratio estimator Σy/Σx over per-second pairs, with
//   its delta-method (linearised) standard error and a Student t quantile on n-1 degrees of freedom.

export interface Interval {
  low: number;
  high: number;
  /** two-sided confidence level, e.g. 0.95 */
  confidence: number;
  /** how it was computed, for the report: 'wilson', 'order statistics', 'ratio (delta method, t)' */
  method: string;
}

export type Judgement = 'pass' | 'fail' | 'marginal';

export const DEFAULT_CONFIDENCE = 0.95;

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9 after one Newton step). */
/** Horner's rule: coefficients from the highest power down. */
const poly = (coeffs: readonly number[], x: number): number => coeffs.reduce((acc, c) => acc * x + c, 0);

// Acklam's coefficients (numerators a, c; denominators b, d with their constant term 1)
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1, 1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1];

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: ${p} is not in (0, 1)`);
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(C, q) / poly(D, q);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    x = (poly(A, q * q) * q) / poly(B, q * q);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -poly(C, q) / poly(D, q);
  }
  return x;
}

/** The z of a two-sided interval at `confidence` (1.959964 at 0.95). */
export const zFor = (confidence: number): number => normalQuantile(1 - (1 - confidence) / 2);

/** Wilson score interval for `successes` of `n` trials (null when n is 0). */
export function wilsonInterval(successes: number, n: number, confidence = DEFAULT_CONFIDENCE): Interval | null {
  if (n <= 0) return null;
  const z = zFor(confidence);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // at 0 or n successes the bound on that side is exactly 0 or 1 (rounding would leave 1 - 1e-17)
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { low, high, confidence, method: 'wilson' };
}

/**
 * P(B <= i) for i = 0, 1, …, n − 1, B ~ Binomial(n, p), each the last plus one term (in logs, so
 * large n does not overflow): one pass gives every cumulative value, where summing each afresh
 * would be O(n²) (a p99 over 600 samples was ~180,000 terms, judged every second of a live phase).
 */
function* binomialCdfs(n: number, p: number): Generator<number> {
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logCoef = 0; // log C(n, i)
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) logCoef += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logCoef + i * lp + (n - i) * lq);
    yield Math.min(1, sum);
  }
}

/** P(B <= k) for B ~ Binomial(n, p), summed in log space (exact enough for n up to ~10^6). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let i = 0;
  for (const cdf of binomialCdfs(n, p)) if (i++ === k) return cdf;
  return 1;
}

/**
 * 1-based ranks [lower, upper] of the order statistics that bracket the p-th percentile of n
 * samples with at least `confidence` coverage: lower is the largest rank with P(B < lower) <= α/2,
 * upper the smallest with P(B < upper) >= 1 - α/2, B ~ Binomial(n, p/100). A rank of 0 means no
 * lower bound (−∞), n + 1 no upper bound (+∞): too few samples to bound that side.
 */
export function percentileRanks(n: number, p: number, confidence = DEFAULT_CONFIDENCE): { lower: number; upper: number } {
  const q = p / 100;
  const tail = (1 - confidence) / 2;
  if (q >= 1) return { lower: n, upper: n + 1 };
  let lower = 0;
  let upper = n + 1;
  // P(B < k) = P(B <= k - 1), increasing in k
  let k = 0;
  for (const below of binomialCdfs(n, q)) {
    k++;
    if (below <= tail) lower = k;
    if (below >= 1 - tail) {
      upper = k;
      break;
    }
  }
  return { lower, upper };
}

/** Interval on the p-th percentile from the sorted sample (ascending). Null when there are no samples. */
export function percentileInterval(sorted: ArrayLike<number>, p: number, confidence = DEFAULT_CONFIDENCE): Interval | null {
  const n = sorted.length;
  if (n === 0) return null;
  const { lower, upper } = percentileRanks(n, p, confidence);
  return {
    low: lower === 0 ? -Infinity : (sorted[lower - 1] as number),
    high: upper > n ? Infinity : (sorted[upper - 1] as number),
    confidence,
    method: 'order statistics',
  };
}

/** Student t quantile (Cornish–Fisher expansion around the normal; within 0.5 % for df >= 3). */
export function tQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  if (!Number.isFinite(df) || df > 1e6) return z;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4)
  );
}

/**
 * Interval on Σy / Σx from per-second pairs (y: calls, x: requests), by the ratio estimator's
 * delta-method standard error: se = sqrt(Σ(y - R·x)² / (n - 1)) / (x̄ · sqrt(n)). Needs two
 * seconds at least and Σx > 0; null otherwise.
 */
export function ratioInterval(pairs: readonly { y: number; x: number }[], confidence = DEFAULT_CONFIDENCE): (Interval & { se: number }) | null {
  const n = pairs.length;
  const sx = pairs.reduce((a, p) => a + p.x, 0);
  const sy = pairs.reduce((a, p) => a + p.y, 0);
  if (n < 2 || sx <= 0) return null;
  const r = sy / sx;
  const residual = pairs.reduce((a, p) => a + (p.y - r * p.x) ** 2, 0) / (n - 1);
  const se = Math.sqrt(residual) / ((sx / n) * Math.sqrt(n));
  const t = tQuantile(1 - (1 - confidence) / 2, n - 1);
  // counts cannot go negative, so neither can their ratio
  return { low: Math.max(0, r - t * se), high: r + t * se, confidence, method: 'ratio (delta method, t)', se };
}

/**
 * (measured − objective) in standard errors, positive on the passing side. The standard error is
 * read off the interval (half its width over z; the side facing the objective for a skewed one),
 * so it is finite at 0 failures, where sqrt(p(1 − p)/n) is 0. Null when that side is unbounded.
 */
export function marginInSe(i: Interval, measured: number, objective: number, atLeast: boolean): number | null {
  const towards = objective >= measured ? i.high - measured : measured - i.low;
  const se = towards / zFor(i.confidence);
  const signed = atLeast ? measured - objective : objective - measured;
  if (!Number.isFinite(se)) return null;
  if (se <= 0) return signed === 0 ? 0 : signed > 0 ? Infinity : -Infinity;
  return signed / se;
}

/**
 * Where the interval sits against an objective. `atLeast`: the objective is a floor (measured
 * must be >= it); otherwise a ceiling (measured must be <= it). An objective inside the interval,
 * or on either of its ends, is marginal: the sample cannot tell which side the truth is on.
 */
export function judgeInterval(interval: Interval, objective: number, atLeast: boolean): Judgement {
  if (atLeast) {
    if (interval.low > objective) return 'pass';
    if (interval.high < objective) return 'fail';
    return 'marginal';
  }
  if (interval.high < objective) return 'pass';
  if (interval.low > objective) return 'fail';
  return 'marginal';
}

/** "[0.9936, 1] at 95 %" */
export function formatInterval(i: Interval, digits = 4): string {
  const f = (v: number): string => (Number.isFinite(v) ? String(Number(v.toFixed(digits))) : v > 0 ? '∞' : '-∞');
  return `[${f(i.low)}, ${f(i.high)}] at ${Number((i.confidence * 100).toFixed(2))}%`;
}

export const MARGINAL_NOTE = 'marginal: a repeat could flip this';

/** The why's tail: the interval, and whether it decides the check. */
export function intervalNote(i: Interval, objective: number, atLeast: boolean, digits = 4): string {
  const j = judgeInterval(i, objective, atLeast);
  return `${formatInterval(i, digits)}: ${j === 'marginal' ? MARGINAL_NOTE : `decided ${j === 'pass' ? 'passing' : 'failing'}`}`;
}
