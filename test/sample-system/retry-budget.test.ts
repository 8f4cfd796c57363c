import { describe, expect, it } from 'vitest';
import { createRetry } from '../../sample-system/resilience/retry.ts';
import { createRetryBudget } from '../../sample-system/resilience/retry-budget.ts';

function clock(startMs = 1_000_000): { nowMs: () => number; advance: (ms: number) => void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms) => void (now += ms) };
}

describe('retry budget', () => {
  it('starts full and refuses a retry once its burst is spent', () => {
    const { nowMs } = clock();
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 3, nowMs });
    expect([budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw()]).toEqual([true, true, true, false]);
  });

  it('earns one retry per ten calls at a 10% ratio', () => {
    const { nowMs } = clock();
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 5, nowMs });
    while (budget.tryWithdraw());
    for (let i = 0; i < 9; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
    budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('allows about ratio x calls retries over a long run, whatever the failure rate', () => {
    const { nowMs } = clock();
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 10, nowMs });
    let retries = 0;
    for (let i = 0; i < 1000; i++) {
      budget.deposit();
      if (budget.tryWithdraw()) retries++; // every call fails and wants a retry
    }
    expect(retries).toBeGreaterThanOrEqual(100);
    expect(retries).toBeLessThanOrEqual(110); // 10% plus the initial burst
  });

  it('refills at minPerSecond with time alone, up to its cap', () => {
    const { nowMs, advance } = clock();
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 2, maxTokens: 4, nowMs });
    while (budget.tryWithdraw());
    advance(499);
    expect(budget.tryWithdraw()).toBe(false);
    advance(1);
    expect(budget.tryWithdraw()).toBe(true);
    advance(60_000);
    expect(budget.tokens()).toBe(4);
  });

  it('never holds more than maxTokens however many calls deposit', () => {
    const budget = createRetryBudget({ ratio: 1, minPerSecond: 0, maxTokens: 2, nowMs: clock().nowMs });
    for (let i = 0; i < 50; i++) budget.deposit();
    expect(budget.tokens()).toBe(2);
  });
});

describe('retries inside a retry budget', () => {
  const alwaysFails = async (): Promise<never> => {
    throw new Error('ECONNRESET');
  };

  it('stops retrying when the budget is empty and fails with the real error', async () => {
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 0, maxTokens: 2, nowMs: clock().nowMs });
    let refused = 0;
    const retry = createRetry({ maxTries: 3, baseMs: 0, capMs: 0, isRetryable: () => true, enabled: true, budget, onBudgetRefused: () => refused++ });
    let attempts = 0;
    const work = async (): Promise<never> => {
      attempts++;
      return alwaysFails();
    };
    // first call: two retries take both tokens
    await expect(retry.policyFor({ idempotent: true }).execute(work)).rejects.toThrow('ECONNRESET');
    expect(attempts).toBe(3);
    // second call: no token, so one try only
    await expect(retry.policyFor({ idempotent: true }).execute(work)).rejects.toThrow('ECONNRESET');
    expect(attempts).toBe(4);
    expect(refused).toBe(1);
  });

  it('takes no token for the last failure, after which no retry could follow', async () => {
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 0, maxTokens: 2, nowMs: clock().nowMs });
    const retry = createRetry({ maxTries: 3, baseMs: 0, capMs: 0, isRetryable: () => true, enabled: true, budget });
    await expect(retry.policyFor({ idempotent: true }).execute(alwaysFails)).rejects.toThrow();
    expect(budget.tokens()).toBe(0);
  });
});
