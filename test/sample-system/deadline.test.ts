import { describe, expect, it } from 'vitest';
import { budgetWithin, deadlineHeader, edgeDeadline, parseDeadline, remainingMs } from '../../sample-system/resilience/deadline.ts';

describe('deadline', () => {
  it('stamps an absolute deadline in epoch ms', () => {
    expect(deadlineHeader(1_700_000_000_000, 1000)).toBe('1700000001000');
  });

  it("gives a request at the edge its own time limit, or the caller's deadline when that is sooner", () => {
    expect(edgeDeadline(1_700_000_000_000, 1000, undefined)).toBe(1_700_000_001_000);
    expect(edgeDeadline(1_700_000_000_000, 1000, 1_700_000_000_400)).toBe(1_700_000_000_400);
    expect(edgeDeadline(1_700_000_000_000, 1000, 1_700_000_005_000)).toBe(1_700_000_001_000);
  });

  it('reads a deadline back, and ignores a missing or malformed one', () => {
    expect(parseDeadline('1700000001000')).toBe(1_700_000_001_000);
    expect(parseDeadline(['1700000001000', '5'])).toBe(1_700_000_001_000);
    for (const bad of [undefined, '', 'soon', '-5', '1e12', '0']) expect(parseDeadline(bad)).toBeUndefined();
  });

  it('gives a hop the smaller of its own budget and the time left', () => {
    expect(remainingMs(1000, 900)).toBe(100);
    expect(budgetWithin(250, undefined, 0)).toBe(250);
    expect(budgetWithin(250, 1000, 0)).toBe(250);
    expect(budgetWithin(250, 1000, 900)).toBe(100);
    expect(budgetWithin(250, 1000, 1200)).toBe(-200);
  });
});
