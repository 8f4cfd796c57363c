import { describe, expect, it } from 'vitest';
import { benchOff } from '../../harness/bench-off.ts';

describe('benchOff (the bench-only FAULTLINE_BENCH_OFF)', () => {
  it('switches nothing off when it is not set', () => {
    expect(benchOff({}).size).toBe(0);
  });

  it('reads a comma list of known components and ignores other names', () => {
    expect([...benchOff({ FAULTLINE_BENCH_OFF: 'leases, scrape,verdict' })].sort()).toEqual(['leases', 'scrape']);
  });
});
