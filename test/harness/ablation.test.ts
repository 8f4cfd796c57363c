// The ablation verdict: a scenario run with its protectedBy patterns off proves it tests them only
// by failing a check; a pass or an inconclusive run is reported as a defect of the scenario.

import { describe, expect, it } from 'vitest';
import { ablatedPatterns, ablationOutcome, parseCli, UsageError } from '../../harness/cli.ts';
import { makeCheck, makeRunResult } from '../report/fixture.ts';

describe('ablation', () => {
  it('switches off the protectedBy patterns and any --disable, once each', () => {
    expect(ablatedPatterns(['breaker', 'fallback'], ['fallback', 'retry'])).toEqual(['breaker', 'fallback', 'retry']);
  });

  it('is proven by a failed check, naming it with measured value and threshold', () => {
    const result = makeRunResult({
      verdict: 'fail',
      disabled: ['breaker'],
      checks: [makeCheck(), makeCheck({ status: 'fail', measured: 0.41, threshold: 0.99 })],
    });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(true);
    expect(outcome.failedChecks).toEqual(['availability >= 99.5% [fault GET /products/:id]']);
    expect(outcome.why).toMatch(/measured 0\.41 ratio, threshold 0\.99/);
  });

  it('is a defect when the scenario still passes with its protection off', () => {
    const outcome = ablationOutcome(makeRunResult({ verdict: 'pass', disabled: ['breaker'] }));
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/still PASSES/);
  });

  it('proves nothing when the run is inconclusive', () => {
    const result = makeRunResult({ verdict: 'inconclusive', checks: [makeCheck({ status: 'inconclusive', measured: null, why: 'the fault did not land' })] });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/inconclusive.*did not land/);
  });

  it('is not proven by a failed check when a fault did not land', () => {
    const landed = makeRunResult().checks[0]!;
    const missed = { ...landed, status: 'inconclusive' as const, why: 'the fault did not take effect: no bytes crossed catalog->postgres' };
    const result = makeRunResult({ verdict: 'fail', checks: [missed, makeCheck({ status: 'fail', measured: 0.41, threshold: 0.99 })] });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/did not land.*no bytes crossed/);
    expect(ablationOutcome({ ...result, checks: [landed, ...result.checks.slice(1)] }).proven).toBe(true);
  });

  it('is not proven by a failed check that measured nothing', () => {
    const result = makeRunResult({
      verdict: 'fail',
      checks: [makeRunResult().checks[0]!, makeCheck({ status: 'fail', measured: null, why: 'no samples after removal' })],
    });
    const outcome = ablationOutcome(result);
    expect(outcome.proven).toBe(false);
    expect(outcome.why).toMatch(/measured nothing.*no samples after removal/);
  });

  it('is proven by the measured failure when another failed check measured nothing', () => {
    const checks = [
      makeCheck({ status: 'fail', measured: null, why: 'nothing' }),
      makeCheck({ name: 'p99 latency <= 500 ms', status: 'fail', measured: 910, threshold: 500, unit: 'ms' }),
    ];
    const outcome = ablationOutcome(makeRunResult({ verdict: 'fail', checks }));
    expect(outcome.proven).toBe(true);
    expect(outcome.why).toMatch(/p99 latency <= 500 ms.*measured 910 ms, threshold 500/);
  });

  it('takes --ablate with names or --all, not with --list', () => {
    expect(parseCli(['--all', '--ablate']).ablate).toBe(true);
    expect(parseCli(['postgres-latency', '--ablate']).ablate).toBe(true);
    expect(() => parseCli(['--list', '--ablate'])).toThrow(UsageError);
  });
});
