// The fault benchmark's arithmetic: lateness against the schedule, and its quantiles.

import { describe, expect, it } from 'vitest';
import { latenessOf, quantile } from '../../bench/faults.ts';
import { makeFault } from '../report/fixture.ts';

describe('fault lateness', () => {
  it('measures apply lateness from at, removal lateness from at + for, and skips what never happened', () => {
    const records = [
      makeFault({ scheduledAtMs: 1_000, scheduledForMs: 2_000, appliedAtMs: 1_012, removedAtMs: 3_007 }),
      makeFault({ scheduledAtMs: 500, scheduledForMs: 100, appliedAtMs: 530, removedAtMs: null }),
      makeFault({ appliedAtMs: null, removedAtMs: null }),
    ];
    expect(latenessOf(records)).toEqual({ applyMs: [12, 30], removeMs: [7] });
  });

  it('takes nearest-rank quantiles, NaN without samples', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
