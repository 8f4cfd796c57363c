// Checks carry their interval: pass and fail when it is decided, marginal (a repeat could flip it)
// when it straddles or touches the objective; --strict counts marginal as failed; an ablation is
// proven only by a decided failure where the fault acts.

import { describe, expect, it } from 'vitest';
import { sliceStats } from '../../harness/load/recording.ts';
import { ablationOutcome } from '../../harness/verdict/ablation.ts';
import { counterSeconds, type MetricSnapshot, pairSeconds, retryAmplificationCheck } from '../../harness/verdict/cascade.ts';
import { applyStrict, verdictOf } from '../../harness/verdict/index.ts';
import { shedCheck } from '../../harness/verdict/shedding.ts';
import { availability, checkSlo, latency } from '../../harness/verdict/slo.ts';
import { makeCheck, makeRunResult } from '../report/fixture.ts';

const E = 'GET /products/:id';
const latencies = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('SLO checks with intervals', () => {
  it('is marginal when the objective sits exactly on the measured availability', () => {
    const c = checkSlo(availability({ endpoint: E, min: 0.98 }), 'fault', sliceStats(490, 0, 10, [])); // 0.98 measured
    expect(c.measured).toBe(0.98);
    expect(c.status).toBe('pass'); // by its point estimate, as before
    expect(c.marginal).toBe(true);
    expect(c.marginSe).toBe(0);
    expect(c.why).toMatch(/marginal: a repeat could flip this/);
  });

  it('is marginal when the objective sits exactly on the measured percentile', () => {
    const c = checkSlo(
      latency({ endpoint: E, p: 99, maxMs: 594 }),
      'fault',
      sliceStats(
        600,
        0,
        0,
        latencies(600, (i) => i + 1),
      ),
    );
    expect(c.measured).toBe(594);
    expect(c.marginal).toBe(true);
    expect(c.interval).toMatchObject({ low: 589, high: 599, method: 'order statistics' });
  });

  it('decides a pass whose whole interval clears the objective: 0 failures in 600 against 0.99', () => {
    const c = checkSlo(availability({ endpoint: E, min: 0.99 }), 'baseline', sliceStats(600, 0, 0, []));
    expect(c.status).toBe('pass');
    expect(c.marginal).toBe(false);
    expect(c.interval?.low).toBeCloseTo(0.99364, 5);
    expect(c.why).toMatch(/decided passing/);
  });

  it('calls 0 failures in 300 against 0.99 marginal: 300 answers cannot show 99 %', () => {
    const c = checkSlo(availability({ endpoint: E, min: 0.99 }), 'baseline', sliceStats(300, 0, 0, []));
    expect(c.status).toBe('pass');
    expect(c.marginal).toBe(true);
  });

  it('calls the CI run of postgres-latency (589 of 599 against 0.99) a marginal failure', () => {
    const c = checkSlo(availability({ endpoint: E, min: 0.99 }), 'fault', sliceStats(589, 0, 10, []));
    expect(c.status).toBe('fail');
    expect(c.marginal).toBe(true);
    expect(c.marginSe).toBeLessThan(0);
    expect(c.marginSe).toBeGreaterThan(-2);
  });

  it('decides a failure whose whole interval misses: 261 of 300 against 0.95', () => {
    const c = checkSlo(availability({ endpoint: E, min: 0.95 }), 'fault', sliceStats(261, 0, 39, []));
    expect(c.status).toBe('fail');
    expect(c.marginal).toBe(false);
    expect(c.why).toMatch(/decided failing/);
  });

  it('cannot decide a p99 pass below 368 samples, however fast they are', () => {
    const c = checkSlo(
      latency({ endpoint: E, p: 99, maxMs: 500 }),
      'fault',
      sliceStats(
        300,
        0,
        0,
        latencies(300, () => 10),
      ),
    );
    expect(c.status).toBe('pass');
    expect(c.marginal).toBe(true);
    expect(c.interval?.high).toBe(Infinity);
  });

  it('widens with the confidence: 97 % of 400 against 0.95 is decided at 90 % and marginal at 99.99 %', () => {
    const s = sliceStats(388, 0, 12, []);
    expect(checkSlo(availability({ endpoint: E, min: 0.95 }), 'fault', s, 0.9).marginal).toBe(false);
    expect(checkSlo(availability({ endpoint: E, min: 0.95 }), 'fault', s, 0.9999).marginal).toBe(true);
  });
});

describe('--strict', () => {
  it('counts a marginal pass as failed, and leaves decided checks alone', () => {
    const checks = [makeCheck({ marginal: true }), makeCheck({ id: 'b', marginal: false })];
    expect(verdictOf(applyStrict(checks, false))).toBe('pass');
    const strict = applyStrict(checks, true);
    expect(strict.map((c) => c.status)).toEqual(['fail', 'pass']);
    expect(strict[0]?.why).toMatch(/--strict/);
    expect(verdictOf(strict)).toBe('fail');
  });
});

describe('ratio and share intervals', () => {
  const snap = (tMs: number, calls: number, requests: number): MetricSnapshot[] => [
    { tMs, service: 'catalog', values: { 'calls_total{dependency="postgres"}': calls } },
    { tMs, service: 'gateway', values: { requests_total: requests } },
  ];
  const series = { calls: 'calls_total', requests: 'requests_total', entry: 'gateway' };
  const phases = [{ name: 'fault' as const, startMs: 0, endMs: 5000 }];

  it('gives retry amplification an interval from the per-second counts', () => {
    // 10 requests a second, 12-13 calls a second
    const calls = [0, 12, 25, 37, 50, 62];
    const snapshots = calls.flatMap((c, i) => snap(i * 1000, c, i * 10));
    expect(
      pairSeconds(counterSeconds(snapshots, phases[0]!, 'calls_total'), counterSeconds(snapshots, phases[0]!, 'requests_total', {}, 'gateway')),
    ).toHaveLength(5);
    const c = retryAmplificationCheck({ kind: 'retry-amplification', dependency: 'postgres', max: 1.5 }, snapshots, phases, series);
    expect(c.measured).toBe(1.24);
    expect(c.interval?.method).toMatch(/ratio/);
    expect(c.marginal).toBe(false);
    expect(c.status).toBe('pass');
    const tight = retryAmplificationCheck({ kind: 'retry-amplification', dependency: 'postgres', max: 1.25 }, snapshots, phases, series);
    expect(tight.marginal).toBe(true);
  });

  it('gives the shed share a Wilson interval', () => {
    const c = shedCheck({ kind: 'shed', priority: 'background', minShare: 0.5 }, { 503: { count: 120, retryAfter: 120 }, 200: { count: 80, retryAfter: 0 } });
    expect(c.measured).toBe(0.6);
    expect(c.interval?.low).toBeGreaterThan(0.5);
    expect(c.marginal).toBe(false);
  });
});

describe('ablation with intervals', () => {
  const landedAndLoaded = makeRunResult().checks.filter((c) => c.kind === 'fault' || c.kind === 'load');

  it('is not proven by a marginal failure', () => {
    const result = makeRunResult({
      verdict: 'fail',
      checks: [...landedAndLoaded, makeCheck({ status: 'fail', measured: 0.8725, threshold: 0.88, marginal: true })],
    });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/marginal: a repeat could flip this/);
  });

  it('is not proven by a failure in the baseline, before the fault', () => {
    const result = makeRunResult({
      verdict: 'fail',
      checks: [...landedAndLoaded, makeCheck({ phase: 'baseline', status: 'fail', measured: 0.9739, threshold: 0.98, marginal: false })],
    });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/baseline/);
  });

  it('is proven by a decided failure in the fault phase', () => {
    const result = makeRunResult({
      verdict: 'fail',
      checks: [
        ...landedAndLoaded,
        makeCheck({ phase: 'baseline', status: 'fail', measured: 0.9739, threshold: 0.98, marginal: true }),
        makeCheck({
          status: 'fail',
          measured: 0.41,
          threshold: 0.99,
          marginal: false,
          interval: { low: 0.37, high: 0.45, confidence: 0.95, method: 'wilson' },
        }),
      ],
    });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(true);
    expect(outcome.why).toMatch(/\[0\.37, 0\.45\] at 95%/);
  });
});

describe('--confidence and --strict', () => {
  it('parses them, 0.95 and not strict by default', async () => {
    const { parseCli } = await import('../../harness/cli.ts');
    expect(parseCli(['x'])).toMatchObject({ confidence: 0.95, strict: false });
    expect(parseCli(['x', '--confidence', '0.99', '--strict'])).toMatchObject({ confidence: 0.99, strict: true });
  });

  it('refuses a confidence that is not a share above one half', async () => {
    const { parseCli } = await import('../../harness/cli.ts');
    for (const bad of ['95', '1', '0.4', 'high']) expect(() => parseCli(['x', '--confidence', bad])).toThrow(/--confidence .* must be a share in \(0\.5, 1\)/);
  });
});
