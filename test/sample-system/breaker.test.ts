import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BreakerState, createBreaker } from '../../sample-system/resilience/breaker.ts';

// cockatiel's breaker reads Date.now(); vitest's fake clock is the injected clock here.
beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => void vi.useRealTimers());

const down = async (): Promise<never> => {
  throw new Error('ECONNREFUSED');
};
const up = async (): Promise<string> => 'ok';

function breaker(enabled = true): ReturnType<typeof createBreaker> {
  return createBreaker({ dependency: 'postgres', consecutiveFailures: 5, halfOpenAfterMs: 1000, isFailure: (e) => e.message === 'ECONNREFUSED', enabled });
}

async function failTimes(b: ReturnType<typeof createBreaker>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(b.policy.execute(down)).rejects.toThrow('ECONNREFUSED');
}

describe('circuit breaker', () => {
  it('stays closed below the threshold and opens at 5 consecutive failures', async () => {
    const b = breaker();
    await failTimes(b, 4);
    expect(b.state()).toBe('closed');
    await failTimes(b, 1);
    expect(b.state()).toBe('open');
  });

  it('counts consecutive failures only: a success in between resets the count', async () => {
    const b = breaker();
    await failTimes(b, 4);
    await b.policy.execute(up);
    await failTimes(b, 4);
    expect(b.state()).toBe('closed');
  });

  it('ignores errors that are not the dependency failing', async () => {
    const b = breaker();
    for (let i = 0; i < 10; i++) await expect(b.policy.execute(async () => Promise.reject(new Error('bad input')))).rejects.toThrow('bad input');
    expect(b.state()).toBe('closed');
  });

  it('fails fast while open, without calling the dependency', async () => {
    const b = breaker();
    await failTimes(b, 5);
    const work = vi.fn(up);
    await expect(b.policy.execute(work)).rejects.toBeInstanceOf(BrokenCircuitError);
    vi.advanceTimersByTime(999);
    await expect(b.policy.execute(work)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(work).not.toHaveBeenCalled();
  });

  it('half-opens after the configured time and closes when the probe succeeds', async () => {
    const b = breaker();
    const transitions: BreakerState[] = [];
    b.onTransition((to) => transitions.push(to));
    await failTimes(b, 5);
    vi.advanceTimersByTime(1000);
    await expect(b.policy.execute(up)).resolves.toBe('ok');
    expect(b.state()).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the half-open probe fails, for another full period', async () => {
    const b = breaker();
    await failTimes(b, 5);
    vi.advanceTimersByTime(1000);
    await failTimes(b, 1);
    expect(b.state()).toBe('open');
    vi.advanceTimersByTime(500);
    await expect(b.policy.execute(up)).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('when disabled, passes every call through and stays closed', async () => {
    const b = breaker(false);
    for (let i = 0; i < 10; i++) await expect(b.policy.execute(down)).rejects.toThrow('ECONNREFUSED');
    expect(b.state()).toBe('closed');
    await expect(b.policy.execute(up)).resolves.toBe('ok');
  });
});
