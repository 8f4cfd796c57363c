import { describe, expect, it } from 'vitest';
import { backoffCapMs, createRetry, fullJitter, fullJitterDelayMs, MAX_TRIES, type RetryEvent } from '../../sample-system/resilience/retry.ts';

const transient = (): boolean => true;

function failing(times: number, error: Error = new Error('ECONNRESET')): { work: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    work: async () => {
      calls++;
      if (calls <= times) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('full-jitter backoff', () => {
  it('keeps every delay within [0, min(cap, base * 2^attempt)]', () => {
    const baseMs = 10;
    const capMs = 50;
    for (let attempt = 0; attempt < 8; attempt++) {
      const bound = Math.min(capMs, baseMs * 2 ** attempt);
      expect(backoffCapMs(attempt, baseMs, capMs)).toBe(bound);
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const delay = fullJitterDelayMs(attempt, baseMs, capMs, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('spreads delays over the whole range, not around a midpoint', () => {
    const delays = Array.from({ length: 2000 }, () => fullJitterDelayMs(3, 10, 50));
    expect(Math.min(...delays)).toBeLessThan(5);
    expect(Math.max(...delays)).toBeGreaterThan(45);
    expect(delays.every((d) => d >= 0 && d <= 50)).toBe(true);
  });

  it('as a cockatiel generator, grows with each attempt up to the cap', () => {
    const generate = fullJitter(() => 0.999999);
    const options = { initialDelay: 10, maxDelay: 50, exponent: 2, generator: generate };
    let state: number | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [delay, next] = generate(state, options);
      delays.push(delay);
      state = next;
    }
    expect(delays).toEqual([9, 19, 39, 49, 49]);
  });
});

describe('retry', () => {
  const options = { maxTries: 3, baseMs: 1, capMs: 2, isRetryable: transient, enabled: true, random: () => 0 };

  it('tries at most 3 times, then gives up with the last error', async () => {
    const { work, calls } = failing(10);
    await expect(createRetry(options).policyFor({ idempotent: true }).execute(work)).rejects.toThrow('ECONNRESET');
    expect(calls()).toBe(3);
  });

  it('succeeds on a later try and reports each retry with its delay', async () => {
    const retry = createRetry({ ...options, random: () => 0.5, baseMs: 4, capMs: 8 });
    const events: RetryEvent[] = [];
    retry.onRetry((e) => events.push(e));
    const { work, calls } = failing(2);
    await expect(retry.policyFor({ idempotent: true }).execute(work)).resolves.toBe('ok');
    expect(calls()).toBe(3);
    expect(events.map((e) => [e.retry, e.delayMs])).toEqual([
      [1, 2],
      [2, 4],
    ]);
  });

  it('never retries a non-idempotent call', async () => {
    const { work, calls } = failing(1);
    await expect(createRetry(options).policyFor({ idempotent: false }).execute(work)).rejects.toThrow('ECONNRESET');
    expect(calls()).toBe(1);
  });

  it('does not retry errors that are not transient', async () => {
    const { work, calls } = failing(1, new Error('syntax error'));
    const retry = createRetry({ ...options, isRetryable: (e) => e.message !== 'syntax error' });
    await expect(retry.policyFor({ idempotent: true }).execute(work)).rejects.toThrow('syntax error');
    expect(calls()).toBe(1);
  });

  it('when disabled, runs every call exactly once (pass-through)', async () => {
    const { work, calls } = failing(1);
    await expect(
      createRetry({ ...options, enabled: false })
        .policyFor({ idempotent: true })
        .execute(work),
    ).rejects.toThrow('ECONNRESET');
    expect(calls()).toBe(1);
    await expect(
      createRetry({ ...options, enabled: false })
        .policyFor({ idempotent: true })
        .execute(async () => 'fine'),
    ).resolves.toBe('fine');
  });

  it(`refuses more than ${MAX_TRIES} tries`, () => {
    expect(() => createRetry({ ...options, maxTries: 4 })).toThrow('maxTries must be an integer in 1..3, got 4');
  });
});
