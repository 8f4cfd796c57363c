import { describe, expect, it } from 'vitest';
import { shedCheck, sheds, validateShed } from '../../harness/verdict/shedding.ts';
import { PRIORITIES } from '../../sample-system/resilience/load-shedding.ts';

describe('shedding check', () => {
  const spec = sheds({ priority: 'background', minShare: 0.3 });

  it('passes when enough of the priority was refused with 503 + Retry-After', () => {
    const check = shedCheck(spec, { 200: { count: 40, retryAfter: 0 }, 503: { count: 60, retryAfter: 60 } });
    expect(check).toMatchObject({ status: 'pass', measured: 0.6, threshold: 0.3, phase: 'fault' });
    expect(check.why).toContain('60 of 100 background requests in the fault phase were refused with 503 + Retry-After (60.0%)');
  });

  it('fails when too little was shed', () => {
    expect(shedCheck(spec, { 200: { count: 90, retryAfter: 0 }, 503: { count: 10, retryAfter: 10 } })).toMatchObject({ status: 'fail', measured: 0.1 });
  });

  it('fails when a 503 carries no Retry-After, and does not count it as shed', () => {
    const check = shedCheck(spec, { 503: { count: 100, retryAfter: 90 } });
    expect(check).toMatchObject({ status: 'fail', measured: 0.9 });
    expect(check.why).toContain('10 503 answers carried no Retry-After');
  });

  it('is inconclusive without samples', () => {
    expect(shedCheck(spec, {})).toMatchObject({ status: 'inconclusive', measured: null });
  });

  it('validates its fields', () => {
    expect(validateShed({ kind: 'shed', priority: 'low', minShare: 2 }, PRIORITIES).map((p) => p.field)).toEqual(['priority', 'minShare']);
    expect(validateShed({ kind: 'shed', priority: 'background', minShare: 0.5 }, PRIORITIES)).toEqual([]);
  });

  it('names the priorities the system has, or says it has none', () => {
    expect(validateShed({ kind: 'shed', priority: 'low', minShare: 0.5 }, PRIORITIES)).toEqual([
      { field: 'priority', text: '"low" is not a priority; priorities are: critical, normal, background' },
    ]);
    expect(validateShed({ kind: 'shed', priority: 'background', minShare: 0.5 }, [])).toEqual([
      { field: 'priority', text: '"background" is not a priority; this system has no priorities' },
    ]);
  });
});
