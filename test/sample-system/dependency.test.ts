import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { type AttemptResult, type DependencyOptions, guardDependency } from '../../sample-system/resilience/dependency.ts';
import { parseDisabled } from '../../sample-system/resilience/patterns.ts';
import { isTimeout } from '../../sample-system/resilience/timeout.ts';

// Real timers with short limits: these tests check the composition, the modules' own tests the edges.
function guard(disable = '', attempts: AttemptResult[] = []): ReturnType<typeof guardDependency> {
  const options: DependencyOptions = {
    dependency: 'postgres',
    disabled: parseDisabled(disable),
    attemptTimeoutMs: 30,
    budgetMs: 50,
    retry: { maxTries: 3, baseMs: 1, capMs: 2, random: () => 0 },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
    isTransient: (e) => e.message === 'ECONNRESET',
    observer: { attempt: (r) => attempts.push(r) },
  };
  return guardDependency(options);
}

const hang = (signal: AbortSignal): Promise<never> => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('abandoned'))));
const reset = async (): Promise<never> => {
  throw new Error('ECONNRESET');
};

describe('a guarded dependency', () => {
  it('retries a transient failure and counts every attempt', async () => {
    const attempts: AttemptResult[] = [];
    let n = 0;
    const value = await guard('', attempts).call(async () => (++n < 3 ? reset() : 'row'), { idempotent: true });
    expect(value).toBe('row');
    expect(attempts).toEqual(['error', 'error', 'ok']);
  });

  it('cuts each attempt at its timeout and the whole call at its budget', async () => {
    const attempts: AttemptResult[] = [];
    const t0 = performance.now();
    const error = await guard('', attempts)
      .call(hang, { idempotent: true })
      .catch((e: unknown) => e);
    const tookMs = performance.now() - t0;
    expect(isTimeout(error)).toBe(true);
    // two 30 ms attempts fit in no 50 ms budget: the second is cut short and no third starts
    expect(tookMs).toBeGreaterThanOrEqual(49);
    expect(tookMs).toBeLessThan(50 + 100);
    await new Promise((r) => setTimeout(r, 40));
    expect(attempts).toEqual(['timeout', 'timeout']);
  });

  it('stops retrying once the breaker opens, failing fast', async () => {
    const attempts: AttemptResult[] = [];
    const g = guard('', attempts);
    await expect(g.call(reset, { idempotent: true })).rejects.toThrow('ECONNRESET');
    await expect(g.call(reset, { idempotent: true })).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(attempts).toHaveLength(5);
    expect(g.breaker.state()).toBe('open');
    await expect(g.call(async () => 'row', { idempotent: true })).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(attempts).toHaveLength(5);
  });

  it("never retries an open breaker's refusal, even for a client that calls every error transient", async () => {
    let retries = 0;
    let refused = 0;
    const g = guardDependency({
      dependency: 'payments',
      disabled: parseDisabled(''),
      attemptTimeoutMs: 30,
      budgetMs: 50,
      retry: { maxTries: 3, baseMs: 1, capMs: 2, random: () => 0 },
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
      isTransient: () => true, // as the payments client: anything but a final answer
      observer: { retry: () => retries++, retryRefused: () => refused++ },
    });
    await expect(g.call(reset, { idempotent: true })).rejects.toBeInstanceOf(BrokenCircuitError);
    const before = { retries, refused };
    await expect(g.call(async () => 'row', { idempotent: true })).rejects.toBeInstanceOf(BrokenCircuitError);
    expect({ retries, refused }).toEqual(before);
  });

  it('tries a non-idempotent call once', async () => {
    const attempts: AttemptResult[] = [];
    await expect(guard('', attempts).call(reset, { idempotent: false })).rejects.toThrow('ECONNRESET');
    expect(attempts).toEqual(['error']);
  });

  it('honours a tighter budget for one call, and refuses a spent one at once', async () => {
    const g = guard();
    const t0 = performance.now();
    await expect(g.call(hang, { idempotent: true, budgetMs: 5 })).rejects.toSatisfy(isTimeout);
    expect(performance.now() - t0).toBeLessThan(30);
    await expect(g.call(async () => 'row', { idempotent: true, budgetMs: 0 })).rejects.toThrow(/budget was spent/);
  });

  it('switches each pattern off alone', async () => {
    const noRetry: AttemptResult[] = [];
    await expect(guard('retry', noRetry).call(reset, { idempotent: true })).rejects.toThrow('ECONNRESET');
    expect(noRetry).toEqual(['error']);

    const noBreaker = guard('breaker');
    for (let i = 0; i < 4; i++) await expect(noBreaker.call(reset, { idempotent: true })).rejects.toThrow('ECONNRESET');
    expect(noBreaker.breaker.state()).toBe('closed');

    const noTimeout = guard('timeout');
    const slow = (): Promise<string> => new Promise((r) => setTimeout(() => r('slow row'), 120));
    await expect(noTimeout.call(slow, { idempotent: true })).resolves.toBe('slow row');
  });
});
