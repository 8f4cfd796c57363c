import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  judgeInterval,
  normalQuantile,
  percentileInterval,
  percentileRanks,
  ratioInterval,
  tQuantile,
  wilsonInterval,
  zFor,
} from '../../harness/verdict/interval.ts';

// Anchors computed independently (Python: statistics.NormalDist, math.comb), not by this module.

describe('normal and t quantiles', () => {
  it('gives z = 1.959964 for a two-sided 95 % interval', () => {
    expect(zFor(0.95)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('gives Student t quantiles from tables', () => {
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
  });
});

describe('wilsonInterval', () => {
  it('bounds 0 failures in 600 at 95 % to [0.99364, 1]', () => {
    const i = wilsonInterval(600, 600, 0.95);
    expect(i?.low).toBeCloseTo(0.9936383, 6);
    expect(i?.high).toBe(1);
  });

  it('bounds 589 of 599 (the CI postgres-latency run) to [0.96954, 0.99091]', () => {
    const i = wilsonInterval(589, 599, 0.95);
    expect(i?.low).toBeCloseTo(0.9695445, 6);
    expect(i?.high).toBeCloseTo(0.9909071, 6);
  });

  it('has no interval without trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('narrows as the confidence drops', () => {
    const wide = wilsonInterval(261, 300, 0.99);
    const narrow = wilsonInterval(261, 300, 0.8);
    expect((narrow?.high ?? 0) - (narrow?.low ?? 0)).toBeLessThan((wide?.high ?? 0) - (wide?.low ?? 0));
  });
});

describe('percentile order statistics', () => {
  it('brackets p99 of 600 between the 589th and the 599th sample at 95 %', () => {
    expect(percentileRanks(600, 99, 0.95)).toEqual({ lower: 589, upper: 599 });
  });

  it('brackets the median of 100 between the 40th and the 61st sample', () => {
    expect(percentileRanks(100, 50, 0.95)).toEqual({ lower: 40, upper: 61 });
  });

  it('has no upper bound on p99 below 368 samples', () => {
    expect(percentileRanks(367, 99).upper).toBe(368);
    expect(percentileRanks(368, 99).upper).toBe(368);
    expect(
      percentileInterval(
        Array.from({ length: 367 }, (_, i) => i + 1),
        99,
      )?.high,
    ).toBe(Infinity);
  });

  it('reads the bounds from the sorted sample', () => {
    const sorted = Array.from({ length: 600 }, (_, i) => i + 1); // value = rank
    expect(percentileInterval(sorted, 99)).toMatchObject({ low: 589, high: 599 });
  });

  it('finds the same ranks as binomialCdf at every rank does, term for term', () => {
    // the definition, O(n²): the largest k with P(B < k) <= α/2, the smallest with P(B < k) >= 1 - α/2
    const byDefinition = (n: number, p: number, confidence: number): { lower: number; upper: number } => {
      const tail = (1 - confidence) / 2;
      let lower = 0;
      for (let k = 1; k <= n; k++) {
        const below = binomialCdf(k - 1, n, p / 100);
        if (below <= tail) lower = k;
        if (below >= 1 - tail) return { lower, upper: k };
      }
      return { lower, upper: n + 1 };
    };
    for (const n of [1, 2, 7, 50, 99, 367, 368, 600, 1001])
      for (const p of [1, 50, 90, 95, 99, 99.9])
        for (const confidence of [0.8, 0.95, 0.9995])
          expect([n, p, confidence, percentileRanks(n, p, confidence)]).toEqual([n, p, confidence, byDefinition(n, p, confidence)]);
  });

  it('ranks p99 of 200,000 samples in linear time', () => {
    const t0 = performance.now();
    const { lower, upper } = percentileRanks(200_000, 99, 0.95);
    expect(performance.now() - t0).toBeLessThan(1000); // the quadratic sum took minutes
    expect(lower).toBeLessThan(198_000);
    expect(upper).toBeGreaterThan(198_000);
    expect(upper - lower).toBeLessThan(200);
  });

  it('sums the binomial exactly', () => {
    expect(binomialCdf(588, 600, 0.99)).toBeCloseTo(0.0195297, 6);
    expect(binomialCdf(598, 600, 0.99)).toBeCloseTo(0.9830192, 6);
  });
});

describe('ratioInterval', () => {
  it('is the point ratio ± t·se for per-second pairs', () => {
    const pairs = [
      { y: 12, x: 10 },
      { y: 13, x: 10 },
      { y: 11, x: 10 },
      { y: 12, x: 10 },
    ];
    // R = 48/40 = 1.2; residuals 0, 1, -1, 0 -> s² = 2/3; se = sqrt(2/3) / (10 · 2) = 0.0408248
    const i = ratioInterval(pairs, 0.95);
    expect(i?.se).toBeCloseTo(0.0408248, 6);
    expect(((i?.low ?? 0) + (i?.high ?? 0)) / 2).toBeCloseTo(1.2, 9);
    expect(i?.high).toBeCloseTo(1.2 + 3.182 * 0.0408248, 1); // t(0.975, 3) = 3.182
  });

  it('needs two seconds and some requests', () => {
    expect(ratioInterval([{ y: 1, x: 1 }])).toBeNull();
    expect(
      ratioInterval([
        { y: 1, x: 0 },
        { y: 1, x: 0 },
      ]),
    ).toBeNull();
  });
});

describe('judgeInterval', () => {
  const i = { low: 0.97, high: 0.99, confidence: 0.95, method: 'wilson' };
  it('passes a floor below the whole interval and fails one above it', () => {
    expect(judgeInterval(i, 0.96, true)).toBe('pass');
    expect(judgeInterval(i, 0.995, true)).toBe('fail');
  });
  it('is marginal when the objective is inside the interval or on its end', () => {
    expect(judgeInterval(i, 0.98, true)).toBe('marginal');
    expect(judgeInterval(i, 0.97, true)).toBe('marginal');
    expect(judgeInterval(i, 0.99, false)).toBe('marginal');
  });
  it('judges a ceiling the other way round', () => {
    expect(judgeInterval(i, 1, false)).toBe('pass');
    expect(judgeInterval(i, 0.9, false)).toBe('fail');
  });
});
