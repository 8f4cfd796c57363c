import { describe, expect, it } from 'vitest';
import { behaviourProblems, decide, seededRandom } from '../../sample-system/services/payments/behaviour.ts';

describe('the simulated provider behaviour', () => {
  it('fails about failureRate of the requests and delays each by latency ± jitter', () => {
    const random = seededRandom(42);
    const decisions = Array.from({ length: 10_000 }, () => decide({ latencyMs: 100, jitterMs: 20, failureRate: 0.3 }, random));
    const failed = decisions.filter((d) => d.fail).length / decisions.length;
    expect(failed).toBeGreaterThan(0.28);
    expect(failed).toBeLessThan(0.32);
    expect(Math.min(...decisions.map((d) => d.delayMs))).toBeGreaterThanOrEqual(80);
    expect(Math.max(...decisions.map((d) => d.delayMs))).toBeLessThanOrEqual(120);
  });

  it('repeats the same decisions for the same seed', () => {
    const run = (): boolean[] => {
      const random = seededRandom(7);
      return Array.from({ length: 50 }, () => decide({ latencyMs: 0, jitterMs: 0, failureRate: 0.5 }, random).fail);
    };
    expect(run()).toEqual(run());
  });

  it('names each field that is out of range and each unknown field', () => {
    expect(behaviourProblems({ latencyMs: -1, failureRate: 2, slow: true })).toEqual([
      'slow: unknown field; fields are latencyMs, jitterMs, failureRate',
      'latencyMs: -1 must be milliseconds in [0, 60000]',
      'failureRate: 2 must be a share in [0, 1]',
    ]);
    expect(behaviourProblems({ latencyMs: 300, failureRate: 0.5 })).toEqual([]);
    expect(behaviourProblems([1])).toHaveLength(1);
  });
});
